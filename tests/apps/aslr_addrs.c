/*
 * ASLR as an application sees it: the addresses of its own code, data,
 * heap, stack, an mmap, a thread-local variable and a libc function, one
 * "addr WHAT 0x..." line each. tests/unit/test_aslr_boots.py runs it
 * twice and expects every address to change between boots, and none with
 * aslr=off.
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
	return 0;
}
