/*
 * The scheduler: per-CPU run queues, so that picking the next thread never
 * needs another CPU; lock-free wake-ups across CPUs (an MPSC queue per CPU
 * plus an IPI); fairness by decayed runtime (carapace/decay.h); a one-shot
 * timer armed only when something is due (tickless); preemption from the
 * timer interrupt.
 *
 * Everything here that touches a CPU's run queue runs on that CPU with
 * interrupts off. Other CPUs only push onto its incoming queue.
 *
 * Constants:
 *  - SCHED_HYSTERESIS_NS: a running thread is preempted only when another
 *    thread's runtime is below its own by more than this. Without it two
 *    CPU-bound threads would switch on every timer check; with it they
 *    alternate in slices of about twice this (2 ms), fair to well within
 *    a percent over a second, at a few hundred switches per second.
 *  - SCHED_MIN_SLICE_NS: the timer is never armed closer than this, so a
 *    burst of wake-ups cannot turn into an interrupt storm.
 *  - SCHED_LIBC_WATCH_NS: in the image with musl, a CPU that runs a thread
 *    takes a timer interrupt at least this often. musl's crash idiom is a
 *    `hlt`, which in ring 0 waits for an interrupt; tickless, a lone thread
 *    would wait forever. The interrupt path then reports it
 *    (carapace/libc_crash.h). Ten interrupts a second on a busy CPU.
 *  - SCHED_KEEP_EARLY_NS: a programmed deadline earlier than needed stays
 *    when it is at least this far ahead (arm_timer), rather than being
 *    rewritten on every switch.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/decay.h>
#include <carapace/hardening.h>
#include <carapace/memory.h>
#include <carapace/panic.h>
#include <carapace/percpu.h>
#include <carapace/sched.h>
#include <carapace/thread.h>
#include <carapace/tlb.h>

#include <carapace/arch.h>
#include "sched_impl.h"

#define SCHED_HYSTERESIS_NS 1000000ull /* 1 ms */
#define SCHED_MIN_SLICE_NS  200000ull  /* 200 us */
#define SCHED_LIBC_WATCH_NS 100000000ull /* 100 ms */
#define SCHED_KEEP_EARLY_NS 1000000ull /* 1 ms */

/* The number of musl's hlt instructions listed in the image (0: no musl). */
extern const uint64_t libc_hlt_count;

static inline struct sched_cpu *this_sched(void)
{
	return this_cpu()->sched;
}

static struct thread *rq_thread(struct minheap_node *n)
{
	return n ? (struct thread *)((char *)n - __builtin_offsetof(struct thread, rq_node)) : NULL;
}

/* Divides a runtime for each epoch step it is behind. */
static uint64_t renormalise(uint64_t runtime, uint64_t steps)
{
	uint64_t shift = steps * DECAY_RENORM_HALF_LIVES;

	return shift >= 64 ? 0 : runtime >> shift;
}

/* The CPU's decay scale now; moves the epoch forward when it has grown large. */
static uint64_t current_scale(struct sched_cpu *sc, uint64_t now)
{
	uint64_t span = DECAY_RENORM_HALF_LIVES * DECAY_HALF_LIFE_NS;

	if (now - sc->epoch_ns >= span) {
		struct thread *cur = this_cpu_current();
		uint64_t steps = (now - sc->epoch_ns) / span;

		sc->epoch_ns += steps * span;
		sc->epoch_gen += steps;
		/* Dividing every key alike keeps the heap in order. */
		for (int i = 0; i < sc->runq.size; i++) {
			struct thread *t = rq_thread(sc->runq.items[i]);

			t->runtime = t->rq_node.key = renormalise(t->runtime, steps);
			t->runtime_gen = sc->epoch_gen;
		}
		if (cur->runtime_gen + steps == sc->epoch_gen) {
			cur->runtime = renormalise(cur->runtime, steps);
			cur->runtime_gen = sc->epoch_gen;
		}
	}
	return decay_scale_q32(now - sc->epoch_ns);
}

