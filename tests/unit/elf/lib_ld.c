/*
 * A shared object for tests/unit/test_elf.c: static thread-local variables,
 * which -fPIC reaches through the local-dynamic model: one symbol-less
 * DTPMOD64 index {module, 0} and offsets fixed at link time.
 */
static __thread int ld_a = 5;
static __thread int ld_b[4] = { 1, 2, 3, 4 };

int ld_sum(int x)
{
	ld_a += x;
	return ld_a + ld_b[3];
}
