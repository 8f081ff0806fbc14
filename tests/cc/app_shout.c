/* The second file of the two-file app in tests/cc/run. */
#include <ctype.h>

void shout(const char *s, char *out, unsigned long size)
{
	unsigned long i;

	for (i = 0; s[i] && i + 1 < size; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[i] = '\0';
}
