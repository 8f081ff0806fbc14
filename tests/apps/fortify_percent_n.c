/*
 * printf with a format string in writable memory that holds %n (what a
 * format-string attack looks like): at fortify level 2 __printf_chk ends
 * the run with violation=fortify, status 139, before anything is written.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char format[32];
	int count = 0;

	(void)argc;
	(void)argv;
	strcpy(format, "abc%n\n");
	printf("fortify_percent_n: printf with %%n in a writable format\n");
	fflush(stdout);
	printf(format, &count);
	printf("fortify_percent_n: returned, count=%d\n", count);
	return count;
}
