/*
 * __getcwd_chk: getcwd told size bytes of an object of buflen.
 */
#include <unistd.h>

#include "fortify.h"

char *__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	FORTIFY_CHECK(size <= buflen);
	return getcwd(buf, size);
}
