/* Bringing the scheduler up, and its hooks into the interrupt path. */
#ifndef CARAPACE_SCHED_H
#define CARAPACE_SCHED_H

#include <stdint.h>

/*
 * Makes the running code thread "main" of CPU 0 (on the stack it runs on),
 * starts the other CPUs and the load balancers, and turns interrupts on.
 */
void sched_init(void);

/* Around every interrupt handler: the way out is the preemption point. */
void sched_irq_enter(void);
void sched_irq_exit(void);

/* The running thread's name, for reports; "boot" before sched_init. */
const char *sched_current_name(void);

/* On each CPU: makes the SYSCALL instruction enter the kernel (syscall/syscalls.c). */
void syscall_init_cpu(void);
/* The CPU count the syscall layer reports: once, by the boot CPU, when all are up. */
void syscall_set_cpu_count(unsigned n);

/* sched.c, for bring-up. */
void sched_register_irqs(void);
__attribute__((noreturn)) void sched_idle_loop(void);

#endif
