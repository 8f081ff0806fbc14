/*
 * A fortified memcpy one byte past a 16-byte buffer (the length comes from
 * argc, so only the run-time check can catch it): __memcpy_chk ends the run
 * with violation=fortify, status 139, before a byte is written.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char buf[16], src[64] = "sixteen bytes...and then some";
	size_t n = sizeof(buf) + (size_t)argc;

	(void)argv;
	printf("fortify_memcpy: copying %zu bytes into %zu\n", n, sizeof(buf));
	fflush(stdout);
	memcpy(buf, src, n);
	printf("fortify_memcpy: returned\n");
	return buf[0];
}
