/*
 * api_kernel: struct api_platform on the real kernel (kernel only). Every
 * function hands the portable handlers counts, sizes, names and switches;
 * none passes on a pointer, the canary, the slide or generator state.
 * The network's part (interfaces, classifier) is in api_server.c, which
 * sees lwIP's headers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>
#include <carapace/arch.h>
#include <carapace/aslr.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fs.h>
#include <carapace/hardening.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/options.h>
#include <carapace/percpu.h>
#include <carapace/report.h>
#include <carapace/thread.h>
#include <carapace/vfs.h>

#include "api_kernel.h"

#define PAGE_BYTES 4096
#define ENV_MAX 64
#define ENV_NAME_MAX 64
#define ENV_VALUE_MAX 256

static uint64_t uptime_ms(void *ctx)
{
	(void)ctx;
	return clock_ns() / 1000000;
}

static int64_t wall_seconds(void *ctx)
{
	(void)ctx;
	return (int64_t)(rtc_realtime_ns() / 1000000000);
}

static uint64_t memory_total(void *ctx)
{
	(void)ctx;
	return memory_usable_frames() * PAGE_BYTES;
}

static uint64_t memory_free(void *ctx)
{
	(void)ctx;
	return memory_free_frames() * PAGE_BYTES;
}

static unsigned processor_count(void *ctx)
{
	(void)ctx;
	return cpu_count;
}

/* CPUID's hypervisor bit and signature leaf (0x40000000), as any guest code sees them. */
static const char *hypervisor(void *ctx)
{
	uint32_t r[4];
	char sig[13];

	(void)ctx;
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return "none";
	cpuid(0x40000000, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	if (strncmp(sig, "KVMKVMKVM", 9) == 0)
		return "kvm";
	if (strcmp(sig, "TCGTCGTCGTCG") == 0)
		return "qemu-tcg";
	return "unknown";
}

static size_t dmesg(void *ctx, char *buf, size_t size)
{
	(void)ctx;
	return console_log_copy(buf, size);
}

struct thread_walk {
	api_thread_fn fn;
	void *arg;
};

static void thread_entry(const struct thread_info *ti, void *arg)
{
	struct thread_walk *w = arg;
	/* The scheduler has no priorities: 0 for every thread. */
	struct api_thread_info t = {
		.id = ti->id, .cpu = ti->cpu, .cpu_ms = ti->cpu_time_ns / 1000000,
		.switches = ti->switches, .migrations = ti->migrations,
		.preemptions = ti->preemptions, .stack_size = ti->stack_size,
		.name = ti->name, .status = ti->state,
	};

	w->fn(w->arg, &t);
}

static void each_thread(void *ctx, api_thread_fn fn, void *arg)
{
	struct thread_walk w = { fn, arg };

	(void)ctx;
	thread_for_each(thread_entry, &w);
}

static void each_fs(void *ctx, api_fs_fn fn, void *arg)
{
	uint64_t used, max;
	struct api_fs_info f = { .filesystem = "ramfs", .mount = "/tmp", .blocksize = PAGE_BYTES };

	(void)ctx;
	fs_tmp_usage(&used, &max);
	f.btotal = max / PAGE_BYTES;
	f.bfree = (max - (used < max ? used : max)) / PAGE_BYTES;
	fn(arg, &f);
}

static void each_defence(void *ctx, api_flag_fn fn, void *arg)
{
	(void)ctx;
	fn(arg, "aslr", aslr_enabled());
	fn(arg, "guards", hardening->guards);
	fn(arg, "canary-random", hardening->canary == HARDENING_CANARY_RANDOM);
	fn(arg, "kernel-stack-protector", hardening->kernel_ssp);
	fn(arg, "heap-hardened", !hardening->heap_musl);
	fn(arg, "wx-deny", !hardening->wx_allow);
}

static void each_violation(void *ctx, api_count_fn fn, void *arg)
{
	(void)ctx;
	for (int v = 0; v < VIOLATION_COUNT; v++)
		fn(arg, violation_name((enum violation)v), violation_count((enum violation)v));
}

/*
 * The environment the kernel hands the application (env= options), and
 * what the API's PUT and DELETE change. The application's own environ is
 * its memory, which the API never writes: a change here is seen by
 * GET /env, not by an application that has started (README.md).
 */
static struct {
	bool used;
	char name[ENV_NAME_MAX], value[ENV_VALUE_MAX];
} env[ENV_MAX];
static struct mutex env_lock = MUTEX_INIT;

static int env_find(const char *name)
{
	for (int i = 0; i < ENV_MAX; i++)
		if (env[i].used && strcmp(env[i].name, name) == 0)
			return i;
	return -1;
}

static void each_env(void *ctx, api_env_fn fn, void *arg)
{
	(void)ctx;
	mutex_lock(&env_lock);
	for (int i = 0; i < ENV_MAX; i++)
		if (env[i].used)
			fn(arg, env[i].name, env[i].value);
	mutex_unlock(&env_lock);
}

static int get_env(void *ctx, const char *name, char *buf, size_t size)
{
	int i, rc = -ENOENT;

	(void)ctx;
	mutex_lock(&env_lock);
	i = env_find(name);
	if (i >= 0 && strlen(env[i].value) >= size)
		rc = -ENAMETOOLONG;
	else if (i >= 0) {
		memcpy(buf, env[i].value, strlen(env[i].value) + 1);
		rc = 0;
	}
	mutex_unlock(&env_lock);
	return rc;
}

static int set_env(void *ctx, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	int i, rc = 0;

	(void)ctx;
	if (nl >= ENV_NAME_MAX || vl >= ENV_VALUE_MAX)
		return -ENAMETOOLONG;
	mutex_lock(&env_lock);
	i = env_find(name);
	for (int j = 0; i < 0 && j < ENV_MAX; j++)
		if (!env[j].used)
			i = j;
	if (i < 0) {
		rc = -ENOSPC;
	} else {
		env[i].used = true;
		memcpy(env[i].name, name, nl + 1);
		memcpy(env[i].value, value, vl + 1);
	}
	mutex_unlock(&env_lock);
	return rc;
}

static int unset_env(void *ctx, const char *name)
{
	int i;

	(void)ctx;
	mutex_lock(&env_lock);
	i = env_find(name);
	if (i >= 0)
		env[i].used = false;
	mutex_unlock(&env_lock);
	return i >= 0 ? 0 : -ENOENT;
}

#define S_IFMT_BITS 0170000
#define S_IFREG_BITS 0100000

/*
 * A regular file's first bytes, read until its end or until buf is full
 * rather than for st_size bytes: the files /proc and /etc make when they
 * are read report size 0 (as on Linux). whole: -EFBIG when more follows.
 */
static long read_file(const char *path, char *buf, size_t size, bool whole)
{
	struct vfs_file *f;
	struct linux_stat st;
	size_t got = 0;
	long rc;

	fs_lock();
	rc = vfs_open(fs_vfs(), "/", path, VFS_O_RDONLY, 0, &f);
	if (rc == 0) {
		rc = vfs_fstat(f, &st);
		if (rc == 0 && (st.st_mode & S_IFMT_BITS) != S_IFREG_BITS)
			rc = -EISDIR;
		while (rc == 0) {
			char probe;
			int64_t n = got < size ? vfs_pread(f, buf + got, size - got, (int64_t)got)
					       : whole ? vfs_pread(f, &probe, 1, (int64_t)got) : 0;

			if (n < 0)
				rc = (long)n;
			else if (n > 0 && got == size)
				rc = -EFBIG;
			else if (n == 0)
				break;
			else
				got += (size_t)n;
		}
		vfs_file_put(f);
	}
	fs_unlock();
	return rc < 0 ? rc : (long)got;
}

static long file_read(void *ctx, const char *path, char *buf, size_t size)
{
	(void)ctx;
	return read_file(path, buf, size, true);
}

long api_kernel_file_head(const char *path, char *buf, size_t size)
{
	return read_file(path, buf, size, false);
}

static int file_write(void *ctx, const char *path, const char *data, size_t n,
		      bool exclusive)
{
	struct vfs_file *f;
	int flags = VFS_O_WRONLY | VFS_O_CREAT | (exclusive ? VFS_O_EXCL : VFS_O_TRUNC);
	int64_t w = 0;
	int rc;

	(void)ctx;
	fs_lock();
	rc = vfs_open(fs_vfs(), "/", path, flags, 0644, &f);
	if (rc == 0) {
		w = n > 0 ? vfs_pwrite(f, data, n, 0) : 0;
		vfs_file_put(f);
		if (w < 0)
			rc = (int)w;
		else if ((size_t)w != n)
			rc = -ENOSPC;
	}
	fs_unlock();
	return rc;
}

static int file_delete(void *ctx, const char *path)
{
	int rc;

	(void)ctx;
	fs_lock();
	rc = vfs_unlink(fs_vfs(), "/", path);
	fs_unlock();
	return rc;
}

void api_kernel_platform(struct api_platform *p, const struct boot_options *o,
			 const char *cmdline)
{
	for (int i = 0; i < o->envc; i++) {
		const char *eq = strchr(o->envp[i], '=');
		char name[ENV_NAME_MAX];
		size_t nl = (size_t)(eq - o->envp[i]);
		bool kept = false;

		if (nl < sizeof(name)) {
			memcpy(name, o->envp[i], nl);
			name[nl] = '\0';
			kept = set_env(NULL, name, eq + 1) == 0;
		}
		/* The application still gets it; only the API's copy lacks it (no value printed). */
		if (!kept)
			kprintf("api: warning: env= option %d does not fit GET /env/ (names up to %d, "
				"values up to %d bytes): not listed\n", i + 1, ENV_NAME_MAX - 1,
				ENV_VALUE_MAX - 1);
	}
	*p = (struct api_platform){
		.version = "0.1",
		.hostname = "carapace",
		.cmdline = cmdline,
		.uptime_ms = uptime_ms,
		.wall_seconds = wall_seconds,
		.memory_total = memory_total,
		.memory_free = memory_free,
		.cpu_count = processor_count,
		.hypervisor = hypervisor,
		.dmesg = dmesg,
		.each_thread = each_thread,
		.each_fs = each_fs,
		.each_defence = each_defence,
		.each_violation = each_violation,
		.each_env = each_env,
		.get_env = get_env,
		.set_env = set_env,
		.unset_env = unset_env,
		.file_read = file_read,
		.file_write = file_write,
		.file_delete = file_delete,
	};
}
