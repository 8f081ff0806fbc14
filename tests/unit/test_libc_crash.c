/*
 * Tests for kernel/boot/libc_crash.c: the x86 conditions against the
 * flags, and the decision "the interrupted code executed musl's hlt" for
 * each kind of site, both paths of musl's `jcc next; hlt; next:`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <carapace/libc_crash.h>

#define CF (1u << 0)
#define PF (1u << 2)
#define ZF (1u << 6)
#define SF (1u << 7)
#define OF (1u << 11)
#define RESERVED (1u << 1) /* always set in RFLAGS */

/* Jcc's codes: o no b ae e ne be a s ns p np l ge le g. */
enum { JO, JNO, JB, JAE, JE, JNE, JBE, JA, JS, JNS, JP, JNP, JL, JGE, JLE, JG };

static void test_conditions(void **state)
{
	(void)state;
	assert_true(x86_condition_holds(JE, RESERVED | ZF));
	assert_false(x86_condition_holds(JE, RESERVED));
	assert_true(x86_condition_holds(JNE, RESERVED));
	assert_true(x86_condition_holds(JO, OF));
	assert_true(x86_condition_holds(JB, CF));
	assert_false(x86_condition_holds(JAE, CF));
	assert_true(x86_condition_holds(JBE, ZF));
	assert_true(x86_condition_holds(JBE, CF));
	assert_true(x86_condition_holds(JA, 0));
	assert_true(x86_condition_holds(JS, SF));
	assert_true(x86_condition_holds(JP, PF));
	assert_false(x86_condition_holds(JNP, PF));
	/* Signed: less when SF != OF; less or equal also when ZF. */
	assert_true(x86_condition_holds(JL, SF));
	assert_true(x86_condition_holds(JL, OF));
	assert_false(x86_condition_holds(JL, SF | OF));
	assert_true(x86_condition_holds(JGE, SF | OF));
	assert_true(x86_condition_holds(JLE, ZF | SF | OF));
	assert_true(x86_condition_holds(JLE, SF));
	assert_false(x86_condition_holds(JLE, 0));
	assert_true(x86_condition_holds(JG, 0));
	assert_false(x86_condition_holds(JG, ZF));
	/* Each odd code is the even one negated, for every flag combination. */
	for (unsigned cond = 0; cond < 16; cond += 2)
		for (unsigned flags = 0; flags < 32; flags++) {
			uint64_t rflags = RESERVED | ((flags & 1) ? CF : 0) |
					  ((flags & 2) ? PF : 0) | ((flags & 4) ? ZF : 0) |
					  ((flags & 8) ? SF : 0) | ((flags & 16) ? OF : 0);

			assert_true(x86_condition_holds(cond, rflags) !=
				    x86_condition_holds(cond + 1, rflags));
		}
}

static const struct libc_hlt_site sites[] = {
	{ 0x10, LIBC_HLT_ONLY_PATH },
	{ 0x40, JE },  /* test; je 0x41; hlt (get_meta's alignment check) */
	{ 0x90, JLE },
	{ 0x200, 99 }, /* a damaged condition: never taken for a crash */
};
#define NSITES (sizeof(sites) / sizeof(sites[0]))

static void test_only_path(void **state)
{
	(void)state;
	assert_true(libc_hlt_executed(sites, NSITES, 0x10, RESERVED));
	assert_true(libc_hlt_executed(sites, NSITES, 0x10, RESERVED | ZF | CF));
}

static void test_jump_over(void **state)
{
	(void)state;
	/* The jump was not taken (ZF clear): the hlt ran. */
	assert_true(libc_hlt_executed(sites, NSITES, 0x40, RESERVED));
	/* The good path jumped over it (ZF set): an ordinary interrupt. */
	assert_false(libc_hlt_executed(sites, NSITES, 0x40, RESERVED | ZF));
	assert_true(libc_hlt_executed(sites, NSITES, 0x90, RESERVED | SF | OF));
	assert_false(libc_hlt_executed(sites, NSITES, 0x90, RESERVED | ZF));
	assert_false(libc_hlt_executed(sites, NSITES, 0x200, RESERVED));
	assert_false(libc_hlt_executed(sites, NSITES, 0x200, RESERVED | ZF));
}

static void test_not_listed(void **state)
{
	(void)state;
	assert_false(libc_hlt_executed(sites, NSITES, 0, RESERVED));
	assert_false(libc_hlt_executed(sites, NSITES, 0x11, RESERVED));
	assert_false(libc_hlt_executed(sites, NSITES, 0x3f, RESERVED));
	assert_false(libc_hlt_executed(sites, NSITES, 0x1000, RESERVED));
	assert_false(libc_hlt_executed(sites, NSITES, UINT64_MAX, RESERVED));
	/* The plain image's table is empty. */
	assert_false(libc_hlt_executed(sites, 0, 0x10, RESERVED));
	assert_false(libc_hlt_executed(NULL, 0, 0x10, RESERVED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_only_path),
		cmocka_unit_test(test_jump_over),
		cmocka_unit_test(test_not_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