/* Brings a thread's runtime (kept while it slept) into this CPU's epoch. */
static void adopt_runtime(struct sched_cpu *sc, struct thread *t)
{
	if (t->runtime_gen != sc->epoch_gen) {
		t->runtime = t->runtime_gen < sc->epoch_gen ?
			renormalise(t->runtime, sc->epoch_gen - t->runtime_gen) : 0;
		t->runtime_gen = sc->epoch_gen;
	}
}

/* Adds the time since run_start to t's runtime. */
static void charge(struct sched_cpu *sc, struct thread *t, uint64_t now)
{
	uint64_t scale = current_scale(sc, now);

	adopt_runtime(sc, t);
	if (now > t->run_start_ns) {
		/* An idle thread's time is the CPU's idle time (/proc/uptime); it runs no share. */
		if (!t->is_idle)
			t->runtime += decay_charge(now - t->run_start_ns, scale);
		t->cpu_time_ns += now - t->run_start_ns;
	}
	t->run_start_ns = now;
}

static struct thread *timer_thread(struct minheap_node *n)
{
	return (struct thread *)((char *)n - __builtin_offsetof(struct thread, timer_node));
}

static void nr_running_add(struct sched_cpu *sc, int d)
{
	__atomic_add_fetch(&sc->nr_running, d, __ATOMIC_RELAXED);
}

/* Puts a runnable thread in this CPU's run queue. Interrupts are off. */
void sched_enqueue_local(struct sched_cpu *sc, struct thread *t)
{
	adopt_runtime(sc, t);
	__atomic_store_n(&t->state, THREAD_QUEUED, __ATOMIC_RELEASE);
	t->rq_node.key = t->runtime;
	if (minheap_insert(&sc->runq, &t->rq_node))
		panic("scheduler: no memory to grow the run queue of cpu %u", this_cpu()->id);
	nr_running_add(sc, 1);
}

/* Sends t to another CPU's run queue (a new thread, a wake-up, a migration). */
void sched_send_to(struct cpu *c, struct thread *t)
{
	if (mpsc_push(&c->sched->incoming, &t->incoming_node))
		lapic_send_ipi(c->apic_id, VEC_IPI_RESCHED);
}

/* Takes in what other CPUs sent: woken threads and arrivals. */
static void handle_incoming(struct sched_cpu *sc)
{
	struct mpsc_node *n;
	struct thread *cur = this_cpu_current();

	while ((n = mpsc_pop(&sc->incoming))) {
		struct thread *t = (struct thread *)((char *)n -
						     __builtin_offsetof(struct thread, incoming_node));

		if (t == cur) /* woken before it had switched away */
			__atomic_store_n(&t->state, THREAD_RUNNING, __ATOMIC_RELEASE);
		else
			sched_enqueue_local(sc, t);
	}
}

/* The hysteresis in runtime units at the given decay scale. */
static uint64_t hysteresis(uint64_t scale)
{
	return decay_charge(SCHED_HYSTERESIS_NS, scale);
}

/* Whether the best queued thread should take the CPU from cur. */
static bool should_preempt(struct sched_cpu *sc, struct thread *cur, uint64_t now)
{
	struct thread *best = rq_thread(minheap_min(&sc->runq));

	if (!best)
		return false;
	if (cur->is_idle)
		return true;
	return best->runtime + hysteresis(current_scale(sc, now)) < cur->runtime;
}

/*
 * Programs the timer for the earliest of: the first timer deadline, and
 * (when others are runnable) the moment cur's runtime would pass the best
 * queued thread's by the hysteresis.
 */
