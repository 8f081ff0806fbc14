/*
 * Threads: creation, exit, join, sleep, affinity; the per-CPU idle threads
 * and load balancers; bringing the scheduler up on each CPU.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_heap.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>
#include <carapace/panic.h>
#include <carapace/percpu.h>
#include <carapace/report.h>
#include <carapace/sched.h>
#include <carapace/spinlock.h>
#include <carapace/thread.h>

#include <carapace/arch.h>
#include <carapace/boot.h>
#include "sched_impl.h"

#define IRQ_STACK_SIZE      (16 * 1024)
#define SYSCALL_STACK_SIZE  (32 * 1024) /* path strings are copied onto it (8 KiB) */
#define FPU_ALIGN           64
#define BALANCE_PERIOD_NS   (100 * 1000000ull)
#define AP_SCHED_WAIT_NS    (2000 * 1000000ull)

static uint64_t next_thread_id = 1;
static bool sched_running;

/* Runtime arrays grow with the kernel heap. */
static struct minheap_node **grow_heap(struct minheap_node **old, int old_cap, int new_cap)
{
	struct minheap_node **items = kmalloc(sizeof(*items) * (size_t)new_cap);

	if (items && old)
		memcpy(items, old, sizeof(*items) * (size_t)old_cap);
	if (items)
		kfree(old);
	return items;
}

static void copy_name(char *dst, const char *src)
{
	size_t n = src ? strnlen(src, THREAD_NAME_MAX - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/*
 * Thread structures never go back to the heap: a freed one waits here for
 * the next thread_alloc. A mutex waiter may still look at a holder that
 * has just unlocked, exited and been freed (thread_running_elsewhere, a
 * hint read without a lock); in type-stable memory that read is harmless,
 * where the hardened heap would have zeroed, unmapped or reused the block.
 */
static struct thread *spare_threads;
static struct spinlock spare_lock = SPINLOCK_INIT;

static struct thread *spare_take(void)
{
	uint64_t flags = spin_lock_irqsave(&spare_lock);
	struct thread *t = spare_threads;

	if (t)
		spare_threads = t->spare_next;
	spin_unlock_irqrestore(&spare_lock, flags);
	if (t)
		memset(t, 0, sizeof(*t));
	return t;
}

static void spare_put(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&spare_lock);

	t->spare_next = spare_threads;
	spare_threads = t;
	spin_unlock_irqrestore(&spare_lock, flags);
}

/* Every live thread, for thread_for_each (the REST API's /os/threads). */
static struct thread *all_threads;
static struct spinlock all_lock = SPINLOCK_INIT;

static void all_add(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);

	t->all_prev = NULL;
	t->all_next = all_threads;
	if (all_threads)
		all_threads->all_prev = t;
	all_threads = t;
	spin_unlock_irqrestore(&all_lock, flags);
}

static void all_remove(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);

	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		all_threads = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	spin_unlock_irqrestore(&all_lock, flags);
}

static const char *state_name(int state)
{
	static const char *const names[] = {
		[THREAD_RUNNING] = "running", [THREAD_QUEUED] = "queued",
		[THREAD_WAITING] = "waiting", [THREAD_WAKING] = "waking",
		[THREAD_MIGRATING] = "migrating", [THREAD_DEAD] = "dead",
	};

	return state >= 0 && state <= THREAD_DEAD ? names[state] : "unknown";
}

/* fn runs with the list locked and interrupts off: it must not sleep. */
void thread_for_each(void (*fn)(const struct thread_info *ti, void *arg), void *arg)
{
	uint64_t flags = spin_lock_irqsave(&all_lock), now = clock_ns();

	for (struct thread *t = all_threads; t; t = t->all_next) {
		int state = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
		uint64_t start = __atomic_load_n(&t->run_start_ns, __ATOMIC_RELAXED);
		struct thread_info ti = {
			.id = t->id,
			.cpu = t->cpu ? t->cpu->id : 0,
			/* A running thread's time counts up to now, not to its last switch. */
			.cpu_time_ns = __atomic_load_n(&t->cpu_time_ns, __ATOMIC_RELAXED) +
				       (state == THREAD_RUNNING && now > start ? now - start : 0),
			.stack_size = t->stack_size,
			.switches = __atomic_load_n(&t->switches, __ATOMIC_RELAXED),
			.migrations = __atomic_load_n(&t->migrations, __ATOMIC_RELAXED),
			.preemptions = __atomic_load_n(&t->preemptions, __ATOMIC_RELAXED),
			.state = state_name(state),
		};

		memcpy(ti.name, t->name, sizeof(ti.name));
		ti.name[sizeof(ti.name) - 1] = '\0';
		fn(&ti, arg);
	}
	spin_unlock_irqrestore(&all_lock, flags);
}

