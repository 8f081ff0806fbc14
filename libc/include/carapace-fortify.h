/*
 * What the fortified wrappers in this folder share. Each wrapper header
 * includes musl's own header (#include_next), then this one, then, only
 * when CARAPACE_FORTIFY is set, its wrappers: calls whose destination size
 * the compiler knows go to the glibc-compatible __*_chk functions of
 * libc/fortify, which end the run with violation=fortify (status 139)
 * instead of writing past the object.
 *
 * On with _FORTIFY_SOURCE > 0 in an optimised C build (scripts/carapace cc
 * passes -O2 and -D_FORTIFY_SOURCE=3, or 2 without
 * __builtin_dynamic_object_size). Level 1 checks sizes; level 2 also
 * refuses %n in writable format strings and uses the size of the closest
 * member for strings; level 3 also knows sizes only known at run time
 * (malloc(n), variable-length arrays).
 */
#ifndef CARAPACE_FORTIFY_COMMON_H
#define CARAPACE_FORTIFY_COMMON_H

#if defined(_FORTIFY_SOURCE) && _FORTIFY_SOURCE > 0 && defined(__OPTIMIZE__) && \
	!defined(__cplusplus) && defined(__GNUC__)
#define CARAPACE_FORTIFY 1

#if _FORTIFY_SOURCE > 2 && defined(__has_builtin)
#if __has_builtin(__builtin_dynamic_object_size)
#define __carapace_bos0(p) __builtin_dynamic_object_size(p, 0)
#define __carapace_bos(p) __builtin_dynamic_object_size(p, 1)
#endif
#endif
#ifndef __carapace_bos0
/* Type 0: the whole object (memory functions); type 1 at level 2: the member (strings). */
#define __carapace_bos0(p) __builtin_object_size(p, 0)
#define __carapace_bos(p) __builtin_object_size(p, _FORTIFY_SOURCE > 1)
#endif

/* glibc's convention: the printf checks get flag > 0 at level 2 (the %n rule). */
#define __carapace_fortify_flag (_FORTIFY_SOURCE > 1)

/* A size the compiler could not find is (size_t)-1: nothing to check. */
#define __carapace_unknown(sz) ((sz) == (__SIZE_TYPE__)-1)

/* True when a call with count n of objects of size unit fits sz bytes, known at compile time. */
#define __carapace_fits(n, unit, sz) \
	(__carapace_unknown(sz) || (__builtin_constant_p(n) && (n) <= (sz) / (unit)))

/* The plain call when the size is unknown or known to fit, else the check. */
#define __carapace_checked(n, unit, sz, plain, check) \
	(__carapace_fits(n, unit, sz) ? (plain) : (check))

/* Always inlined where called, never emitted: the plain function serves the rest. */
#define __carapace_fortify_fn \
	extern __inline __attribute__((__always_inline__, __gnu_inline__, __artificial__))

/* A second name for a libc function, so that its wrapper can call the real one. */
#define __carapace_alias(name) __asm__(#name)

/* The musl feature sets that declare the optional functions wrapped here. */
#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) || defined(_XOPEN_SOURCE) || \
	defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
#define __CARAPACE_POSIX 1
#endif
#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
#define __CARAPACE_BSD 1
#endif
#if defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
#define __CARAPACE_XOPEN 1
#endif

#endif /* fortify on */
#endif
