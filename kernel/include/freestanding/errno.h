/* Error numbers for the kernel: Linux x86_64 values, as the host's. */
#ifndef CARAPACE_FREESTANDING_ERRNO_H
#define CARAPACE_FREESTANDING_ERRNO_H

#define EPERM    1
#define ESRCH    3
#define ENOENT   2
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EINVAL  22
#define ENODEV  19
#define ENOSPC  28
#define ERANGE  34
#define ENOSYS  38
#define ETIMEDOUT 110
#define EXDEV    18
#define ENOTDIR  20
#define EISDIR   21
#define EMFILE   24
#define ENOTTY   25
#define EFBIG    27
#define EROFS    30
#define ENAMETOOLONG 36
#define ENOTEMPTY 39
#define ELOOP    40
#define EINTR    4
#define ESPIPE   29
#define EPIPE    32
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define ENOTSUP  EOPNOTSUPP
#define EMSGSIZE 90
#define ENOBUFS  105

#endif