/*
 * arch_switch's frame (switch.S) at a switched-out thread's saved_rsp:
 * r15, r14, r13, r12, rbx, then rbp, then the return address.
 */
#define SWITCH_RBP_AT (5 * 8)
#define SWITCH_RET_AT (6 * 8)

static bool mapped(uint64_t va)
{
	return mmu_lookup(mmu_root(), va, NULL, NULL);
}

/*
 * The hang report's thread list (kernel/arch/x86_64/nmi.c). Only if the
 * list's lock is free: the NMI may have stopped its holder for good. A
 * thread that is not on a CPU shows where it switched out, which names
 * what it waits for (a sleep, a futex, a socket's wait queue).
 */
bool thread_report_all(void)
{
	unsigned n = 0;

	if (!spin_trylock(&all_lock))
		return false;
	for (struct thread *t = all_threads; t; t = t->all_next)
		n++;
	kprintf("carapace: hang report: %u threads\n", n);
	for (struct thread *t = all_threads; t; t = t->all_next) {
		struct cpu *on = __atomic_load_n(&t->on_cpu, __ATOMIC_RELAXED);
		uint64_t rsp = t->saved_rsp;

		kprintf("thread %llu \"%s\"%s: %s", (unsigned long long)t->id, t->name,
			t->is_idle ? " (idle)" : "",
			state_name(__atomic_load_n(&t->state, __ATOMIC_RELAXED)));
		if (on)
			kprintf(" on cpu %u (its registers above)", on->id);
		else
			kprintf(", cpu %u", t->cpu ? t->cpu->id : 0);
		kprintf(", %llu switches, %llu ms of CPU\n",
			(unsigned long long)__atomic_load_n(&t->switches, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&t->cpu_time_ns, __ATOMIC_RELAXED) / 1000000);
		if (!on && rsp && mapped(rsp + SWITCH_RBP_AT) && mapped(rsp + SWITCH_RET_AT))
			report_backtrace(*(const uint64_t *)(rsp + SWITCH_RET_AT),
					 *(const uint64_t *)(rsp + SWITCH_RBP_AT));
	}
	spin_unlock(&all_lock);
	return true;
}

bool thread_is_idle(const struct thread *t)
{
	return t->is_idle;
}

/* A thread structure with its FPU area, but no stacks yet. */
static struct thread *thread_alloc(const char *name)
{
	struct thread *t = spare_take();

	if (!t && !(t = kcalloc(1, sizeof(*t))))
		return NULL;
	t->fpu_alloc = kmalloc(fpu_area_size() + FPU_ALIGN);
	if (!t->fpu_alloc) {
		spare_put(t);
		return NULL;
	}
	t->fpu_area = (void *)(((uint64_t)t->fpu_alloc + FPU_ALIGN - 1) & ~(uint64_t)(FPU_ALIGN - 1));
	fpu_area_init(t->fpu_area);
	copy_name(t->name, name ? name : "thread");
	minheap_node_init(&t->rq_node);
	minheap_node_init(&t->timer_node);
	t->id = __atomic_fetch_add(&next_thread_id, 1, __ATOMIC_RELAXED);
	all_add(t);
	return t;
}

void thread_free(struct thread *t)
{
	/* A CPU that is waking t (see JOIN_REAPABLE) finishes within a few instructions. */
	while (__atomic_load_n(&t->pins, __ATOMIC_ACQUIRE))
		cpu_pause();
	all_remove(t);
	if (t->stack_top)
		memory_free_stack(t->stack_top);
	if (t->irq_stack_top)
		memory_free_stack(t->irq_stack_top);
	if (t->syscall_stack_top)
		memory_free_stack(t->syscall_stack_top);
	kfree(t->fpu_alloc);
	app_heap_thread_gone(&t->pub);
	spare_put(t);
}

