/*
 * The application's file state: its descriptor table and its working
 * directory (there is one process). Both are used under fs_lock(), like
 * every VFS call. The table starts with fd 0, 1 and 2 on /dev/console,
 * opened at the first fs_app_files_lock. The system calls on them are
 * kernel/syscall/sys_files.c's and sys_poll.c's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <carapace/fs.h>
#include <carapace/hardening.h>
#include <carapace/vfs.h>

/*
 * RLIMIT_NOFILE's soft value at start, as Linux's: select's fd_set holds
 * 1024 descriptors, so a program gets more only by asking (setrlimit, up
 * to the hard value VFS_FD_MAX).
 */
#define APP_NOFILE_DEFAULT 1024

static struct vfs_fdtable fdtable;
static char cwd[VFS_PATH_MAX] = "/";
static char path_buf[VFS_PATH_MAX]; /* chdir's scratch, under fs_lock */
static bool files_ready;

static int join_path(const char *dir, const char *path, char *out, size_t size);

struct vfs_fdtable *fs_app_files_lock(void)
{
	struct vfs_file *f;

	fs_lock();
	if (files_ready)
		return &fdtable;
	files_ready = true;
	vfs_fdtable_init(&fdtable);
	vfs_fdtable_set_limit(&fdtable, APP_NOFILE_DEFAULT, VFS_FD_MAX);
	if (vfs_open(fs_vfs(), "/", "/dev/console", VFS_O_RDWR, 0, &f) == 0) {
		for (int fd = 0; fd < 3; fd++)
			vfs_fd_install(&fdtable, f, false);
		vfs_file_put(f);
	}
	return &fdtable;
}

long fs_app_fd_install(struct vfs_fdtable *t, struct vfs_file *f, bool cloexec)
{
	long fd = vfs_fd_install(t, f, cloexec);

	vfs_file_put(f);
	return fd;
}

const char *fs_app_cwd(void)
{
	return cwd;
}

static char exe[VFS_PATH_MAX];

void fs_app_set_exe(const char *path)
{
	if (join_path("/", path, exe, sizeof(exe)) != 0)
		exe[0] = '\0';
}

const char *fs_app_exe(void)
{
	return exe;
}

static char cmdline[FS_APP_CMDLINE_MAX];
static size_t cmdline_len;

void fs_app_set_cmdline(int argc, const char *const *argv)
{
	size_t at = 0;

	for (int i = 0; i < argc && at < sizeof(cmdline); i++) {
		size_t n = strlen(argv[i]) + 1; /* with its NUL */

		if (n > sizeof(cmdline) - at)
			n = sizeof(cmdline) - at;
		memcpy(cmdline + at, argv[i], n);
		at += n;
	}
	cmdline_len = at;
}

size_t fs_app_cmdline(const char **text)
{
	*text = cmdline;
	return cmdline_len;
}

/* Function pointers: read-only once the boot is over. */
static struct fs_app_process process __ro_after_init = { .pid = 1 };

void fs_app_set_process(const struct fs_app_process *p)
{
	process = *p;
}

const struct fs_app_process *fs_app_process(void)
{
	return &process;
}

/*
 * cwd joined with path, with ".", ".." and repeated slashes resolved by
 * name (there are no symbolic links), into out; -ENAMETOOLONG if too long.
 */
static int join_path(const char *dir, const char *path, char *out, size_t size)
{
	size_t n = 0;
	const char *parts[2] = { path[0] == '/' ? "" : dir, path };

	for (int k = 0; k < 2; k++) {
		for (const char *p = parts[k]; *p;) {
			size_t len;

			while (*p == '/')
				p++;
			for (len = 0; p[len] && p[len] != '/'; len++)
				;
			if (len == 0 || (len == 1 && p[0] == '.')) {
				/* nothing */
			} else if (len == 2 && p[0] == '.' && p[1] == '.') {
				while (n > 0 && out[n] != '/')
					n--;
			} else {
				if (n + 1 + len + 1 > size)
					return -ENAMETOOLONG;
				out[n++] = '/';
				memcpy(out + n, p, len);
				n += len;
			}
			out[n] = '\0';
			p += len;
		}
	}
	if (n == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

int fs_app_chdir(const char *path)
{
	struct linux_stat st;
	int rc;

	if (path[0] == '\0')
		rc = -ENOENT;
	else if (!(rc = vfs_stat(fs_vfs(), cwd, path, &st)) && !VFS_S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	if (!rc && !(rc = join_path(cwd, path, path_buf, sizeof(path_buf))))
		memcpy(cwd, path_buf, strlen(path_buf) + 1);
	return rc;
}
