/*
 * IFUNCs (GNU indirect functions), for the ifunc integration cases: one in
 * this object and one in libpick (a library of its own), each bound by an
 * R_X86_64_IRELATIVE whose resolver the kernel's linker runs once the
 * object's text is executable. Prints which implementations were chosen.
 *
 * ifunc_resolver_returning_data is no resolver of this program's: the
 * malformed-ELF corpus (tests/unit/test_malformed_elf.py) points an
 * IRELATIVE at it, and the load must then fail, since what it returns is
 * data, not executable text.
 */
#include <stdio.h>

const char *pick_name(void);

static int add_plain(int a, int b)
{
	return a + b;
}

static int add_twice_halved(int a, int b)
{
	return (2 * a + 2 * b) / 2;
}

static int calls_resolved;

static int (*add_resolver(void))(int, int)
{
	calls_resolved++;
	return calls_resolved == 1 ? add_plain : add_twice_halved;
}

static int add(int a, int b) __attribute__((ifunc("add_resolver")));

int ifunc_data_word = 42;

void *ifunc_resolver_returning_data(void)
{
	return &ifunc_data_word;
}

int main(void)
{
	printf("ifunc: %d resolver call(s), 2 + 3 = %d\n", calls_resolved, add(2, 3));
	printf("ifunc: libpick chose %s\n", pick_name());
	return 0;
}
