/*
 * ASLR as an application sees it: the addresses of its own code, data,
 * heap, stack, an mmap, a thread-local variable and a libc function, one
 * "addr WHAT 0x..." line each, then heap blocks of every kind of size
 * ("addr heap-SIZE-I", small slabs to large mappings, two of each so that
 * the slot chosen in a slab shows, and one after frees).
 * tests/unit/test_aslr_boots.py runs it twice and expects every address to
 * change between boots, and none with aslr=off; test_layout_repro_boots.py
 * expects aslr=off and aslr.seed=N to repeat every one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int global = 1;
__thread int tls_var = 2;

static void show(const char *what, const void *addr)
{
	printf("addr %s %#llx\n", what, (unsigned long long)(uintptr_t)addr);
}

/* Sizes from the smallest slot to a large mapping of its own. */
static const size_t block_sizes[] = { 16, 100, 1000, 4000, 16000, 40000, 200000, 1 << 20 };
#define NSIZES (sizeof(block_sizes) / sizeof(block_sizes[0]))

static int show_heap_blocks(void)
{
	void *blocks[NSIZES][2];
	char what[32];

	for (size_t i = 0; i < NSIZES; i++) {
		for (int j = 0; j < 2; j++) {
			if (!(blocks[i][j] = malloc(block_sizes[i]))) {
				printf("aslr_addrs: malloc(%zu) failed\n", block_sizes[i]);
				return 1;
			}
			snprintf(what, sizeof(what), "heap-%zu-%d", block_sizes[i], j);
			show(what, blocks[i][j]);
		}
	}
	/* Freed blocks and their reuse shape the layout too. */
	for (size_t i = 0; i < NSIZES; i++)
		free(blocks[i][0]);
	for (size_t i = 0; i < NSIZES; i++) {
		if (!(blocks[i][0] = malloc(block_sizes[i])))
			return 1;
		snprintf(what, sizeof(what), "heap-%zu-again", block_sizes[i]);
		show(what, blocks[i][0]);
	}
	for (size_t i = 0; i < NSIZES; i++)
		for (int j = 0; j < 2; j++)
			free(blocks[i][j]);
	return 0;
}

int main(void)
{
	int local = 0;
	void *block = malloc(64);
	void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int (*libc_fn)(const char *, ...) = printf;

	if (!block || map == MAP_FAILED) {
		printf("aslr_addrs: malloc or mmap failed\n");
		return 1;
	}
	show("main", (const void *)(uintptr_t)main);
	show("global", &global);
	show("heap", block);
	show("stack", &local);
	show("mmap", map);
	show("tls", &tls_var);
	show("libc", (const void *)(uintptr_t)libc_fn);
	free(block);
	return show_heap_blocks();
}
