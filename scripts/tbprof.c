/*
 * tbprof: a QEMU TCG plugin that counts how often each translated block of
 * the guest runs, for scripts/guest-profile (which maps the blocks to
 * symbols). QEMU 7.2's plugin API, version 1; its header is not packaged
 * by Debian, so the few declarations used are written here. Arguments:
 * out=FILE (the counts, written when QEMU exits: "address instructions
 * runs" per block), mark=FILE (counting starts when FILE appears; without
 * it, from the start).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct { int min, cur; } version;
	bool system_emulation;
	union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op, void *, uint64_t);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb, void *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

struct rec { uint64_t vaddr, count, base; uint32_t ninsns; };
static struct rec **recs;
static size_t nrec, cap;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *out = "tbprof.out";
static const char *mark;

static void trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct rec *r = calloc(1, sizeof *r);
	(void)id;
	r->vaddr = qemu_plugin_tb_vaddr(tb);
	r->ninsns = qemu_plugin_tb_n_insns(tb);
	pthread_mutex_lock(&lock);
	if (nrec == cap) {
		cap = cap ? cap * 2 : 65536;
		recs = realloc(recs, cap * sizeof *recs);
	}
	recs[nrec++] = r;
	pthread_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &r->count, 1);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	FILE *f = fopen(out, "w");
	(void)id; (void)p;
	if (!f)
		return;
	for (size_t i = 0; i < nrec; i++)
		if (recs[i]->count - recs[i]->base)
			fprintf(f, "%llx %u %llu\n", (unsigned long long)recs[i]->vaddr, recs[i]->ninsns,
				(unsigned long long)(recs[i]->count - recs[i]->base));
	fclose(f);
}

#include <unistd.h>
/* When the mark file appears, the counts so far become the base: the profile starts there. */
static void *watch(void *p)
{
	(void)p;
	while (access(mark, F_OK) != 0)
		usleep(100000);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nrec; i++)
		recs[i]->base = recs[i]->count;
	pthread_mutex_unlock(&lock);
	return NULL;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else if (!strncmp(argv[i], "mark=", 5))
			mark = argv[i] + 5;
	qemu_plugin_register_vcpu_tb_trans_cb(id, trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	if (mark) {
		pthread_t t;

		if (pthread_create(&t, NULL, watch, NULL))
			return 1;
	}
	return 0;
}
