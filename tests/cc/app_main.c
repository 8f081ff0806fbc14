/* The first file of a two-file app that needs libword.so (tests/cc/run). */
#include <stdio.h>

const char *word(void);
void shout(const char *s, char *out, unsigned long size);

int main(void)
{
	char loud[32];

	shout(word(), loud, sizeof loud);
	printf("%s\n", loud);
	return 0;
}
