/*
 * The kernel's filesystem namespace: the boot filesystem (the first boot
 * module, packed by scripts/mkbootfs) at /, a ramfs at /tmp, devfs at /dev.
 * The VFS itself takes no locks: every call goes through fs_lock()/fs_unlock().
 */
#ifndef CARAPACE_FS_H
#define CARAPACE_FS_H

#include <stddef.h>
#include <stdint.h>

#include <carapace/boot.h>
#include <carapace/vfs.h>

/*
 * Mounts everything; returns 0, or a negative errno with a message in err.
 * tmp_bytes bounds /tmp (boot option tmp.size=; 0: half of the RAM).
 */
int fs_init(const struct boot_info *bi, uint64_t tmp_bytes, char *err, size_t err_size);

struct vfs *fs_vfs(void);
void fs_lock(void);
void fs_unlock(void);
/* /tmp's bytes in use and its limit (tmp.size=), for the REST API's /fs/df. */
void fs_tmp_usage(uint64_t *used, uint64_t *max);

/*
 * The application's descriptor table and working directory
 * (kernel/fs/app_files.c), used under fs_lock like the VFS.
 * fs_app_files_lock takes fs_lock and returns the table; the first time,
 * it opens fd 0, 1 and 2 on /dev/console. fs_app_fd_install puts f into
 * the lowest free descriptor of t and hands it the caller's reference:
 * the descriptor, or -EMFILE (and the file is gone). fs_app_cwd is the
 * working directory's absolute path; fs_app_chdir changes it to path
 * (relative to it, or absolute): 0 or -errno (-ENOENT, -ENOTDIR,
 * -ENAMETOOLONG, ...).
 */
struct vfs_fdtable *fs_app_files_lock(void);
long fs_app_fd_install(struct vfs_fdtable *t, struct vfs_file *f, bool cloexec);
const char *fs_app_cwd(void);
int fs_app_chdir(const char *path);
/*
 * The application's own file, what /proc/self/exe names: set once by the
 * loader (libc/app.c, argv[0], made absolute against "/"), "" before.
 */
void fs_app_set_exe(const char *path);
const char *fs_app_exe(void);
/*
 * The application's argv, what /proc/self/cmdline gives: each string and
 * its NUL, kept by the loader (libc/app.c) as it starts the program, cut
 * at FS_APP_CMDLINE_MAX bytes. fs_app_cmdline returns its length.
 */
#define FS_APP_CMDLINE_MAX 4096
void fs_app_set_cmdline(int argc, const char *const *argv);
size_t fs_app_cmdline(const char **text);
/*
 * What /proc/self/status and /proc/self/stat say of the process that only
 * the system call layer knows (kernel/fs may not call it): it hands these
 * over once at start (syscalls.c). threads counts the application's
 * threads; signals gives the pending, the calling thread's blocked, the
 * ignored and the caught signals. NULL functions: 1 thread, no signals.
 */
struct fs_app_process {
	int pid;
	int (*threads)(void);
	void (*signals)(uint64_t *pending, uint64_t *blocked, uint64_t *ignored,
			uint64_t *caught);
};
void fs_app_set_process(const struct fs_app_process *p);
const struct fs_app_process *fs_app_process(void);

#endif
