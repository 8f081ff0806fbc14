/*
 * libpick: a library of the test applications' own with an IFUNC inside
 * (a static one: the kernel's linker applies its R_X86_64_IRELATIVE), for
 * tests/apps/ifunc.c. The resolver picks by the CPU's features, so it runs
 * code of this library before the application starts.
 */
#include <cpuid.h>

static const char *name_generic(void)
{
	return "generic";
}

static const char *name_sse42(void)
{
	return "sse4.2";
}

static const char *(*pick_name_resolver(void))(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2) ? name_sse42 : name_generic;
}

static const char *picked_name(void) __attribute__((ifunc("pick_name_resolver")));

const char *pick_name(void)
{
	return picked_name();
}