_Static_assert(__builtin_offsetof(struct thread, pub) == 0, "thread_public() casts the thread");

/*
 * The stacks every thread has besides its own: one for the interrupts taken
 * while it runs, one for its system calls. Named after it, for fault reports.
 */
static int thread_alloc_side_stacks(struct thread *t)
{
	char name[THREAD_NAME_MAX + 8];

	fmt_snprintf(name, sizeof(name), "irq:%s", t->name);
	t->irq_stack_top = memory_alloc_stack(name, IRQ_STACK_SIZE);
	fmt_snprintf(name, sizeof(name), "sys:%s", t->name);
	t->syscall_stack_top = memory_alloc_stack(name, SYSCALL_STACK_SIZE);
	return t->irq_stack_top && t->syscall_stack_top ? 0 : -ENOMEM;
}

static int thread_alloc_stacks(struct thread *t, size_t stack_size)
{
	t->stack_top = memory_alloc_stack(t->name, stack_size);
	if (!t->stack_top)
		return -ENOMEM;
	t->stack_size = stack_size;
	return thread_alloc_side_stacks(t);
}

/*
 * Lays out a new thread's stack as arch_switch leaves a switched-out one:
 * six callee-saved registers (r12 = fn, r13 = arg) and a return address
 * into arch_thread_start, so that the first switch to it starts it.
 */
static void thread_stack_init(struct thread *t)
{
	uint64_t *sp = (uint64_t *)t->stack_top;

	*--sp = 0;                           /* keeps the start 16-byte aligned */
	*--sp = 0;
	*--sp = (uint64_t)arch_thread_start; /* return address */
	*--sp = 0;                           /* rbp */
	*--sp = 0;                           /* rbx */
	*--sp = (uint64_t)t->fn;             /* r12 */
	*--sp = (uint64_t)t->arg;            /* r13 */
	*--sp = 0;                           /* r14 */
	*--sp = 0;                           /* r15 */
	t->saved_rsp = (uint64_t)sp;
	t->switch_ret = (uint64_t)arch_thread_start;
}

/* Where every new thread begins (called from arch_thread_start). */
__attribute__((noreturn)) void sched_thread_entry(void (*fn)(void *), void *arg)
{
	sched_finish_switch();
	fpu_restore(this_cpu_current()->fpu_area);
	irq_enable();
	fn(arg);
	thread_exit();
}

/* Makes t runnable on c: directly if c is this CPU, else through its queue. */
static void thread_start_on(struct thread *t, struct cpu *c)
{
	uint64_t flags = irq_save();

	t->cpu = c;
	t->runtime_gen = c->sched->epoch_gen;
	if (c == this_cpu())
		sched_enqueue_local(c->sched, t);
	else {
		__atomic_store_n(&t->state, THREAD_QUEUED, __ATOMIC_RELEASE);
		sched_send_to(c, t);
	}
	irq_restore(flags);
}

static struct cpu *cpu_by_index(int cpu)
{
	if (cpu < 0 || (unsigned)cpu >= cpu_count || !cpu_table[cpu] ||
	    !__atomic_load_n(&cpu_table[cpu]->sched, __ATOMIC_ACQUIRE))
		return NULL;
	return cpu_table[cpu];
}

struct thread *thread_create(void (*fn)(void *), void *arg, const struct thread_attr *attr)
{
	static const struct thread_attr defaults = { .cpu = THREAD_ANY_CPU };
	struct cpu *c;
	struct thread *t;

