/*
 * arch/cc.h: the compiler and platform for lwIP (kernel/net/README.md).
 * The kernel is freestanding: no <inttypes.h>, <unistd.h> or <ctype.h>,
 * so lwIP gets its format macros, ssize_t and character classes here or
 * from its own fallbacks.
 */
#ifndef CARAPACE_LWIP_ARCH_CC_H
#define CARAPACE_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define BYTE_ORDER                      LITTLE_ENDIAN

#define LWIP_NO_INTTYPES_H              1
#define X8_F                            "02x"
#define U16_F                           "u"
#define S16_F                           "d"
#define X16_F                           "x"
#define U32_F                           "u"
#define S32_F                           "d"
#define X32_F                           "x"
#define SZT_F                           "zu"

#define LWIP_NO_UNISTD_H                1
typedef long ssize_t;
#define SSIZE_MAX                       INT64_MAX

#define LWIP_NO_CTYPE_H                 1

/* Linux's errno values (kernel/include/freestanding/errno.h), as the
 * sockets layer hands them to applications. */
#define LWIP_ERRNO_STDINCLUDE           1

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* lwIP's debug messages (LWIP_DEBUG builds only) go to the console. */
#define LWIP_PLATFORM_DIAG(x)           do { kprintf x; } while (0)
/* An lwIP assertion is a broken invariant of the stack: a kernel panic. */
#define LWIP_PLATFORM_ASSERT(x)                                               \
	panic("lwIP assertion \"%s\" failed at %s:%d", (x), __FILE__, __LINE__)

/* Byte order as one instruction each (lwIP's default is a function of
 * its own, called 28 times a memcached operation). */
#define lwip_htons(x)                   ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x)                   ((u32_t)__builtin_bswap32((u32_t)(x)))

#endif
