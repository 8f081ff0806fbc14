/*
 * __getgroups_chk: getgroups of up to size entries into listlen bytes. A
 * negative size is left to getgroups (EINVAL).
 */
#include <unistd.h>

#include "fortify.h"

int __getgroups_chk(int size, gid_t *list, size_t listlen)
{
	FORTIFY_CHECK(size < 0 || (size_t)size <= listlen / sizeof(*list));
	return getgroups(size, list);
}