static void arm_timer(struct sched_cpu *sc, struct thread *cur, uint64_t now)
{
	uint64_t when = 0;
	struct minheap_node *first = minheap_min(&sc->timers);
	struct thread *best = rq_thread(minheap_min(&sc->runq));

	if (first)
		when = first->key;
	if (best && !cur->is_idle) {
		uint64_t scale = current_scale(sc, now);
		uint64_t limit = best->runtime + hysteresis(scale);
		uint64_t left = limit > cur->runtime ?
			decay_rescale(limit - cur->runtime, scale, 1ull << 32) : 0;
		uint64_t slice_end = now + (left > SCHED_MIN_SLICE_NS ? left : SCHED_MIN_SLICE_NS);

		if (!when || slice_end < when)
			when = slice_end;
	}
	if (when && when < now + SCHED_MIN_SLICE_NS / 4)
		when = now + SCHED_MIN_SLICE_NS / 4;
	if (!cur->is_idle && libc_hlt_count && (!when || when > now + SCHED_LIBC_WATCH_NS)) {
		/* A watch still ahead is kept: no timer write on every schedule. */
		if (sc->armed_ns > now && sc->armed_ns <= now + SCHED_LIBC_WATCH_NS)
			when = sc->armed_ns;
		else
			when = now + SCHED_LIBC_WATCH_NS;
	}
	/*
	 * A deadline already programmed that comes sooner than needed, but not
	 * very soon, is kept: it costs at most one early interrupt, after which
	 * the timer is armed for what is due. Each write of the timer is an exit
	 * to the hypervisor (under TCG one that takes QEMU's global lock and
	 * wakes its main loop), and without this a CPU going idle and back would
	 * write it twice (disarm, then the watch again) for every request a
	 * server answers.
	 */
	if (sc->armed_ns >= now + SCHED_KEEP_EARLY_NS && (!when || sc->armed_ns <= when))
		when = sc->armed_ns;
	if (when != sc->armed_ns) {
		sc->armed_ns = when;
		lapic_timer_set_deadline(when ? clock_ns_to_tsc(when) : 0);
	}
}

/* arch_switch's return address, above the six registers it pushes (switch.S). */
#define SWITCH_RET_OFFSET (6 * 8)

/*
 * The scheduler's own integrity check, before next gets this CPU: next must
 * be off every CPU, and its saved context as arch_switch left it. Either
 * failing means two CPUs would run one stack, or a stack was written while
 * its thread slept; the run ends here, with the facts, instead of later at
 * a corrupted return address.
 */
static void check_switch_in(const struct thread *next, const struct cpu *c)
{
	struct cpu *other = __atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE);
	uint64_t ret = *(const uint64_t *)(next->saved_rsp + SWITCH_RET_OFFSET);

	if (other)
		panic("scheduler: cpu %u switches to thread %s (state %d, queue of cpu %u) "
		      "while cpu %u still runs it", c->id, next->name, next->state,
		      next->cpu ? next->cpu->id : 0u, other->id);
	if (ret != next->switch_ret)
		panic("scheduler: thread %s's saved context was overwritten while it was "
		      "switched out: return address %#llx at %#llx, saved %#llx", next->name,
		      (unsigned long long)ret,
		      (unsigned long long)(next->saved_rsp + SWITCH_RET_OFFSET),
		      (unsigned long long)next->switch_ret);
}

/* Saves prev, switches to next; returns when prev runs again (maybe elsewhere). */
static void switch_to(struct sched_cpu *sc, struct thread *prev, struct thread *next)
{
	struct cpu *c = this_cpu();

	check_switch_in(next, c);
	__atomic_store_n(&next->on_cpu, c, __ATOMIC_RELEASE);
	fpu_save(prev->fpu_area);
	if (next->fs_base != prev->fs_base)
		wrmsr(MSR_FS_BASE, next->fs_base);
	cpu_set_ist(IST_IRQ, next->irq_stack_top);
	c->syscall_stack_top = next->syscall_stack_top;
	c->current = next;
	sc->switched_from = prev;
	__atomic_add_fetch(&next->switches, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sc->quiescent, 1, __ATOMIC_RELAXED);
	arch_switch(&prev->saved_rsp, next->saved_rsp);
	/* prev runs again here: its context was taken from what it saved. */
	sched_finish_switch();
	fpu_restore(this_cpu_current()->fpu_area);
}

/* Moves a thread whose context is now saved to the CPU it is pinned to. */
static void send_home(struct thread *t)
{
	t->cpu = t->home;
	__atomic_add_fetch(&t->migrations, 1, __ATOMIC_RELAXED);
	t->runtime = 0; /* another CPU's scale: start fair there */
	t->runtime_gen = t->home->sched->epoch_gen;
	__atomic_store_n(&t->state, THREAD_QUEUED, __ATOMIC_RELEASE);
	sched_send_to(t->home, t);
}