	if (!attr)
		attr = &defaults;
	c = attr->cpu == THREAD_ANY_CPU ? this_cpu() : cpu_by_index(attr->cpu);
	if (!c || !fn)
		return NULL;
	t = thread_alloc(attr->name);
	if (!t)
		return NULL;
	if (thread_alloc_stacks(t, attr->stack_size ? attr->stack_size : THREAD_STACK_DEFAULT)) {
		thread_free(t);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	t->join = attr->detached ? JOIN_DETACHED : JOIN_NOBODY;
	t->home = attr->pinned ? c : NULL;
	if (attr->id_out)
		*attr->id_out = t->id; /* a detached t may be gone once started */
	thread_stack_init(t);
	thread_start_on(t, c);
	return t;
}

void thread_exit(void)
{
	struct thread *t;

	irq_disable();
	t = this_cpu_current();
	if (t->preempt_count)
		panic("thread %s exits with preemption disabled", t->name);
	__atomic_store_n(&t->state, THREAD_DEAD, __ATOMIC_RELEASE);
	sched_schedule_locked(false);
	panic("dead thread %s was scheduled again", t->name);
}

int thread_join(struct thread *t)
{
	struct thread *me = thread_current();
	uintptr_t expected = JOIN_NOBODY;

	if (!t || t == me)
		return -EINVAL;
	if (!__atomic_compare_exchange_n(&t->join, &expected, (uintptr_t)me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (expected != JOIN_EXITED)
			return -EINVAL; /* detached, or someone else joins it */
		thread_free(t); /* it exited before anyone asked: nobody else touches it */
		return 0;
	}
	sched_prepare_wait();
	while (__atomic_load_n(&t->join, __ATOMIC_ACQUIRE) != JOIN_REAPABLE) {
		sched_wait(0);
		sched_prepare_wait();
	}
	sched_finish_wait();
	thread_free(t);
	return 0;
}

/* From now on t frees itself when it exits; if it has exited, it is freed now. */
void thread_detach(struct thread *t)
{
	uintptr_t expected = JOIN_NOBODY;

	if (!__atomic_compare_exchange_n(&t->join, &expected, JOIN_DETACHED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
	    expected == JOIN_EXITED)
		thread_free(t);
}

/* t may have exited and been freed meanwhile: its structure stays a thread's (spare_threads). */
bool thread_running_elsewhere(const struct thread *t)
{
	struct cpu *c = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);

	return c && __atomic_load_n(&t->state, __ATOMIC_RELAXED) == THREAD_RUNNING &&
	       c != this_cpu() && __atomic_load_n(&c->current, __ATOMIC_RELAXED) == t;
}

void thread_pin(struct thread *t)
{
	__atomic_add_fetch(&t->pins, 1, __ATOMIC_ACQ_REL);
}

void thread_unpin(struct thread *t)
{
	__atomic_sub_fetch(&t->pins, 1, __ATOMIC_ACQ_REL);
}

uint64_t thread_cpu_time_ns(const struct thread *t)
{
	return __atomic_load_n(&t->cpu_time_ns, __ATOMIC_RELAXED);
}

/* Preemption stays off between the store and the MSR write: a switch in
 * between would load the old value again. */
void thread_set_fs_base(uint64_t base)
{
	sched_preempt_disable();
	thread_current()->fs_base = base;
	wrmsr(MSR_FS_BASE, base);
	sched_preempt_enable();
}

void thread_signal_raise(int sig)
{
	__atomic_fetch_or(&thread_current()->signals_pending, 1ull << (sig - 1), __ATOMIC_RELAXED);
}

/* The calling thread's signal mask (rt_sigprocmask's), which Linux keeps per
 * thread: musl's pthread_create and pthread_exit block every signal around
 * their work, and one mask for all would leave the others blocked. */
uint64_t *thread_signal_mask(void)
{
	return &thread_current()->signal_mask;
}

/* sig for the thread whose id is id (tgkill to another thread): taken at
 * that thread's next system call return (sig 0: nothing). False when no
 * thread has that id. */
bool thread_signal_raise_id(uint64_t id, int sig)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);
	bool found = false;

	for (struct thread *t = all_threads; t && !found; t = t->all_next)
		if (t->id == id) {
			if (sig > 0) /* 0: only whether it exists */
				__atomic_fetch_or(&t->signals_pending, 1ull << (sig - 1),
						  __ATOMIC_RELAXED);
			found = true;
		}
	spin_unlock_irqrestore(&all_lock, flags);
	return found;
}

