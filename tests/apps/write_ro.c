/*
 * Writes to read-only memory of a loaded object, one write per run (argv[1]
 * names it), for the wx integration cases: each must end in
 * violation=wx naming the object. "app-text" and "app-rodata" write this
 * object's own text and rodata, "app-relro" a table of pointers that is
 * read-only once relocated (RELRO), "lib-text" libdemo's text (a library of
 * its own, from DT_NEEDED), "musl-text" and "musl-rodata" musl's in the
 * kernel image (qsort's first byte, the message strerror returns). If the
 * write goes through, the program says it was not stopped.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int demo_add(int a, int b);

static const char greeting[] = "a string in this object's rodata";
/* Pointers need relocating: the table lands in .data.rel.ro (RELRO). */
static const char *const relocated[] = { greeting };

/* The function is written by its address: keep the compiler from knowing. */
static void poke(const void *target)
{
	volatile char *p = (volatile char *)(uintptr_t)target;

	*p = *p;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		const void *target;
	} writes[] = {
		{ "app-text", (const void *)main },
		{ "app-rodata", greeting },
		{ "app-relro", relocated },
		{ "lib-text", (const void *)demo_add },
		{ "musl-text", (const void *)qsort },
	};
	const char *mode = argc > 1 ? argv[1] : "";

	printf("write_ro: %s\n", mode);
	fflush(stdout);
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strcmp(mode, writes[i].name) == 0)
			poke(writes[i].target);
	if (strcmp(mode, "musl-rodata") == 0)
		poke(strerror(EPERM)); /* musl's table of messages */
	printf("write_ro: %s not stopped\n", mode);
	return 1;
}
