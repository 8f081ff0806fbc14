/*
 * What a program built against glibc with _FORTIFY_SOURCE does: it calls
 * __memcpy_chk itself, with glibc's signature. No Carapace header is
 * involved (fortify is off here and the function is declared by hand);
 * the kernel's exports bind the call, and the check ends the run with
 * violation=fortify, status 139.
 */
#undef _FORTIFY_SOURCE
#include <stddef.h>
#include <stdio.h>

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen);

int main(int argc, char **argv)
{
	char buf[16], src[64] = "as a glibc binary would";
	size_t n = sizeof(buf) + (size_t)argc;

	(void)argv;
	__memcpy_chk(buf, src, sizeof(buf), sizeof(buf)); /* at the bound: fine */
	printf("fortify_glibc: __memcpy_chk of %zu bytes into %zu\n", n, sizeof(buf));
	fflush(stdout);
	__memcpy_chk(buf, src, n, sizeof(buf));
	printf("fortify_glibc: returned\n");
	return buf[0];
}
