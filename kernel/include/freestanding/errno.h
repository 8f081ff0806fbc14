/* Error numbers for the kernel: Linux x86_64 values, as the host's. */
#ifndef CARAPACE_FREESTANDING_ERRNO_H
#define CARAPACE_FREESTANDING_ERRNO_H

#define EPERM    1
/* Sockets (kernel/fs/socket.c, unix_socket.c, syscall/sys_net.c). */
#define EDOM            33
#define ENOTSOCK        88
#define EDESTADDRREQ    89
#define EPROTOTYPE      91
#define ENOPROTOOPT     92
#define EPROTONOSUPPORT 93
#define ESOCKTNOSUPPORT 94
#define EAFNOSUPPORT    97
#define EADDRNOTAVAIL   99
#define ENETUNREACH     101
#define ECONNREFUSED    111
#define ESRCH    3
#define ENOENT   2
#define EIO      5
#define ENXIO    6
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
/* The network's (lwIP's err_to_errno, the sockets layer). */
#define EWOULDBLOCK EAGAIN
#define EMSGSIZE     90
#define EADDRINUSE   98
#define ECONNABORTED 103
#define ECONNRESET   104
#define ENOBUFS      105
#define EISCONN      106
#define ENOTCONN     107
#define EHOSTUNREACH 113
#define EALREADY     114
#define EINPROGRESS  115

#endif
