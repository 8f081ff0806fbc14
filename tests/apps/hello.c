/*
 * The first application test: arguments, the environment, stdio through
 * musl inside the kernel, and the exit status coming back to the launcher.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	const char *greeting = getenv("GREETING");

	printf("hello from a musl application, argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	printf("GREETING=%s\n", greeting ? greeting : "(unset)");
	return 3;
}