/*
 * Runs in the thread that just got the CPU, right after the switch: the
 * thread that gave it up is now off the CPU, so it can be freed, moved or
 * reported as exited.
 */
void sched_finish_switch(void)
{
	struct sched_cpu *sc = this_sched();
	struct thread *from = sc->switched_from;
	int state;

	sc->switched_from = NULL;
	if (!from)
		return;
	/* from's context is saved: note where it returns to, then let it go. */
	from->switch_ret = *(const uint64_t *)(from->saved_rsp + SWITCH_RET_OFFSET);
	__atomic_store_n(&from->on_cpu, NULL, __ATOMIC_RELEASE);
	state = __atomic_load_n(&from->state, __ATOMIC_ACQUIRE);
	if (state == THREAD_MIGRATING) {
		send_home(from);
	} else if (state == THREAD_DEAD) {
		uintptr_t claim = __atomic_exchange_n(&from->join, JOIN_EXITED, __ATOMIC_ACQ_REL);

		if (claim == JOIN_DETACHED) {
			thread_free(from);
		} else if (claim != JOIN_NOBODY) {
			struct thread *joiner = (struct thread *)claim;

			__atomic_add_fetch(&joiner->pins, 1, __ATOMIC_ACQ_REL);
			__atomic_store_n(&from->join, JOIN_REAPABLE, __ATOMIC_SEQ_CST);
			thread_wake(joiner);
			__atomic_sub_fetch(&joiner->pins, 1, __ATOMIC_ACQ_REL);
		}
	}
}

/*
 * The scheduler proper. Interrupts are off. prev keeps the CPU unless
 * another thread deserves it more (or yield asks to let another run);
 * a prev that is waiting, dead or moving is never put back in the queue.
 */
void sched_schedule_locked(bool yield)
{
	struct cpu *c = this_cpu();
	struct sched_cpu *sc = c->sched;
	struct thread *prev = c->current, *next;
	uint64_t now = clock_ns();
	int state;

	sc->need_resched = false;
	handle_incoming(sc);
	charge(sc, prev, now);
	state = __atomic_load_n(&prev->state, __ATOMIC_ACQUIRE);
	if (state == THREAD_RUNNING && !prev->is_idle && prev->home && prev->home != c) {
		__atomic_store_n(&prev->state, THREAD_MIGRATING, __ATOMIC_RELEASE);
		state = THREAD_MIGRATING;
	}
	if (state == THREAD_RUNNING && !prev->is_idle) {
		if (!(yield ? minheap_min(&sc->runq) != NULL : should_preempt(sc, prev, now))) {
			arm_timer(sc, prev, now);
			return;
		}
	}
	next = rq_thread(minheap_min(&sc->runq));
	if (next) {
		minheap_remove(&sc->runq, &next->rq_node);
		nr_running_add(sc, -1);
	} else {
		next = sc->idle;
	}
	if (state == THREAD_RUNNING && !prev->is_idle) {
		/* Still runnable, switched out all the same (a yield counts too). */
		if (next != sc->idle)
			__atomic_add_fetch(&prev->preemptions, 1, __ATOMIC_RELAXED);
		sched_enqueue_local(sc, prev);
		nr_running_add(sc, -1); /* it was counted as running already */
	} else if (!prev->is_idle) {
		nr_running_add(sc, -1); /* waiting, moving or dead: no longer here */
	}
	if (!next->is_idle)
		nr_running_add(sc, 1);
	/* Before the state: thread_for_each adds a running thread's time since run_start_ns. */
	__atomic_store_n(&next->run_start_ns, now, __ATOMIC_RELAXED);
	__atomic_store_n(&next->state, THREAD_RUNNING, __ATOMIC_RELEASE);
	arm_timer(sc, next, now);
	if (next != prev)
		switch_to(sc, prev, next);
}

