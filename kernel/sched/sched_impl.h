/* The scheduler's private structures (kernel/sched/ only). */
#ifndef CARAPACE_SCHED_IMPL_H
#define CARAPACE_SCHED_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/minheap.h>
#include <carapace/mpsc.h>
#include <carapace/percpu.h>
#include <carapace/thread.h>

/*
 * Thread states. Only the thread's own CPU moves a thread between RUNNING
 * and QUEUED; a waker on any CPU moves WAITING to WAKING with one
 * compare-and-swap, and the thread's CPU then makes it QUEUED (or RUNNING,
 * if it had not yet switched away).
 */
enum thread_state {
	THREAD_RUNNING,   /* on its CPU now */
	THREAD_QUEUED,    /* runnable, in its CPU's run queue or on its way there */
	THREAD_WAITING,   /* between sched_prepare_wait and a wake-up */
	THREAD_WAKING,    /* woken; its CPU has not yet taken the wake-up in */
	THREAD_MIGRATING, /* switching away to move to thread->home */
	THREAD_DEAD,      /* exited; freed by its joiner, or at once if detached */
};

/*
 * thread->join settles who frees a thread, with one atomic word. The joiner
 * (or thread_detach) puts its claim in with compare-and-swap; once the
 * thread is off its CPU, the exiting side exchanges in JOIN_EXITED and looks
 * at the claim it replaced:
 *   nobody   - done; a later joiner sees JOIN_EXITED and frees the thread;
 *   detached - it frees the thread itself;
 *   a joiner - it stores JOIN_REAPABLE (from then on the joiner may free
 *              the thread) and wakes the joiner, holding a pin on the
 *              joiner meanwhile so that it cannot be freed under the wake.
 */
#define JOIN_NOBODY    0
#define JOIN_EXITED    1
#define JOIN_DETACHED  2
#define JOIN_REAPABLE  3

struct thread {
	struct thread_public pub;   /* first: thread_public() (carapace/thread.h) */
	uint64_t saved_rsp;         /* arch_switch saves the stack pointer here */
	/*
	 * The return address arch_switch left at saved_rsp + SWITCH_RET_OFFSET,
	 * and which CPU runs the thread now (NULL: none): checked at every
	 * switch, so that a thread resumed twice, or a switched-out thread
	 * whose stack was overwritten, is reported where it happens.
	 */
	uint64_t switch_ret;
	struct cpu *on_cpu;         /* atomic */
	uint64_t fs_base;           /* libc's thread pointer (arch_prctl, clone) */
	uint64_t clear_child_tid;   /* set_tid_address: cleared and woken at exit */
	void *fpu_area;             /* 64-byte aligned inside fpu_alloc */
	void *fpu_alloc;
	struct cpu *cpu;            /* whose run queue it belongs to */
	struct cpu *home;           /* pinned here (NULL: may move) */
	int state;                  /* enum thread_state, atomic */
	int preempt_count;          /* > 0: not preempted involuntarily */
	bool is_idle, timed_out;
	bool in_wait_section;       /* between sched_prepare_wait and sched_finish_wait */
	uintptr_t join;             /* atomic: JOIN_*, or the joining thread */
	uint64_t signals_pending;   /* atomic: bit sig-1, to run at this system call's return */
	uint64_t signal_mask;       /* the application's blocked signals: this thread's own */
	uintptr_t signal_wait;      /* atomic: the interruptible wait it sleeps in (0: none) */
	int pins;                   /* atomic: a waker still holds it; do not free */
	void (*fn)(void *);
	void *arg;
	uint64_t stack_top, irq_stack_top, syscall_stack_top;
	uint64_t run_start_ns;      /* when it last got the CPU */
	uint64_t cpu_time_ns;       /* all the time it has run, undecayed */
	uint64_t runtime;           /* decayed runtime, in its CPU's scale (rq_node.key) */
	uint64_t runtime_gen;       /* the CPU epoch generation runtime is in */
	struct minheap_node rq_node;    /* key: runtime */
	struct minheap_node timer_node; /* key: deadline, in clock_ns() */
	struct mpsc_node incoming_node;
	struct thread *spare_next;  /* in thread.c's spare_threads once freed */
	uint64_t id;
	char name[THREAD_NAME_MAX];
	size_t stack_size;          /* 0: a stack the thread did not allocate (boot's) */
	/* Counted for the REST API's /os/threads (atomic, relaxed). */
	uint64_t switches;          /* times it was switched in */
	uint64_t migrations;        /* times it moved to another CPU */
	uint64_t preemptions;       /* times it was switched out while runnable */
	struct thread *all_next, *all_prev; /* thread.c's list of live threads */
};

struct sched_cpu {
	struct minheap runq;        /* QUEUED threads, by runtime */
	struct minheap timers;      /* waiting threads with a deadline */
	struct mpsc_queue incoming; /* wake-ups and arrivals from other CPUs */
	struct thread *idle;
	struct thread *switched_from; /* for sched_finish_switch */
	bool need_resched;
	int in_irq;
	uint64_t epoch_ns, epoch_gen; /* the decay scale's origin */
	uint64_t armed_ns;          /* the timer deadline programmed, 0: none */
	int nr_running;             /* atomic: queued + running (not idle) */
	uint64_t quiescent;         /* atomic: context switches and idle passes */
};

/* thread.c */
void thread_free(struct thread *t);

/* sched.c */
void sched_schedule_locked(bool yield);
/* Arms this CPU's timer for its running thread (interrupts off): at boot. */
void sched_arm_timer_locked(void);
void sched_enqueue_local(struct sched_cpu *sc, struct thread *t);
void sched_send_to(struct cpu *c, struct thread *t);
void sched_finish_switch(void);

/* switch.S */
void arch_switch(uint64_t *save_rsp, uint64_t new_rsp);
void arch_thread_start(void);

#endif
