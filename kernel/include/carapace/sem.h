/*
 * sem: counting semaphores (kernel/sync/).
 *
 * sem_up with sleepers queued hands its unit straight to the first of
 * them, so units go out in FIFO order and a newcomer never takes one ahead
 * of a sleeper. sem_up and sem_try_down may be called from interrupt
 * handlers; sem_down sleeps.
 */
#ifndef CARAPACE_SEM_H
#define CARAPACE_SEM_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/waitqueue.h>

struct sem {
	struct waitqueue waiters;
	uint64_t count; /* written under waiters.lock, atomically: sem_try_down reads it without */
};

#define SEM_INIT(n) { WAITQUEUE_INIT, (n) }

void sem_init(struct sem *s, uint64_t count);
/* Takes a unit, sleeping until one is free. */
void sem_down(struct sem *s);
/* The same, giving up at deadline_ns (clock_ns()): 0 or -ETIMEDOUT. */
int sem_down_until(struct sem *s, uint64_t deadline_ns);
/* Takes a unit only if one is free; true if taken. */
bool sem_try_down(struct sem *s);
void sem_up(struct sem *s);

#endif
