/*
 * A fortified strcpy of argv[0] ("/fortify_strcpy.so", 18 bytes) into 8
 * bytes: __strcpy_chk ends the run with violation=fortify, status 139.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char buf[8];

	(void)argc;
	printf("fortify_strcpy: copying %zu bytes into %zu\n", strlen(argv[0]) + 1, sizeof(buf));
	fflush(stdout);
	strcpy(buf, argv[0]);
	printf("fortify_strcpy: returned\n");
	return buf[0];
}
