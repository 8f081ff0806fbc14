/*
 * app_copy on the host (carapace/app_copy.h): plain copies, for the unit
 * tests and fuzzers that link the portable code. Weak, so that a test can
 * define its own that fails where it wants. The kernel's are in
 * arch/x86_64/app_copy.S; in the kernel build this file is empty.
 */
#include <carapace/app_copy.h>

#if __STDC_HOSTED__
#include <string.h>

/* n may be 0 with a NULL buffer (read(fd, NULL, 0)): memcpy's arguments may not. */
__attribute__((weak)) int app_copy(void *dst, const void *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
	return 0;
}

__attribute__((weak)) int app_zero(void *dst, size_t n)
{
	if (n)
		memset(dst, 0, n);
	return 0;
}

__attribute__((weak)) int app_load_u32(const uint32_t *src, uint32_t *value)
{
	*value = __atomic_load_n(src, __ATOMIC_SEQ_CST);
	return 0;
}
#else
typedef int app_copy_in_assembly; /* ISO C wants a declaration */
#endif