void sched_arm_timer_locked(void)
{
	arm_timer(this_sched(), this_cpu()->current, clock_ns());
}

void thread_yield(void)
{
	uint64_t flags = irq_save();

	sched_schedule_locked(true);
	irq_restore(flags);
}

void sched_preempt_disable(void)
{
	struct thread *t = this_cpu_current();

	t->preempt_count++;
	__asm__ volatile("" : : : "memory");
}

void sched_preempt_enable(void)
{
	struct thread *t;
	uint64_t flags;

	__asm__ volatile("" : : : "memory");
	flags = irq_save();
	t = this_cpu_current();
	if (--t->preempt_count < 0)
		panic("preemption enabled more often than disabled in thread %s", t->name);
	if (t->preempt_count == 0 && this_sched()->need_resched && (flags & (1u << 9)))
		sched_schedule_locked(false);
	irq_restore(flags);
}

uint64_t sched_quiescent_count(unsigned cpu)
{
	if (cpu >= cpu_count || !cpu_table[cpu] || !cpu_table[cpu]->sched)
		return 0;
	return __atomic_load_n(&cpu_table[cpu]->sched->quiescent, __ATOMIC_RELAXED);
}

/* ---- waiting and waking ---- */

/*
 * A wait section runs from the first sched_prepare_wait to sched_finish_wait
 * with preemption off, so that the thread cannot be switched away between
 * saying it waits and checking its condition (it would then sleep with no
 * one to wake it). sched_wait lets go of the CPU inside the section.
 */
/*
 * Takes in a wake-up that is on its way to this thread (WAKING: a waker won
 * the compare-and-swap and is about to push the thread into its CPU's
 * incoming queue, which is this CPU's while the thread runs in a wait
 * section). Interrupts off.
 */
static void absorb_wake(struct thread *t)
{
	while (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != THREAD_RUNNING)
		handle_incoming(this_sched());
}

/*
 * The state goes RUNNING -> WAITING here, never WAKING -> WAITING: a wait
 * loop that comes round again while a wake-up is still in flight (its
 * waker preempted between its compare-and-swap and its push) must take
 * that wake-up in first. Overwriting WAKING let a second waker succeed
 * too: the thread was pushed twice, queued on one CPU while it ran on
 * another, and resumed from a stale context (the crash at address 0x1 of
 * app-inet-64mib, caught by check_switch_in on 2026-12-06).
 */
