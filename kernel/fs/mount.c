/*
 * The kernel's side of the filesystem (kernel/fs/ is the portable part):
 * what is mounted where at boot (/, /tmp, /dev, /proc, /etc's name
 * resolution files unless the boot filesystem has an /etc), memory from the
 * kernel heap, the console and the random source behind devfs, /proc's
 * table, and one lock around the VFS.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/classifier.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/ktests.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>
#include <carapace/mutex.h>
#include <carapace/net.h>
#include <carapace/procfs.h>
#include <carapace/random.h>

#include "proc_system.h"

static struct vfs vfs;
static struct mutex vfs_lock = MUTEX_INIT;
static struct devfs devfs;
static struct procfs procfs;
static struct procfs etcfs;

/* /proc's files: path under /proc, and the function that writes its text. */
static const struct procfs_entry proc_files[] = {
	{ "cpuinfo", proc_cpuinfo_format },
	{ "meminfo", proc_meminfo_format },
	{ "net/classifier", classifier_counters_format },
	{ "self/cmdline", proc_self_cmdline_format },
	{ "self/stat", proc_self_stat_format },
	{ "self/status", proc_self_status_format },
	{ "uptime", proc_uptime_format },
	{ "version", proc_version_format },
};

/*
 * /etc's files for musl's name resolution (kernel/net/README.md, "Name
 * resolution"), made at each read like /proc's: the addresses change
 * when DHCP answers.
 */
static const struct procfs_entry etc_files[] = {
	{ "hosts", net_hosts_format },
	{ "resolv.conf", net_resolv_conf_format },
	{ "services", etc_services_format },
};

static void *heap_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return kmalloc(size);
}

static void heap_free(void *ctx, void *p)
{
	(void)ctx;
	kfree(p);
}

static const struct vfs_alloc heap = { heap_alloc, heap_free, NULL };

static int64_t dev_console_write(void *ctx, const void *buf, size_t n)
{
	(void)ctx;
	console_write(buf, n);
	return (int64_t)n;
}

/* There is no console input yet: reading it gives end of file. */
static int64_t dev_console_read(void *ctx, void *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
	return 0;
}

static void random_fill(void *ctx, void *buf, size_t n)
{
	(void)ctx;
	random_bytes(buf, n);
}

/* Mounts a filesystem or says which one failed. */
static int mount_or_say(const char *path, struct vnode *root, char *err, size_t err_size)
{
	int rc = root ? vfs_mount(&vfs, path, root) : -ENOMEM;

	if (rc)
		fmt_snprintf(err, err_size, "cannot mount %s (error %d)", path, rc);
	return rc;
}

static struct ramfs *tmp; /* /tmp, for fs_tmp_usage */

/* ramfs's clock: the wall clock's seconds (the CMOS date at boot, then the
 * monotonic clock; arch/x86_64/rtc.c), as stat's times on Linux. */
static int64_t wall_clock_sec(void)
{
	return (int64_t)(rtc_realtime_ns() / 1000000000);
}

/*
 * /etc: the generated files laid over the boot filesystem's /etc when it
 * has one (the launcher packs passwd and group, an application its own
 * files): a file packed there wins over a generated one of its name.
 */
static int mount_etc(char *err, size_t err_size)
{
	struct vfs_file *packed = NULL;
	int rc;

	if ((rc = procfs_init(&etcfs, etc_files, sizeof(etc_files) / sizeof(etc_files[0]), &heap))) {
		fmt_snprintf(err, err_size, "the /etc table is not valid (error %d)", rc);
		return rc;
	}
	/* The open file keeps the directory's vnode for good. */
	if (vfs_open(&vfs, "/", "/etc", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &packed) == 0)
		procfs_set_lower(&etcfs, packed->vn);
	return mount_or_say("/etc", procfs_root(&etcfs), err, err_size);
}

void fs_tmp_usage(uint64_t *used, uint64_t *max)
{
	*used = *max = 0;
	fs_lock();
	if (tmp)
		ramfs_usage(tmp, used, max);
	fs_unlock();
}

