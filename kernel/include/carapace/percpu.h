/*
 * Per-CPU data. Each CPU's struct cpu is reached through the GS base, so
 * this_cpu() is one instruction and needs no lock: only its own CPU writes
 * most of it. (The FS base belongs to the running thread: libc's thread
 * pointer.)
 */
#ifndef CARAPACE_PERCPU_H
#define CARAPACE_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 64

struct thread;
struct sched_cpu;
struct arch_cpu;

struct cpu {
	struct cpu *self;          /* %gs:0, so this_cpu() is one load */
	struct thread *current;    /* %gs:8, the running thread */
	uint64_t syscall_stack_top; /* %gs:16, the running thread's (syscall_entry.S) */
	uint64_t syscall_scratch;   /* %gs:24, the caller's RSP during the stack switch */
	unsigned id;               /* 0 .. cpu_count-1; 0 is the boot CPU */
	uint32_t apic_id;
	volatile bool online;
	struct sched_cpu *sched;   /* the scheduler's state (kernel/sched/) */
	struct arch_cpu *arch;     /* TSS, GDT, IST stacks (kernel/arch/x86_64/) */
	/*
	 * The kernel's stack-protector canary, one value per boot on every CPU
	 * (a thread may migrate between its check's two reads). Compiled code
	 * reads it at %gs:CPU_STACK_GUARD_OFFSET (-mstack-protector-guard-offset
	 * in the Makefile): keep it at this offset, add fields after it.
	 */
	uint64_t stack_guard;
};

#define CPU_STACK_GUARD_OFFSET 64
_Static_assert(__builtin_offsetof(struct cpu, stack_guard) == CPU_STACK_GUARD_OFFSET,
	       "the Makefile's -mstack-protector-guard-offset must match struct cpu");

extern struct cpu *cpu_table[MAX_CPUS];
extern unsigned cpu_count; /* CPUs that came online */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/*
 * The running thread, in one load. With preemption on, this_cpu()->current
 * is two loads, and the thread may move to another CPU between them and
 * read that CPU's thread: always use this instead.
 */
static inline struct thread *this_cpu_current(void)
{
	struct thread *t;

	__asm__ volatile("mov %%gs:8, %0" : "=r"(t));
	return t;
}

#endif
