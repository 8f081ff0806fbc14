/* api_fake.c: the fake platform of api_fake.h (tests and fuzzer). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api_fake.h"

static uint64_t uptime_ms(void *ctx) { (void)ctx; return 123456; }
static int64_t wall_seconds(void *ctx) { (void)ctx; return 1796528028; } /* 2026-12-06T03:33:48Z */
static uint64_t memory_total(void *ctx) { (void)ctx; return 512ull << 20; }
static uint64_t memory_free(void *ctx) { (void)ctx; return 300ull << 20; }
static unsigned cpu_count(void *ctx) { (void)ctx; return 2; }
static const char *hypervisor(void *ctx) { (void)ctx; return "qemu-tcg"; }

static size_t dmesg(void *ctx, char *buf, size_t size)
{
	static const char log[] = "boot: ok\nlayout kernel 0x" FAKE_ADDR_TEXT "\n\"quoted\"\tdone\n";
	size_t n = sizeof(log) - 1 < size ? sizeof(log) - 1 : size;

	(void)ctx;
	memcpy(buf, log + sizeof(log) - 1 - n, n);
	return n;
}

static void each_thread(void *ctx, api_thread_fn fn, void *arg)
{
	struct api_thread_info t = { 1, 0, 10, 20, 1, 3, 0, 16384, "idle0", "running" };

	(void)ctx;
	fn(arg, &t);
	t = (struct api_thread_info){ 7, 1, 5, 9, 0, 0, -1, 65536, "api \"server\"", "waiting" };
	fn(arg, &t);
}

static void each_netif(void *ctx, api_netif_fn fn, void *arg)
{
	struct api_netif_info n = {
		"eth0", { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 0x0a00020f, 0xffffff00,
		0x0a0002ff, 1500, true, 10, 1000, 11, 1100, 1, 0,
	};

	(void)ctx;
	fn(arg, &n);
}

static void each_fs(void *ctx, api_fs_fn fn, void *arg)
{
	struct api_fs_info f = { "ramfs", "/tmp", 4096, 1000, 900, 100, 90 };

	(void)ctx;
	fn(arg, &f);
}

static void each_defence(void *ctx, api_flag_fn fn, void *arg)
{
	(void)ctx;
	fn(arg, "aslr", true);
	fn(arg, "guards", true);
	fn(arg, "wx", true);
}

static void each_violation(void *ctx, api_count_fn fn, void *arg)
{
	(void)ctx;
	fn(arg, "stack-guard", 0);
	fn(arg, "fortify", 2);
}

static int each_classifier_counter(void *ctx, api_count_fn fn, void *arg)
{
	struct fake_kernel *k = ctx;

	if (k->classifier_rc < 0)
		return k->classifier_rc;
	fn(arg, "packets", 42);
	fn(arg, "dropped", 1);
	return 0;
}

static int env_find(struct fake_kernel *k, const char *name)
{
	for (int i = 0; i < 4; i++)
		if (k->env_used[i] && strcmp(k->env_name[i], name) == 0)
			return i;
	return -1;
}

static void each_env(void *ctx, api_env_fn fn, void *arg)
{
	struct fake_kernel *k = ctx;

	for (int i = 0; i < 4; i++)
		if (k->env_used[i])
			fn(arg, k->env_name[i], k->env_value[i]);
}

static int get_env(void *ctx, const char *name, char *buf, size_t size)
{
	struct fake_kernel *k = ctx;
	int i = env_find(k, name);

	if (i < 0)
		return -ENOENT;
	if (strlen(k->env_value[i]) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, k->env_value[i]);
	return 0;
}

static int set_env(void *ctx, const char *name, const char *value)
{
	struct fake_kernel *k = ctx;
	int i = env_find(k, name);

	if (strlen(name) >= 64 || strlen(value) >= 128)
		return -ENAMETOOLONG;
	for (int j = 0; i < 0 && j < 4; j++)
		if (!k->env_used[j])
			i = j;
	if (i < 0)
		return -ENOMEM;
	k->env_used[i] = true;
	strcpy(k->env_name[i], name);
	strcpy(k->env_value[i], value);
	return 0;
}

static int unset_env(void *ctx, const char *name)
{
	struct fake_kernel *k = ctx;
	int i = env_find(k, name);

	if (i < 0)
		return -ENOENT;
	k->env_used[i] = false;
	return 0;
}

static struct fake_file *file_find(struct fake_kernel *k, const char *path)
{
	for (int i = 0; i < FAKE_FILES; i++)
		if (k->files[i].used && strcmp(k->files[i].path, path) == 0)
			return &k->files[i];
	return NULL;
}

static long file_read(void *ctx, const char *path, char *buf, size_t size)
{
	struct fake_kernel *k = ctx;
	struct fake_file *f = file_find(k, path);

	k->reads++;
	if (f == NULL)
		return -ENOENT;
	if (f->len > size)
		return -EFBIG;
	memcpy(buf, f->data, f->len);
	return (long)f->len;
}

static int file_write(void *ctx, const char *path, const char *data, size_t n,
		      bool exclusive)
{
	struct fake_kernel *k = ctx;
	struct fake_file *f = file_find(k, path);

	k->writes++;
	if (f != NULL && exclusive)
		return -EEXIST;
	if (n > sizeof(f->data) || strlen(path) >= API_PATH_MAX)
		return -ENOSPC;
	for (int i = 0; f == NULL && i < FAKE_FILES; i++)
		if (!k->files[i].used)
			f = &k->files[i];
	if (f == NULL)
		return -ENOSPC;
	f->used = true;
	strcpy(f->path, path);
	memcpy(f->data, data, n);
	f->len = n;
	return 0;
}

static int file_delete(void *ctx, const char *path)
{
	struct fake_kernel *k = ctx;
	struct fake_file *f = file_find(k, path);

	k->writes++;
	if (f == NULL)
		return -ENOENT;
	f->used = false;
	return 0;
}

void fake_add_file(struct fake_kernel *k, const char *path, const char *data)
{
	file_write(k, path, data, strlen(data), false);
	k->writes--;
}

void fake_platform_init(struct api_platform *p, struct fake_kernel *k)
{
	memset(k, 0, sizeof(*k));
	*p = (struct api_platform){
		.ctx = k,
		.version = "0.1-test",
		.hostname = "carapace",
		.cmdline = "verbose api=on api.token-file=/etc/api-token aslr.seed=0x1234 "
			   "env=API_KEY=hunter2 env=HOME=/ layout=show -- /app key=visible",
		.uptime_ms = uptime_ms,
		.wall_seconds = wall_seconds,
		.memory_total = memory_total,
		.memory_free = memory_free,
		.cpu_count = cpu_count,
		.hypervisor = hypervisor,
		.dmesg = dmesg,
		.each_thread = each_thread,
		.each_netif = each_netif,
		.each_fs = each_fs,
		.each_defence = each_defence,
		.each_violation = each_violation,
		.each_classifier_counter = each_classifier_counter,
		.each_env = each_env,
		.get_env = get_env,
		.set_env = set_env,
		.unset_env = unset_env,
		.file_read = file_read,
		.file_write = file_write,
		.file_delete = file_delete,
	};
	fake_add_file(k, "/etc/api-token", FAKE_TOKEN);
	fake_add_file(k, "/etc/motd", "hello\n");
	fake_add_file(k, "/tmp/a", "tmp file");
	set_env(k, "HOME", "/");
}