void sched_prepare_wait(void)
{
	struct thread *t = this_cpu_current();
	int expected = THREAD_RUNNING;

	if (!t->in_wait_section) {
		sched_preempt_disable();
		t->in_wait_section = true;
	}
	while (!__atomic_compare_exchange_n(&t->state, &expected, THREAD_WAITING, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		uint64_t flags;

		if (expected == THREAD_WAITING)
			return; /* prepared already, and no wake-up since */
		flags = irq_save();
		absorb_wake(t);
		irq_restore(flags);
		expected = THREAD_RUNNING;
	}
}

static void timer_cancel(struct sched_cpu *sc, struct thread *t)
{
	if (minheap_contains(&t->timer_node))
		minheap_remove(&sc->timers, &t->timer_node);
}

static void (*block_hook)(void) __ro_after_init;

void sched_set_block_hook(void (*fn)(void))
{
	block_hook = fn;
}

int sched_wait(uint64_t deadline_ns)
{
	uint64_t flags;

	if (block_hook)
		block_hook();
	flags = irq_save();
	struct sched_cpu *sc = this_sched();
	struct thread *t = this_cpu_current();
	int ret = 0;

	if (!t->in_wait_section || t->preempt_count != 1)
		panic("thread %s blocks outside a wait section or with preemption "
		      "disabled (count %d)", t->name, t->preempt_count);
	if (__atomic_load_n(&t->state, __ATOMIC_SEQ_CST) == THREAD_WAITING) {
		t->timed_out = false;
		if (deadline_ns) {
			t->timer_node.key = deadline_ns;
			if (minheap_insert(&sc->timers, &t->timer_node))
				panic("scheduler: no memory for a timer");
		}
		t->preempt_count = 0;
		sched_schedule_locked(false);
		t->preempt_count = 1;
		sc = this_sched();
		timer_cancel(sc, t);
		ret = t->timed_out ? -ETIMEDOUT : 0;
	}
	irq_restore(flags);
	return ret;
}

void sched_finish_wait(void)
{
	struct thread *t = this_cpu_current();
	int expected = THREAD_WAITING;

	if (!__atomic_compare_exchange_n(&t->state, &expected, THREAD_RUNNING, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		/* A wake-up is on its way through our own incoming queue: take it in. */
		uint64_t flags = irq_save();

		absorb_wake(t);
		irq_restore(flags);
	}
	t->in_wait_section = false;
	sched_preempt_enable();
}

bool thread_wake(struct thread *t)
{
	int expected = THREAD_WAITING;
	uint64_t flags;
	struct cpu *c;

	if (!__atomic_compare_exchange_n(&t->state, &expected, THREAD_WAKING, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return false;
	flags = irq_save();
	/*
	 * A waiting thread does not move, so t->cpu is stable here. (A pinned
	 * thread woken elsewhere moves home at its next switch.)
	 */
	c = t->cpu;
	if (c == this_cpu()) {
		struct sched_cpu *sc = c->sched;

		if (t == c->current) {
			__atomic_store_n(&t->state, THREAD_RUNNING, __ATOMIC_RELEASE);
		} else {
			sched_enqueue_local(sc, t);
			if (should_preempt(sc, c->current, clock_ns()))
				sc->need_resched = true;
		}
		if (sc->need_resched && !sc->in_irq && c->current->preempt_count == 0 &&
		    (flags & (1u << 9)))
			sched_schedule_locked(false);
	} else {
		sched_send_to(c, t);
	}
	irq_restore(flags);
	return true;
}

/* ---- interrupts ---- */

/* The timer: wakes the threads whose deadline passed, and checks preemption. */
static void timer_irq(struct trap_frame *f)
{
	struct sched_cpu *sc = this_sched();
	struct minheap_node *first;
	uint64_t now = clock_ns();

	(void)f;
	tlb_refresh(now); /* lets QEMU's TCG size its TLB (carapace/tlb.h) */
	sc->armed_ns = 0;
	while ((first = minheap_min(&sc->timers)) && first->key <= now) {
		struct thread *t = timer_thread(first);

		minheap_remove(&sc->timers, first);
		t->timed_out = true;
		thread_wake(t);
	}
	sc->need_resched = true; /* re-evaluate on the way out */
}

static void resched_ipi(struct trap_frame *f)
{
	(void)f;
	this_sched()->need_resched = true;
}

void sched_irq_enter(void)
{
	struct sched_cpu *sc = this_sched();

	if (sc)
		sc->in_irq++;
}

/* Called on the way out of every interrupt, after the EOI: the preemption point. */
void sched_irq_exit(void)
{
	struct cpu *c = this_cpu();
	struct sched_cpu *sc = c->sched;

	if (!sc)
		return; /* interrupts before the scheduler (tests of the timer) */
	sc->in_irq--;
	if (sc->need_resched && sc->in_irq == 0 && c->current->preempt_count == 0)
		sched_schedule_locked(false);
	else if (sc->armed_ns == 0)
		arm_timer(sc, c->current, clock_ns());
}

void sched_register_irqs(void)
{
	irq_register(VEC_TIMER, timer_irq);
	irq_register(VEC_IPI_RESCHED, resched_ipi);
}

/* The idle loop: halt until an interrupt brings work. */
void sched_idle_loop(void)
{
	struct sched_cpu *sc = this_sched();

	for (;;) {
		irq_disable();
		sched_schedule_locked(false);
		__atomic_add_fetch(&sc->quiescent, 1, __ATOMIC_RELAXED);
		/* sti takes effect after hlt starts: no wake-up falls in between. */
		if (mpsc_empty(&sc->incoming) && !minheap_min(&sc->runq))
			__asm__ volatile("sti; hlt" : : : "memory");
		else
			irq_enable();
	}
}