/*
 * An application thread's system call that may sleep says so (how: which
 * wait, opaque here; 0 when it is over), so that a signal for it can cut
 * the sleep short (kernel/syscall/sys_signal.c). Sequentially consistent,
 * as the raiser's store of the signal and its look at this are: either
 * the raiser sees the wait, or the waiter sees the signal.
 */
void thread_set_signal_wait(uintptr_t how)
{
	__atomic_store_n(&thread_current()->signal_wait, how, __ATOMIC_SEQ_CST);
}

/*
 * Calls wake(t, how) for threads asleep in an interruptible wait: the
 * thread whose id is id, or (id 0) up to THREAD_INTERRUPT_MAX of those
 * whose mask lets sigbit through (a signal for the process needs one
 * taker; each one woken looks, and one takes it). Outside all_lock, each
 * thread pinned and preemption off meanwhile (a pin's holder must not be
 * switched out). Returns how many were woken.
 */
#define THREAD_INTERRUPT_MAX 8
unsigned thread_signal_interrupt(uint64_t id, uint64_t sigbit,
				 void (*wake)(struct thread *t, uintptr_t how))
{
	struct thread *batch[THREAD_INTERRUPT_MAX];
	uintptr_t hows[THREAD_INTERRUPT_MAX];
	unsigned n = 0;
	uint64_t flags;

	/* The caller's store of the signal comes before the looks below. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = spin_lock_irqsave(&all_lock);
	for (struct thread *t = all_threads; t && n < THREAD_INTERRUPT_MAX; t = t->all_next) {
		uintptr_t how = __atomic_load_n(&t->signal_wait, __ATOMIC_SEQ_CST);

		if (id ? t->id != id : !how || (__atomic_load_n(&t->signal_mask,
							       __ATOMIC_RELAXED) & sigbit))
			continue;
		if (how) {
			thread_pin(t);
			batch[n] = t;
			hows[n++] = how;
		}
		if (id)
			break;
	}
	sched_preempt_disable();
	spin_unlock_irqrestore(&all_lock, flags);
	for (unsigned i = 0; i < n; i++) {
		wake(batch[i], hows[i]);
		thread_unpin(batch[i]);
	}
	sched_preempt_enable();
	return n;
}

/* Whether thread id blocks signal sig (false when there is no such thread). */
bool thread_signal_blocks_id(uint64_t id, int sig)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);
	bool blocks = false;

	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->id == id) {
			blocks = (__atomic_load_n(&t->signal_mask, __ATOMIC_RELAXED) >> (sig - 1)) & 1;
			break;
		}
	spin_unlock_irqrestore(&all_lock, flags);
	return blocks;
}

/* The calling thread's pending signals, left pending. */
uint64_t thread_signal_peek(void)
{
	return __atomic_load_n(&thread_current()->signals_pending, __ATOMIC_RELAXED);
}

uint64_t thread_signal_take(void)
{
	struct thread *t = thread_current();

	/* Every system call's return asks: the common answer costs no atomic write. */
	if (!__atomic_load_n(&t->signals_pending, __ATOMIC_RELAXED))
		return 0;
	return __atomic_exchange_n(&t->signals_pending, 0, __ATOMIC_RELAXED);
}

void thread_set_clear_child_tid(uint64_t addr)
{
	thread_current()->clear_child_tid = addr;
}

uint64_t thread_clear_child_tid(void)
{
	return thread_current()->clear_child_tid;
}

uint64_t thread_fs_base(void)
{
	return thread_current()->fs_base;
}

uint64_t thread_id(const struct thread *t)
{
	return t->id;
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

/* Under all_lock: thread_for_each copies names under it and sees the old or the new one whole. */
void thread_set_name(struct thread *t, const char *name)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);

	copy_name(t->name, name);
	spin_unlock_irqrestore(&all_lock, flags);
}

unsigned thread_cpu(const struct thread *t)
{
	return t->cpu->id;
}

/* Pins t to cpu; the thread moves there at its next switch. */
int thread_set_affinity(struct thread *t, int cpu)
{
	struct cpu *c = NULL;

	if (cpu != THREAD_ANY_CPU && !(c = cpu_by_index(cpu)))
		return -EINVAL;
	__atomic_store_n(&t->home, c, __ATOMIC_RELEASE);
	if (t == thread_current() && c && c != this_cpu())
		thread_yield(); /* the switch sends us home */
	return 0;
}

