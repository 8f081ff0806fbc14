/*
 * The application tests/cc/run builds in every mode of scripts/carapace cc.
 * greet() holds a char array (so -fstack-protector-strong guards it) and
 * copies a length it cannot know into it (so fortified headers turn the
 * memcpy into __memcpy_chk).
 */
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) void greet(const char *word, size_t len)
{
	char line[32];

	memcpy(line, word, len);
	line[len] = '\0';
	puts(line);
}

int main(int argc, char **argv)
{
	greet("hello", strlen("hello"));
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	return 3;
}
