/*
 * Heap attacks, one per run (argv[1] names it), for the hardened
 * allocator's integration cases: each must end in the violation that
 * names it, and under the boot option heap=musl it must not (musl's
 * allocator has no such check; the program then says it was not stopped).
 */
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#define SMALL 24
/*
 * A multiple of 16 (the block ends at its mapping's end), and past
 * HALLOC_MEDIUM_MAX (256 KiB): a freed block this large faults on any
 * access; a medium one would read as zeroes.
 */
#define LARGE 300000
#define CYCLES 20000 /* enough frees to cycle any quarantine */
/*
 * A medium block (16-256 KiB of pages): freed, it stays mapped and is
 * zeroed where it was written, and checked all zero where it was written
 * since, when its cell is reused (the kernel reads the pages' dirty bits).
 */
#define MEDIUM 65536
#define MEDIUM_ROUNDS 300 /* more than the 64-entry large quarantine, many times */

static int global_object;

/* Called through volatile pointers: the compiler may not drop a malloc/free pair. */
static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

/* Frees and allocates blocks of the same size, so the quarantine evicts. */
static void churn(size_t size)
{
	for (int i = 0; i < CYCLES; i++)
		do_free(do_malloc(size));
}

static void small_overflow(void)
{
	char *p = do_malloc(SMALL);

	p[malloc_usable_size(p)] = 'X'; /* one byte past the block */
	do_free(p);
}

static void large_overflow(void)
{
	volatile char *p = do_malloc(LARGE);

	p[LARGE + 8] = 'X';
}

static void double_free(size_t size)
{
	char *p = do_malloc(size);

	do_free(p);
	do_free(p);
}

static void write_after_free(void)
{
	char *p = do_malloc(SMALL);

	do_free(p);
	p[3] = 'X';
	churn(SMALL);
}

/* A page the block never wrote before its free is written after it. */
static void write_after_free_medium(void)
{
	char *p = do_malloc(MEDIUM);

	p[0] = 1;
	do_free(p);
	printf("heap: writing at %p\n", (void *)(p + 40000)); /* the address to be reported */
	fflush(stdout);
	p[40000] = 'X';
	churn(MEDIUM);
}

/*
 * The same from another thread, which wrote the page before the free (with
 * --smp 2 most likely on the other CPU, whose TLB may then keep the entry
 * dirty: its write after the free sets no dirty bit, and is caught when
 * the heap shoots the batch down and checks the pages again).
 */
/*
 * What the two threads share, on the main thread's stack: a new global
 * would move global_object's neighbours, which heap-musl-free-global's
 * expected crash in musl depends on.
 */
struct handoff {
	char *volatile block;
	volatile int phase;
};

static void wait_phase(struct handoff *h, int n)
{
	while (h->phase != n)
		sched_yield();
}

static void *writer(void *arg)
{
	struct handoff *h = arg;

	wait_phase(h, 1);
	h->block[5000] = 1;
	h->phase = 2;
	wait_phase(h, 3);
	h->block[5001] = 'X';
	h->phase = 4;
	return NULL;
}

static void write_after_free_medium_thread(void)
{
	struct handoff h = { do_malloc(MEDIUM), 0 };
	pthread_t t;

	h.block[0] = 1;
	if (pthread_create(&t, NULL, writer, &h)) {
		printf("heap: no thread\n");
		return;
	}
	h.phase = 1;
	wait_phase(&h, 2);
	do_free(h.block);
	printf("heap: writing at %p\n", (void *)(h.block + 5001));
	fflush(stdout);
	h.phase = 3;
	wait_phase(&h, 4);
	churn(MEDIUM);
	pthread_join(t, NULL);
}

/*
 * Not an attack: every medium block handed out must be all zero, whatever
 * the blocks freed before it in its cell wrote (every page, every other
 * page, or one page then an mprotect to read-only and back, which must
 * not make the heap forget that the page was written). Prints the bytes
 * found nonzero.
 */
static void medium_zeroed(void)
{
	long nonzero = 0;

	for (int round = 0; round < MEDIUM_ROUNDS; round++) {
		unsigned char *p = do_malloc(MEDIUM);

		if (!p) {
			printf("heap: medium-zeroed: out of memory\n");
			return;
		}
		for (size_t i = 0; i < MEDIUM; i++)
			nonzero += p[i] != 0;
		for (size_t page = 0; page < MEDIUM / 4096; page++)
			if (round % 3 == 0 || (round % 3 == 1 && page % 2))
				memset(p + page * 4096, 0x5a, 4096);
		if (round % 3 == 2) {
			p[5 * 4096 + 17] = 0x5a;
			if (mprotect(p, MEDIUM, PROT_READ) || mprotect(p, MEDIUM, PROT_READ | PROT_WRITE))
				printf("heap: medium-zeroed: mprotect failed\n");
		}
		do_free(p);
	}
	printf("heap: medium-zeroed: %d blocks, %ld bytes nonzero\n", MEDIUM_ROUNDS, nonzero);
}

static void read_after_free_large(void)
{
	volatile char *p = do_malloc(LARGE);

	p[0] = 1;
	do_free((void *)p);
	printf("heap: read %d\n", p[100]);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	char stack_object[16];

	printf("heap: %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "small-overflow"))
		small_overflow();
	else if (!strcmp(what, "large-overflow"))
		large_overflow();
	else if (!strcmp(what, "double-free-small"))
		double_free(SMALL);
	else if (!strcmp(what, "double-free-large"))
		double_free(LARGE);
	else if (!strcmp(what, "free-interior"))
		do_free((char *)do_malloc(SMALL) + 8);
	else if (!strcmp(what, "free-stack"))
		do_free(stack_object);
	else if (!strcmp(what, "free-global"))
		do_free(&global_object);
	else if (!strcmp(what, "write-after-free"))
		write_after_free();
	else if (!strcmp(what, "write-after-free-medium"))
		write_after_free_medium();
	else if (!strcmp(what, "write-after-free-medium-thread"))
		write_after_free_medium_thread();
	else if (!strcmp(what, "medium-zeroed")) {
		medium_zeroed();
		return 0;
	} else if (!strcmp(what, "read-after-free-large"))
		read_after_free_large();
	else {
		printf("heap: unknown attack '%s'\n", what);
		return 2;
	}
	printf("heap: %s not stopped\n", what);
	return 0;
}