void thread_sleep_ns(uint64_t ns)
{
	uint64_t deadline = clock_ns() + ns;

	sched_prepare_wait();
	while (sched_wait(deadline) != -ETIMEDOUT && clock_ns() < deadline)
		sched_prepare_wait();
	sched_finish_wait();
}

/* ---- load balancing ---- */

/*
 * A CPU's runnable threads, plus those this pass has sent it that it has
 * not taken in yet (its count goes up only when it does).
 */
static int cpu_load(const struct cpu *c, const int *sent)
{
	return __atomic_load_n(&c->sched->nr_running, __ATOMIC_RELAXED) + sent[c->id];
}

static struct cpu *least_loaded_cpu(const int *sent)
{
	struct cpu *best = NULL;

	for (unsigned i = 0; i < cpu_count; i++) {
		struct cpu *c = cpu_table[i];

		if (c && __atomic_load_n(&c->sched, __ATOMIC_ACQUIRE) &&
		    (!best || cpu_load(c, sent) < cpu_load(best, sent)))
			best = c;
	}
	return best;
}

/* A queued thread of this CPU that may move: not pinned, not idle. */
static struct thread *movable_thread(struct sched_cpu *sc)
{
	for (int i = sc->runq.size - 1; i >= 0; i--) {
		struct thread *t = (struct thread *)((char *)sc->runq.items[i] -
						     __builtin_offsetof(struct thread, rq_node));

		/* A timer lives in this CPU's heap until its thread runs again. */
		if (!t->home && !t->is_idle && !minheap_contains(&t->timer_node))
			return t;
	}
	return NULL;
}

/*
 * One pass: while this CPU has more than one runnable thread more than the
 * least loaded CPU, push a queued thread there. Only this CPU touches its
 * own run queue; the other CPU takes the thread in from its incoming queue.
 */
static void balance_once(void)
{
	int sent[MAX_CPUS] = { 0 };

	for (;;) {
		uint64_t flags = irq_save();
		struct cpu *me = this_cpu(), *target = least_loaded_cpu(sent);
		struct sched_cpu *sc = me->sched;
		struct thread *t;

		if (!target || target == me || cpu_load(me, sent) <= cpu_load(target, sent) + 1 ||
		    !(t = movable_thread(sc))) {
			irq_restore(flags);
			return;
		}
		minheap_remove(&sc->runq, &t->rq_node);
		__atomic_sub_fetch(&sc->nr_running, 1, __ATOMIC_RELAXED);
		sent[target->id]++;
		t->cpu = target;
		__atomic_add_fetch(&t->migrations, 1, __ATOMIC_RELAXED);
		t->runtime = 0; /* another CPU's scale: start fair there */
		t->runtime_gen = target->sched->epoch_gen;
		sched_send_to(target, t);
		irq_restore(flags);
	}
}

static void balancer_main(void *arg)
{
	(void)arg;
	for (;;) {
		thread_sleep_ns(BALANCE_PERIOD_NS);
		balance_once();
	}
}

/* ---- bring-up ---- */

static struct sched_cpu *sched_cpu_alloc(void)
{
	struct sched_cpu *sc = kcalloc(1, sizeof(*sc));

	if (!sc)
		panic("no memory for the scheduler's per-CPU state");
	minheap_init(&sc->runq, grow_heap);
	minheap_init(&sc->timers, grow_heap);
	mpsc_init(&sc->incoming);
	sc->epoch_ns = clock_ns();
	return sc;
}

/*
 * Turns the code running now on this CPU into a thread of the scheduler
 * (the boot CPU's main thread, or an AP's idle thread), on the stack it
 * already runs on.
 */
static struct thread *adopt_current(const char *name, bool idle)
{
	struct thread *t = thread_alloc(name);

