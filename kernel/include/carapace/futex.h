/*
 * Futexes (kernel/sync/futex.c), keyed by address: the wait lists behind
 * the futex system call (kernel/syscall/sys_thread.c).
 */
#ifndef CARAPACE_FUTEX_H
#define CARAPACE_FUTEX_H

#include <stdbool.h>
#include <stdint.h>

/*
 * futex_wait sleeps while *uaddr == expected until woken (0), the deadline
 * (a clock_ns() value, 0: none) passes (-ETIMEDOUT), or returns -EAGAIN at
 * once if *uaddr differs.
 * futex_wake wakes up to n waiters whose bitset meets bitset; returns how
 * many. futex_requeue: see futex.c.
 */
int futex_wait(uint32_t *uaddr, uint32_t expected, uint32_t bitset, uint64_t deadline_ns);
/* futex_wait that also ends (-EINTR) when stop(arg) says so, asked before
 * each sleep (a signal for the sleeper: kernel/syscall/sys_signal.c). */
int futex_wait_interruptible(uint32_t *uaddr, uint32_t expected, uint32_t bitset,
			     uint64_t deadline_ns, bool (*stop)(void *arg), void *arg);
int futex_wake(uint32_t *uaddr, uint32_t bitset, int n);
int futex_requeue(uint32_t *from, uint32_t *to, int nwake, int nmove, bool check,
		  uint32_t expected);

#endif
