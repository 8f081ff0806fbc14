/*
 * A shared object for tests/unit/test_elf.c with an IFUNC (a static one:
 * an R_X86_64_IRELATIVE) whose resolver counts its calls.
 */
int ifunc_resolver_calls;

static int times_two(int x) { return 2 * x; }

static int (*double_resolver(void))(int)
{
	ifunc_resolver_calls++;
	return times_two;
}

static int doubled(int x) __attribute__((ifunc("double_resolver")));

int ifunc_double(int x) { return doubled(x); }