	if (!t || thread_alloc_side_stacks(t))
		panic("no memory for thread %s", name);
	/* Its stack stays its maker's (t->stack_top 0): it is never freed. */
	t->cpu = this_cpu();
	t->is_idle = idle;
	t->state = THREAD_RUNNING;
	t->on_cpu = this_cpu();
	t->home = this_cpu();
	t->run_start_ns = clock_ns();
	return t;
}

static void idle_main(void *arg)
{
	(void)arg;
	sched_idle_loop();
}

static void start_balancer(struct cpu *c)
{
	char name[THREAD_NAME_MAX];
	struct thread_attr attr = { .name = name, .cpu = (int)c->id, .pinned = true,
				    .detached = true, .stack_size = 16 * 1024 };

	fmt_snprintf(name, sizeof(name), "balancer%u", c->id);
	if (!thread_create(balancer_main, NULL, &attr))
		panic("cannot start the load balancer of cpu %u", c->id);
}

/* An AP's life after smp_init: it becomes this CPU's idle thread. */
static __attribute__((noreturn)) void sched_ap_main(struct cpu *c)
{
	struct thread *idle;
	char name[THREAD_NAME_MAX];

	struct sched_cpu *sc;

	fpu_init_cpu();
	sc = sched_cpu_alloc();
	fmt_snprintf(name, sizeof(name), "idle%u", c->id);
	c->current = NULL;
	idle = adopt_current(name, true);
	idle->cpu = c;
	sc->idle = idle;
	c->current = idle;
	cpu_set_ist(IST_IRQ, idle->irq_stack_top);
	c->syscall_stack_top = idle->syscall_stack_top;
	syscall_init_cpu();
	/* Other CPUs may send threads here from now on. */
	__atomic_store_n(&c->sched, sc, __ATOMIC_RELEASE);
	sched_idle_loop();
}

/*
 * Brings the scheduler up: the code running kmain becomes thread "main" of
 * CPU 0, with an idle thread beside it; then the other CPUs start, each
 * with its own idle thread; then one load balancer per CPU.
 */
void sched_init(void)
{
	struct cpu *c = this_cpu();
	struct thread *idle, *main_thread;

	/* kmain has called fpu_init_cpu for this CPU, before the first thread's area. */
	c->sched = sched_cpu_alloc();
	main_thread = adopt_current("main", false);
	main_thread->home = NULL;
	c->current = main_thread;
	cpu_set_ist(IST_IRQ, main_thread->irq_stack_top);
	c->syscall_stack_top = main_thread->syscall_stack_top;
	syscall_init_cpu();
	__atomic_store_n(&c->sched->nr_running, 1, __ATOMIC_RELAXED);

	idle = thread_alloc("idle0");
	if (!idle || thread_alloc_stacks(idle, 16 * 1024))
		panic("no memory for the idle thread");
	idle->fn = idle_main;
	idle->is_idle = true;
	idle->home = c;
	idle->cpu = c;
	idle->state = THREAD_QUEUED;
	thread_stack_init(idle);
	c->sched->idle = idle;

	sched_register_irqs();
	sched_running = true;
	boot_step("sched-threads");
	smp_init(sched_ap_main);
	for (unsigned i = 0; i < cpu_count; i++) {
		struct cpu *ap = cpu_table[i];
		uint64_t give_up = clock_ns() + AP_SCHED_WAIT_NS;

		if (!ap || !ap->online)
			continue;
		/* An AP is online before its scheduler state is: wait for that. */
		while (!__atomic_load_n(&ap->sched, __ATOMIC_ACQUIRE) && clock_ns() < give_up)
			cpu_pause();
		if (!ap->sched)
			panic("cpu %u came online but its scheduler did not start", ap->id);
		start_balancer(ap);
	}
	syscall_set_cpu_count(cpu_count);
	klog("sched: %u cpus scheduling, fpu state by %s (%zu bytes)\n", cpu_count,
	     fpu_method(), fpu_area_size());
	/* Thread "main" has not been scheduled: its timer (the libc watch) starts here. */
	sched_arm_timer_locked();
	irq_enable();
}

/* For reports: the running thread's name, even before the scheduler is up. */
const char *sched_current_name(void)
{
	if (!sched_running)
		return "boot";
	return this_cpu()->current ? this_cpu()->current->name : "?";
}
