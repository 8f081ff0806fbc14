/*
 * __gets_chk: gets, bounded: a line longer than size - 1 bytes ends the
 * run before it is stored past the object. Reads as gets does: up to a
 * newline, which is dropped; NULL at end of file with nothing read.
 */
#include <stdio.h>

#include "fortify.h"

char *__gets_chk(char *buf, size_t size)
{
	size_t i = 0;
	int c;

	while ((c = getchar()) != EOF && c != '\n') {
		FORTIFY_CHECK(i + 1 < size);
		buf[i++] = (char)c;
	}
	if (c == EOF && (i == 0 || ferror(stdin)))
		return NULL;
	FORTIFY_CHECK(i < size);
	buf[i] = '\0';
	return buf;
}
