/*
 * __chk_fail: glibc's own "a check failed" entry, which a program built
 * against glibc may call directly. Ends the run as any failed check does.
 */
#include "fortify.h"

void __chk_fail(void)
{
	__carapace_fortify_fail(__func__);
}
