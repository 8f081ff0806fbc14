/*
 * A fortified sprintf of argv[0] into 8 bytes: __sprintf_chk ends the run
 * with violation=fortify, status 139, before writing past the buffer.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	char buf[8];

	(void)argc;
	printf("fortify_sprintf: formatting \"%s\" into %zu bytes\n", argv[0], sizeof(buf));
	fflush(stdout);
	sprintf(buf, "%s", argv[0]);
	printf("fortify_sprintf: returned\n");
	return buf[0];
}
