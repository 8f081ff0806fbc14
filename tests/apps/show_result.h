/*
 * For the differential tests (unix_sockets.c, epoll.c, posix_edges.c): one line per
 * call, "what = N" or "what = -1 ENAME", the same natively and in Carapace.
 * Errno names, not strerror texts: musl's and glibc's texts differ.
 */
#ifndef SHOW_RESULT_H
#define SHOW_RESULT_H

#include <errno.h>
#include <stdio.h>

static const char *err_name(int e)
{
	static const struct { int e; const char *name; } names[] = {
		{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EINVAL, "EINVAL" },
		{ ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
		{ EFAULT, "EFAULT" }, { ENOTSOCK, "ENOTSOCK" }, { EBADF, "EBADF" },
		{ EADDRINUSE, "EADDRINUSE" }, { ECONNREFUSED, "ECONNREFUSED" }, { ENOENT, "ENOENT" },
		{ ENOTCONN, "ENOTCONN" }, { EISCONN, "EISCONN" }, { EPIPE, "EPIPE" },
		{ EAGAIN, "EAGAIN" }, { ECONNRESET, "ECONNRESET" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EMSGSIZE, "EMSGSIZE" }, { EPROTOTYPE, "EPROTOTYPE" }, { ENOPROTOOPT, "ENOPROTOOPT" },
		{ EEXIST, "EEXIST" }, { EPERM, "EPERM" }, { EINPROGRESS, "EINPROGRESS" },
		{ EDESTADDRREQ, "EDESTADDRREQ" }, { EACCES, "EACCES" }, { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" }, { ESPIPE, "ESPIPE" }, { ENOTEMPTY, "ENOTEMPTY" },
		{ EBUSY, "EBUSY" }, { ETIMEDOUT, "ETIMEDOUT" }, { ENAMETOOLONG, "ENAMETOOLONG" },
		{ ENETUNREACH, "ENETUNREACH" }, { ENOSYS, "ENOSYS" }, { ESRCH, "ESRCH" },
		{ EFBIG, "EFBIG" }, { ENODEV, "ENODEV" }, { EDEADLK, "EDEADLK" }, { ENXIO, "ENXIO" }, { ENOMEM, "ENOMEM" },
		{ ECONNABORTED, "ECONNABORTED" }, { EALREADY, "EALREADY" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return e == 0 ? "0" : "other";
}

static long show(const char *what, long rc)
{
	if (rc < 0)
		printf("%s = -1 %s\n", what, err_name(errno));
	else
		printf("%s = %ld\n", what, rc);
	return rc;
}

#endif
