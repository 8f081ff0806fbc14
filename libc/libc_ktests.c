/*
 * test=libc-exports: the image's export table finds musl's functions and
 * data, Carapace's own definitions win where both exist, and a looked-up
 * musl function works when called.
 *
 * test=libc-hlts: the table of musl's hlt instructions (carapace/libc_crash.h)
 * lists, in order, only hlt opcodes inside musl's text, and musl's malloc
 * checks are among them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/console.h>
#include <carapace/kexports.h>
#include <carapace/ksym.h>
#include <carapace/ktests.h>
#include <carapace/libc_crash.h>
#include <carapace/report.h>

#define MSR_FS_BASE 0xc0000100
#define TCB_WORDS   64 /* musl's struct pthread is about 200 bytes */
#define TCB_CANARY  5  /* %fs:0x28, the x86_64 ABI's stack-protector canary */

extern const char __text_start[], __text_end[], __rodata_start[], __data_end[];
extern const size_t kexport_count;

void abort(void);
void __stack_chk_fail(void);

struct want {
	const char *name;
	enum kexport_kind kind;
	const void *addr; /* NULL: any address in the image */
};

static bool in_image(const struct kexport *e)
{
	if (e->kind == KEXPORT_FUNC)
		return e->addr >= (uint64_t)__text_start && e->addr < (uint64_t)__text_end;
	return e->addr >= (uint64_t)__rodata_start && e->addr < (uint64_t)__data_end;
}

static int check_lookups(void)
{
	const struct want wants[] = {
		{ "printf", KEXPORT_FUNC, NULL },
		{ "snprintf", KEXPORT_FUNC, NULL },
		{ "strlen", KEXPORT_FUNC, (const void *)strlen },   /* the kernel's */
		{ "memcpy", KEXPORT_FUNC, (const void *)memcpy },   /* the kernel's */
		{ "pthread_create", KEXPORT_FUNC, NULL },
		{ "__errno_location", KEXPORT_FUNC, NULL },
		{ "__libc_start_main", KEXPORT_FUNC, NULL },
		{ "malloc", KEXPORT_FUNC, NULL },
		{ "sem_init", KEXPORT_FUNC, NULL },                 /* musl's, renamed */
		{ "abort", KEXPORT_FUNC, (const void *)abort },     /* Carapace's */
		{ "__stack_chk_fail", KEXPORT_FUNC, (const void *)__stack_chk_fail },
		{ "stdout", KEXPORT_OBJECT, NULL },
		{ "environ", KEXPORT_OBJECT, NULL },
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct kexport *e = kexports_find(wants[i].name);
		bool ok = e && e->kind == wants[i].kind && in_image(e) &&
			  (!wants[i].addr || e->addr == (uint64_t)wants[i].addr);

		kprintf("libc-exports: %-20s %#llx size %u %s\n", wants[i].name,
			e ? (unsigned long long)e->addr : 0ull, e ? e->size : 0, ok ? "ok" : "WRONG");
		failed += !ok;
	}
	/* The kernel's sem_init (carapace/sem.h) must not be what applications get. */
	if (kexports_find("sem_init") && kexports_find("__carapace_musl_sem_init")) {
		kprintf("libc-exports: the renamed sem_init is exported under its new name\n");
		failed++;
	}
	if (kexports_find("kmalloc") || kexports_find("no_such_symbol")) {
		kprintf("libc-exports: a name that is not exported was found\n");
		failed++;
	}
	return failed;
}

/*
 * musl's functions read the thread pointer: %fs:0x28 (the canary, in every
 * function built with the stack protector) and %fs:0 (errno's block). A
 * kernel thread has FS base 0, so they need a thread block first; this one
 * is the least that works, set with interrupts off so no switch reloads FS.
 */
static int check_call(void)
{
	typedef int (*snprintf_fn)(char *, size_t, const char *, ...);
	typedef int *(*errno_fn)(void);
	const struct kexport *sn = kexports_find("snprintf");
	const struct kexport *er = kexports_find("__errno_location");
	uint64_t tcb[TCB_WORDS] = { 0 }, old_fs, flags;
	char buf[64];
	int n, *err;

	if (!sn || !er)
		return 1;
	tcb[0] = (uint64_t)tcb;
	tcb[TCB_CANARY] = 0x2f8a6c5d00e4b913ull;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
	old_fs = rdmsr(MSR_FS_BASE);
	wrmsr(MSR_FS_BASE, (uint64_t)tcb);
	n = ((snprintf_fn)sn->addr)(buf, sizeof(buf), "%s|%d|%#x|%.3s|%lld", "musl", -42, 255u,
				    "abcdef", -1234567890123ll);
	err = ((errno_fn)er->addr)();
	wrmsr(MSR_FS_BASE, old_fs);
	__asm__ volatile("push %0; popfq" : : "r"(flags) : "memory", "cc");

	const char *want = "musl|-42|0xff|abc|-1234567890123";
	bool ok = n == (int)strlen(want) && strcmp(buf, want) == 0;
	kprintf("libc-exports: snprintf through the table -> %d \"%s\" %s\n", n, buf,
		ok ? "ok" : "WRONG");
	bool err_ok = (uint64_t)err >= (uint64_t)tcb && (uint64_t)err < (uint64_t)(tcb + TCB_WORDS);
	kprintf("libc-exports: __errno_location -> inside the thread block %s\n",
		err_ok ? "ok" : "WRONG");
	return !ok + !err_ok;
}

static int ktest_libc_exports(void)
{
	int failed;

	kprintf("libc-exports: %llu symbols exported\n", (unsigned long long)kexport_count);
	failed = check_lookups() + check_call();
	kprintf("libc-exports: %d wrong\n", failed);
	return failed != 0;
}
KTEST("libc-exports", ktest_libc_exports);

#define HLT_OPCODE 0xf4

extern const char __libc_text_start[], __libc_text_end[];
extern const struct libc_hlt_site libc_hlt_sites[];
extern const uint64_t libc_hlt_count;

static int ktest_libc_hlts(void)
{
	uint64_t size = (uint64_t)(__libc_text_end - __libc_text_start), in_get_meta = 0;
	int wrong = 0;

	for (uint64_t i = 0; i < libc_hlt_count; i++) {
		const struct libc_hlt_site *s = &libc_hlt_sites[i];
		uint64_t off = 0;
		const char *name;
		bool ok = s->offset < size &&
			  (uint8_t)__libc_text_start[s->offset] == HLT_OPCODE &&
			  s->cond <= LIBC_HLT_ONLY_PATH &&
			  (i == 0 || libc_hlt_sites[i - 1].offset < s->offset);

		if (!ok) {
			kprintf("libc-hlts: site %llu at offset %#x (condition %u) WRONG\n",
				(unsigned long long)i, s->offset, s->cond);
			wrong++;
			continue;
		}
		name = report_kernel_symbol((uint64_t)__libc_text_start + s->offset, &off);
		in_get_meta += name && !strcmp(name, "get_meta");
	}
	kprintf("libc-hlts: %llu sites, %llu in mallocng's get_meta, %d wrong\n",
		(unsigned long long)libc_hlt_count, (unsigned long long)in_get_meta, wrong);
	return wrong || !libc_hlt_count || !in_get_meta;
}
KTEST("libc-hlts", ktest_libc_hlts);