int fs_init(const struct boot_info *bi, uint64_t tmp_bytes, char *err, size_t err_size)
{
	static const struct devfs_hooks hooks = { random_fill, dev_console_write, dev_console_read, NULL };
	struct ramfs *empty_root = NULL;
	struct bootfs *boot = NULL;
	struct vnode *root;
	int rc;

	vfs_init(&vfs, &heap);
	/* The default bound of a ramfs: half of the RAM (boot option tmp.size=). */
	if (tmp_bytes == 0)
		tmp_bytes = memory_usable_frames() * PAGE_SIZE / 2;
	if (bi->nmodules > 0) {
		const struct mem_range *m = &bi->modules[0];
		const char *why = "";

		rc = bootfs_mount(mmu_phys_to_virt(m->start), m->end - m->start,
				  &heap, &boot, &why);
		if (rc) {
			fmt_snprintf(err, err_size, "the boot filesystem (module 0) is not valid: %s", why);
			return rc;
		}
		root = bootfs_root(boot);
	} else {
		/* No boot filesystem: an empty, read-write root. */
		rc = ramfs_new(&heap, tmp_bytes, &empty_root);
		if (rc) {
			fmt_snprintf(err, err_size, "no memory for the root filesystem");
			return rc;
		}
		ramfs_set_clock(empty_root, wall_clock_sec);
		root = ramfs_root(empty_root);
	}
	if ((rc = mount_or_say("/", root, err, err_size)) || (rc = mount_etc(err, err_size)))
		return rc;
	if ((rc = ramfs_new(&heap, tmp_bytes, &tmp)) || (rc = mount_or_say("/tmp", ramfs_root(tmp), err, err_size)))
		return rc;
	ramfs_set_clock(tmp, wall_clock_sec);
	devfs_init(&devfs, &hooks);
	if ((rc = mount_or_say("/dev", devfs_root(&devfs), err, err_size)))
		return rc;
	if ((rc = procfs_init(&procfs, proc_files, sizeof(proc_files) / sizeof(proc_files[0]), &heap))) {
		fmt_snprintf(err, err_size, "the /proc table is not valid (error %d)", rc);
		return rc;
	}
	return mount_or_say("/proc", procfs_root(&procfs), err, err_size);
}

struct vfs *fs_vfs(void)
{
	return &vfs;
}

void fs_lock(void)
{
	mutex_lock(&vfs_lock);
}

void fs_unlock(void)
{
	mutex_unlock(&vfs_lock);
}

/* ---- tests ---- */

/* Reads a whole small file into buf (NUL-terminated); returns its length or -errno. */
static int64_t read_small(const char *path, char *buf, size_t size)
{
	struct vfs_file *f;
	int64_t n;
	int rc = vfs_open(&vfs, "/", path, VFS_O_RDONLY, 0, &f);

	if (rc)
		return rc;
	n = vfs_read(f, buf, size - 1);
	vfs_file_put(f);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/*
 * Lists the boot filesystem's root, prints each file given with --file
 * whose guest path starts with /test/, writes and reads back /tmp, and
 * reads /dev/zero: the namespace as an application will see it.
 */
static int ktest_fs(void)
{
	char buf[256], dents[1024];
	struct vfs_file *f;
	int64_t n;
	int failed = 0;

	fs_lock();
	if (vfs_open(&vfs, "/", "/", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f) == 0) {
		while ((n = vfs_getdents64(f, dents, sizeof(dents))) > 0) {
			for (int64_t off = 0; off < n;) {
				struct linux_dirent64 *d = (struct linux_dirent64 *)(dents + off);

				kprintf("fs: / has %s\n", d->d_name);
				off += d->d_reclen;
			}
		}
		vfs_file_put(f);
	} else {
		kprintf("fs: cannot list /\n");
		failed++;
	}
	if (read_small("/test/hello.txt", buf, sizeof(buf)) >= 0)
		kprintf("fs: /test/hello.txt says: %s", buf);
	if (vfs_open(&vfs, "/", "/tmp/note", VFS_O_CREAT | VFS_O_RDWR, 0644, &f) == 0) {
		vfs_write(f, "written in /tmp\n", 16);
		vfs_file_put(f);
		n = read_small("/tmp/note", buf, sizeof(buf));
		kprintf("fs: /tmp/note read back %lld bytes: %s", (long long)n, buf);
		failed += n != 16 || strcmp(buf, "written in /tmp\n") != 0;
	} else {
		kprintf("fs: cannot create /tmp/note\n");
		failed++;
	}
	memset(buf, 0x55, 16);
	n = read_small("/dev/zero", buf, 17);
	failed += n != 16 || buf[0] != 0 || buf[15] != 0;
	kprintf("fs: /dev/zero gave %lld zero bytes\n", (long long)n);
	n = read_small("/proc/net/classifier", buf, sizeof(buf));
	failed += n <= 0 || strncmp(buf, "frames ", 7) != 0;
	kprintf("fs: /proc/net/classifier gave %lld bytes, first line %.*s\n", (long long)n,
		(int)(strchr(buf, '\n') ? strchr(buf, '\n') - buf : 0), buf);
	failed += vfs_open(&vfs, "/", "/proc/net/classifier", VFS_O_WRONLY, 0, &f) != -EROFS;
	failed += vfs_open(&vfs, "/", "/no/such/file", VFS_O_RDONLY, 0, &f) != -ENOENT;
	fs_unlock();
	kprintf("fs: %d wrong\n", failed);
	return failed != 0;
}
KTEST("fs", ktest_fs);
