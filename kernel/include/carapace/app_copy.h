/*
 * Copies to and from application memory that survive the application
 * unmapping it meanwhile. A system call checks its buffers on entry, but
 * another thread of the application may munmap or mprotect them before the
 * handler copies (while it sleeps in a pipe read, say). In the kernel these
 * are assembly routines (arch/x86_64/app_copy.S) whose faulting instruction
 * the page-fault handler knows: a fault there on a low-half address makes
 * them return -EFAULT through the caller's normal path (so its locks are
 * released), instead of ending the run. On the host (unit tests, fuzzers)
 * they are plain copies (kernel/lib/app_copy_host.c, weak, so a test can
 * replace them with one that fails).
 */
#ifndef CARAPACE_APP_COPY_H
#define CARAPACE_APP_COPY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copies n bytes from src to dst, either of which may be application
 * memory: 0, or -EFAULT when an application page faulted (some bytes may
 * have been copied).
 */
int app_copy(void *dst, const void *src, size_t n);

/* Zeroes n bytes at dst, which may be application memory: 0 or -EFAULT. */
int app_zero(void *dst, size_t n);

/* One aligned 32-bit load (a futex word), atomic: 0 or -EFAULT. */
int app_load_u32(const uint32_t *src, uint32_t *value);

#endif
