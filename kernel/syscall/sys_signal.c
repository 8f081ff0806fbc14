/*
 * Signals: those a process sends itself, and the bookkeeping musl's
 * start-up and abort() do.
 *
 * There is one process (pid env->pid). rt_sigaction, rt_sigprocmask and
 * sigaltstack keep what they are given; a signal the process raises itself
 * (kill, tkill, tgkill, a write's SIGPIPE) takes its default action, or runs
 * its handler when the raising call returns, or waits while blocked
 * (raise_signal); one from another thread (SIGALRM from the timer's, a
 * kill or tgkill) runs its handler as a call of an application thread
 * returns, and cuts short a blocking call one sleeps in (the
 * interruptible waits below). Threads, exit,
 * futexes and the thread pointer (arch_prctl) are in sys_thread.c, the
 * sleeps in sys_time.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/fmt.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/thread.h>
#include <carapace/waitqueue.h>

#include "sys_kernel.h"

#define NR_RT_SIGACTION   13
#define NR_RT_SIGPROCMASK 14
#define NR_KILL           62
#define NR_PAUSE          34
#define NR_RT_SIGPENDING  127
#define NR_RT_SIGSUSPEND  130
#define NR_RT_SIGTIMEDWAIT 128
#define NR_SIGALTSTACK    131
#define NR_TGKILL         234
#define NR_RT_SIGRETURN   15

/* The kernel's struct sigaction (not libc's): 32 bytes with an 8-byte mask. */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct k_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/*
 * The recorded signal state: the actions and the alternate stack, one for
 * the process (Linux keeps the alternate stack per thread); the mask is
 * each thread's own (`blocked` names the calling thread's), as Linux's: a
 * new thread starts with its parent's (sys_thread.c).
 */
static struct mutex signal_lock = MUTEX_INIT;
/* No mask may hold these (sigprocmask, a handler's sa_mask, rt_sigreturn). */
#define UNBLOCKABLE ((1ull << (LINUX_SIGKILL - 1)) | (1ull << (LINUX_SIGSTOP - 1)))
static struct k_sigaction actions[LINUX_NSIG];
#define blocked (*thread_signal_mask()) /* read it here; change it with set_blocked */
/*
 * For a signal from another thread (SIGALRM), which Linux gives the
 * process: it is blocked only when every application thread blocks it.
 * threads_open[sig - 1] counts the threads whose mask lets it through
 * (the main thread's starts empty); set_blocked keeps the counts.
 */
static int threads_open[LINUX_NSIG] = { [0 ... LINUX_NSIG - 1] = 1 };

/* The calling thread's mask becomes mask; from counts the old one in. */
static void mask_change(uint64_t from, uint64_t mask)
{
	uint64_t changed = from ^ mask;

	while (changed) {
		int bit = __builtin_ctzll(changed);

		changed &= changed - 1;
		__atomic_add_fetch(&threads_open[bit], mask & (1ull << bit) ? -1 : 1,
				   __ATOMIC_RELAXED);
	}
	blocked = mask;
}

static void set_blocked(uint64_t mask)
{
	mask_change(blocked, mask & ~UNBLOCKABLE);
}

/* A new application thread's mask (its parent's, from clone). */
void sys_signal_thread_start(uint64_t mask)
{
	mask_change(~0ull, mask & ~UNBLOCKABLE);
}

/*
 * The ids of the application's threads other than the main one (whose id
 * is the pid): tgkill and tkill reach these and the main thread only, as
 * Linux's reach only the process's threads (a kernel thread's id is
 * ESRCH there). clone adds an id before it returns it, holding the lock
 * across the thread's creation so that the thread cannot remove its id
 * before it is in; the thread's exit removes it.
 */
static struct mutex app_tids_lock = MUTEX_INIT;
static uint64_t *app_tids;
static size_t app_tids_len, app_tids_cap;

int sys_signal_thread_adding(void)
{
	mutex_lock(&app_tids_lock);
	if (app_tids_len == app_tids_cap) {
		size_t cap = app_tids_cap ? 2 * app_tids_cap : 16;
		uint64_t *grown = kmalloc(cap * sizeof(*grown));

		if (grown == NULL) {
			mutex_unlock(&app_tids_lock);
			return -ENOMEM;
		}
		if (app_tids_len > 0)
			memcpy(grown, app_tids, app_tids_len * sizeof(*grown));
		kfree(app_tids);
		app_tids = grown;
		app_tids_cap = cap;
	}
	return 0;
}

void sys_signal_thread_added(uint64_t tid)
{
	if (tid != 0)
		app_tids[app_tids_len++] = tid;
	mutex_unlock(&app_tids_lock);
}

/* Whether tid names a live thread of the application. */
static bool is_app_thread(const struct syscall_env *env, int tid)
{
	bool listed = tid == env->pid;

	mutex_lock(&app_tids_lock);
	for (size_t i = 0; i < app_tids_len && !listed; i++)
		listed = app_tids[i] == (uint64_t)tid;
	mutex_unlock(&app_tids_lock);
	return listed && thread_signal_raise_id((uint64_t)tid, 0);
}

/* An application thread ends: it lets nothing through any more, and no tgkill finds it. */
void sys_signal_thread_exit(void)
{
	uint64_t me = thread_id(thread_current());

	mask_change(blocked, ~0ull);
	mutex_lock(&app_tids_lock);
	for (size_t i = 0; i < app_tids_len; i++)
		if (app_tids[i] == me) {
			app_tids[i] = app_tids[--app_tids_len];
			break;
		}
	mutex_unlock(&app_tids_lock);
}
static struct k_stack altstack = { .flags = LINUX_SS_DISABLE };

__attribute__((noreturn)) static void abort_application(void)
{
	kprintf("carapace: abort: the application called abort()\n");
	sys_app_exit(EXIT_ABORT);
}

/* Signals sent while blocked, kept until a mask lets them through (standard
 * signals do not queue: one bit each, as Linux's). Under signal_lock. */
static uint64_t pending_blocked;
static const char *pending_why[LINUX_NSIG]; /* why each was raised, for its line */
/*
 * Signals from another thread (SIGALRM from the timer's) with a handler,
 * not blocked when raised: the next system call of an application thread
 * to return runs the handler (atomic; sys_signal_deliver). pause and
 * rt_sigsuspend sleep on signal_wq until one comes.
 */
static uint64_t async_pending;
static struct waitqueue signal_wq = WAITQUEUE_INIT;
/* rt_sigsuspend's: the mask it replaced, which the handler's return puts
 * back (the frame's ucontext holds it). Under signal_lock. */
static bool suspend_active;
static uint64_t suspend_mask;

static const char *const signal_names[32] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP",
	[6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU", [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR",
	[31] = "SIGSYS",
};

/* Signals whose default action is to do nothing, and those that would stop the process. */
#define BIT(sig) (1ull << ((sig) - 1))
#define DEFAULT_IGNORED (BIT(17) | BIT(18) | BIT(23) | BIT(28)) /* CHLD CONT URG WINCH */
#define DEFAULT_STOPS   (BIT(19) | BIT(20) | BIT(21) | BIT(22)) /* STOP TSTP TTIN TTOU */

/*
 * A signal's default action, as Linux's, where a unikernel can take it:
 * SIGABRT is abort() (134); SIGPIPE (145: Linux's 128 + 13 = 141 is taken by
 * double-fault) and SIGALRM (146) have their own statuses; SIGCHLD, SIGCONT,
 * SIGURG and SIGWINCH do nothing; the stop signals would stop the run with
 * nobody left to continue it, so they do nothing either, and one line says
 * so; every other signal ends the run with status 148 (EXIT_SIGNAL), its
 * name on the line.
 */
static void default_action(int sig, const char *why)
{
	static uint64_t told;
	const char *name = sig < 32 ? signal_names[sig] : NULL;
	char number[16];

	if (BIT(sig) & DEFAULT_IGNORED)
		return;
	if (sig == LINUX_SIGABRT)
		abort_application();
	if (!name) {
		fmt_snprintf(number, sizeof(number), "signal %d", sig);
		name = number;
	}
	if (BIT(sig) & DEFAULT_STOPS) {
		if (!(__atomic_fetch_or(&told, BIT(sig), __ATOMIC_RELAXED) & BIT(sig)))
			kprintf("carapace: %s: %s: its default action would stop the run, and "
				"nothing could continue it: ignored\n", name, why);
		return;
	}
	kprintf("carapace: %s: %s (the default action ends the run)\n", name, why);
	sys_app_exit(sig == LINUX_SIGPIPE   ? EXIT_SIGPIPE
		     : sig == LINUX_SIGALRM ? EXIT_SIGALRM
					    : EXIT_SIGNAL);
}

static void interrupt_wake(struct thread *t, uintptr_t how);

/*
 * A signal for the process: SIGPIPE, synchronously, by a write that found
 * no reader; SIGALRM by the interval timer's thread (sys_itimer.c); any
 * signal the application sends itself (kill, tkill, tgkill: musl's raise).
 * Ignored: nothing. Blocked: kept, and acted on when a mask lets it through
 * (sigprocmask, rt_sigreturn, rt_sigsuspend; musl's raise blocks every
 * signal around its tkill, so this is how raise works at all). Otherwise
 * its default action, or its handler: a synchronous signal's runs when the
 * raising call returns; one from another thread when the next system call
 * of an application thread returns (sys_signal_deliver), or one asleep in
 * pause, rt_sigsuspend or a sleep claims it (wait_for_signal), or one
 * asleep in another blocking call (sys_signal_wait_event: read, poll,
 * futex...) does, and that call ends. A thread that makes no system call
 * is not interrupted. True when a handler is to run.
 */
static bool raise_signal(int sig, const char *why, bool synchronous)
{
	struct k_sigaction act;
	bool is_blocked;

	mutex_lock(&signal_lock);
	act = actions[sig - 1];
	is_blocked = synchronous ? (blocked & BIT(sig)) != 0
				 : __atomic_load_n(&threads_open[sig - 1], __ATOMIC_RELAXED) == 0;
	if (act.handler != LINUX_SIG_IGN)
		__atomic_store_n(&pending_why[sig - 1], why, __ATOMIC_RELAXED);
	if (is_blocked && act.handler != LINUX_SIG_IGN)
		pending_blocked |= BIT(sig);
	mutex_unlock(&signal_lock);
	if (is_blocked && act.handler != LINUX_SIG_IGN) {
		waitqueue_wake_all(&signal_wq); /* a thread in sigtimedwait may want it */
		sys_signalfd_raised();          /* or one reading or polling a signalfd */
	}
	if (act.handler == LINUX_SIG_IGN || is_blocked)
		return false;
	if (act.handler == LINUX_SIG_DFL) {
		default_action(sig, why);
		return false;
	}
	if (synchronous) {
		thread_signal_raise(sig);
	} else {
		__atomic_fetch_or(&async_pending, BIT(sig), __ATOMIC_SEQ_CST);
		waitqueue_wake_all(&signal_wq);
		sys_signalfd_raised();
		/* A thread asleep in another call (read, poll, futex) that lets
		 * it through: a few are woken, one claims it (signal_claimed). */
		thread_signal_interrupt(0, BIT(sig), interrupt_wake);
	}
	return true;
}

/* After the mask changed: what it now lets through is raised on this thread.
 * True when a handler will run at this call's return. */
static bool raise_unblocked(void)
{
	bool handler = false;
	uint64_t now;

	/* Every rt_sigprocmask comes here (musl's raise and pthread calls make
	 * many): with nothing let through, one look under the lock is all. */
	mutex_lock(&signal_lock);
	now = pending_blocked & ~blocked;
	pending_blocked &= ~now;
	mutex_unlock(&signal_lock);
	while (now) {
		int sig = __builtin_ctzll(now) + 1;

		now &= now - 1;
		/* Its reason stays put: it is rewritten only when the signal is raised again. */
		handler |= raise_signal(sig, __atomic_load_n(&pending_why[sig - 1], __ATOMIC_RELAXED),
					true);
	}
	return handler;
}

/*
 * Delivery, as Linux's x86-64 does it: below the red zone of the stack the
 * call was made on (or the alternate stack, SA_ONSTACK), a frame of the
 * handler's return address (the restorer musl names, __restore_rt), a
 * ucontext (Linux's layout: the registers the call returns with, the mask
 * to restore) and a siginfo; the call then "returns" into the handler with
 * (sig, &info, &uc), its mask widened by sa_mask and the signal itself. The
 * handler's return reaches rt_sigreturn, which puts back what the ucontext
 * holds. Only what a system call's return defines is saved (the argument
 * registers and rax; the callee-saved ones are the handler's to keep), and
 * no vector state: a call may clobber those anyway.
 */
#define LINUX_SA_SIGINFO   0x00000004u
#define LINUX_SA_ONSTACK   0x08000000u
#define LINUX_SA_RESTORER  0x04000000u
#define LINUX_SA_NODEFER   0x40000000u
#define LINUX_SA_RESETHAND 0x80000000u
#define LINUX_SA_RESTART   0x10000000u
#define SYSCALL_INSN_SIZE  2 /* syscall: 0f 05 */
#define RED_ZONE           128
#define SI_KERNEL          0x80
/* The flags rt_sigreturn may give back: the arithmetic ones and DF; IF
 * always on, nothing else (IOPL, AC, TF...) from the application. */
#define RFLAGS_USER        0x0cd5u
#define RFLAGS_IF          0x200u
#define RFLAGS_DF          0x400u /* clear when a function is entered (the ABI) */

struct k_mcontext { /* Linux's struct sigcontext, 256 bytes */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

struct k_ucontext {
	uint64_t flags, link;
	struct k_stack stack;
	struct k_mcontext mc;
	uint64_t sigmask;
};

struct k_siginfo {
	int32_t signo, errno_, code, pad;
	uint8_t rest[112];
};

struct k_sigframe {
	uint64_t restorer; /* the handler's return address */
	struct k_ucontext uc;
	struct k_siginfo info;
};

_Static_assert(sizeof(struct k_mcontext) == 256, "Linux's sigcontext");
_Static_assert(sizeof(struct k_siginfo) == 128, "Linux's siginfo");

/*
 * What a signal's siginfo says beyond its number: si_code SI_KERNEL
 * (SIGPIPE, the interval timer's SIGALRM), SI_USER for kill and SI_TKILL
 * for tkill and tgkill with the sender's pid (si_uid 0), or for one a
 * POSIX timer raised (sys_timer.c) SI_TIMER with the timer's id, overrun
 * and sigev_value at Linux's offsets (musl's SIGEV_THREAD helper runs
 * the notify function only for SI_TIMER). One per signal number, as a
 * signal pending twice is pending once: the first raise's stays while the
 * signal is pending for the process, as Linux keeps the first siginfo;
 * taken (back to SI_KERNEL) by the delivery, sigtimedwait or signalfd
 * read that reports it. Under signal_lock.
 */
#define SI_USER  0
#define SI_TIMER (-2)
#define SI_TKILL (-6)
struct signal_origin {
	bool known;  /* false: SI_KERNEL */
	int32_t code; /* SI_USER (kill), SI_TKILL (tkill, tgkill), SI_TIMER */
	int32_t timerid, overrun; /* SI_TIMER's */
	uint64_t value;
	int32_t pid;  /* SI_USER's and SI_TKILL's sender (uid: always 0, root) */
};
static struct signal_origin origins[LINUX_NSIG + 1];

static void take_origin(int sig, struct k_siginfo *info)
{
	struct signal_origin o;

	mutex_lock(&signal_lock);
	o = origins[sig];
	origins[sig] = (struct signal_origin){ 0 };
	mutex_unlock(&signal_lock);
	memset(info, 0, sizeof(*info));
	info->signo = sig;
	info->code = o.known ? o.code : SI_KERNEL;
	if (o.known && o.code == SI_TIMER) {
		memcpy(info->rest, &o.timerid, 4);
		memcpy(info->rest + 4, &o.overrun, 4);
		memcpy(info->rest + 8, &o.value, 8);
	} else if (o.known) {
		memcpy(info->rest, &o.pid, 4); /* si_pid; si_uid (rest + 4) is 0 */
	}
}

static void set_origin(int sig, struct signal_origin o)
{
	mutex_lock(&signal_lock);
	if (!((pending_blocked | __atomic_load_n(&async_pending, __ATOMIC_RELAXED)) & BIT(sig)))
		origins[sig] = o;
	mutex_unlock(&signal_lock);
}

static bool on_altstack(uint64_t sp)
{
	return !(altstack.flags & LINUX_SS_DISABLE) && sp - altstack.sp < altstack.size;
}

/* One signal into f; false when its frame cannot be written (then the run ends). */
static bool deliver_one(const struct syscall_env *env, struct syscall_frame *f, long *ret,
			int sig)
{
	struct k_sigframe frame;
	struct k_sigaction act;
	uint64_t sp, at, old_mask, rip = f->rip;
	long result = *ret;
	/* rt_sigreturn's value is the frame's rax, whatever it holds (Linux
	 * restarts only a call, not a return from a handler). */
	bool restart = result == -SYS_ERESTARTSYS && f->nr != NR_RT_SIGRETURN;

	mutex_lock(&signal_lock);
	act = actions[sig - 1];
	old_mask = blocked;
	if (act.handler == LINUX_SIG_IGN || act.handler == LINUX_SIG_DFL) {
		mutex_unlock(&signal_lock); /* changed since it was raised */
		return true;
	}
	if (suspend_active) { /* the handler's return puts back the mask sigsuspend replaced */
		old_mask = suspend_mask;
		suspend_active = false;
	}
	set_blocked(blocked | act.mask | (act.flags & LINUX_SA_NODEFER ? 0 : 1ull << (sig - 1)));
	if (act.flags & LINUX_SA_RESETHAND)
		actions[sig - 1].handler = LINUX_SIG_DFL;
	mutex_unlock(&signal_lock);
	if (!(act.flags & LINUX_SA_RESTORER))
		return false; /* no way back from the handler: musl always names one */
	/* A call a signal cut short: with SA_RESTART the handler's return
	 * issues it again (its number in rax, the syscall instruction next),
	 * as Linux's; without, -EINTR. */
	if (restart && (act.flags & LINUX_SA_RESTART)) {
		result = (long)f->nr;
		rip -= SYSCALL_INSN_SIZE;
	} else if (restart) {
		result = -EINTR;
	}
	sp = f->rsp - RED_ZONE;
	if ((act.flags & LINUX_SA_ONSTACK) && !(altstack.flags & LINUX_SS_DISABLE) &&
	    !on_altstack(f->rsp))
		sp = altstack.sp + altstack.size;
	/* The handler starts as after a call: its return address at 8 mod 16. */
	at = ((sp - sizeof(frame)) & ~15ull) - 8;
	memset(&frame, 0, sizeof(frame));
	frame.restorer = act.restorer;
	frame.uc.stack = altstack;
	frame.uc.mc = (struct k_mcontext){
		.r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .rdi = f->rdi, .rsi = f->rsi,
		.rdx = f->rdx, .rax = (uint64_t)result, .rsp = f->rsp, .rip = rip,
		.eflags = f->rflags, .oldmask = old_mask,
	};
	frame.uc.sigmask = old_mask;
	take_origin(sig, &frame.info);
	if (syscall_check_range(env, at, sizeof(frame), true) ||
	    app_copy((void *)at, &frame, sizeof(frame)))
		return false;
	f->rip = act.handler;
	f->rflags &= ~(uint64_t)RFLAGS_DF;
	f->rsp = at;
	f->rdi = (uint64_t)sig;
	f->rsi = at + offsetof(struct k_sigframe, info);
	f->rdx = at + offsetof(struct k_sigframe, uc);
	*ret = 0; /* rax: no vector arguments, as for a variadic call */
	return true;
}

/* The signals from other threads this thread may take now; those it blocks
 * stay for a thread that lets them through (a signal for the process, as
 * Linux's: parking them with the blocked ones left a thread that blocks
 * everything holding SIGALRM, and the thread that let it through never ran
 * its handler), or for this one's mask to change. */
static uint64_t take_async(void)
{
	uint64_t sigs;

	/* Every call's return asks: the common answer is one load, also while
	 * a signal this thread blocks waits for another (blocked is its own). */
	if (!(__atomic_load_n(&async_pending, __ATOMIC_RELAXED) & ~blocked))
		return 0;
	mutex_lock(&signal_lock);
	sigs = __atomic_fetch_and(&async_pending, blocked, __ATOMIC_ACQUIRE) & ~blocked;
	mutex_unlock(&signal_lock);
	return sigs;
}

void sys_signal_deliver(const struct syscall_env *env, struct syscall_frame *f, long *ret)
{
	uint64_t own = thread_signal_take(), pending;

	if (own & blocked) { /* sent by another thread while this one blocks it */
		mutex_lock(&signal_lock);
		pending_blocked |= own & blocked;
		mutex_unlock(&signal_lock);
		sys_signalfd_raised(); /* now the process's: another thread's signalfd sees it */
		own &= ~blocked;
	}
	pending = own | take_async();

	while (pending) {
		int sig = __builtin_ctzll(pending) + 1;

		pending &= pending - 1;
		if (!deliver_one(env, f, ret, sig)) {
			kprintf("carapace: signal %d: its handler's frame cannot be written below "
				"%#lx (a bad stack), or no restorer: the run ends\n", sig,
				(unsigned long)f->rsp);
			sys_app_exit(EXIT_SIGPIPE);
		}
	}
	if (*ret == -SYS_ERESTARTSYS && f->nr != NR_RT_SIGRETURN) {
		/* Cut short, and no handler ran after all (its action changed
		 * meanwhile): the call starts again, as Linux's does. */
		f->rip -= SYSCALL_INSN_SIZE;
		*ret = (long)f->nr;
	}
	if (__atomic_load_n(&suspend_active, __ATOMIC_RELAXED)) {
		/* rt_sigsuspend woke with no handler left to run: its mask goes back now. */
		mutex_lock(&signal_lock);
		if (suspend_active)
			set_blocked(suspend_mask);
		suspend_active = false;
		mutex_unlock(&signal_lock);
	}
}

/*
 * rt_sigreturn: the handler returned through the restorer, so f->rsp
 * points at the ucontext of its frame (the return address was popped).
 * What it holds is the application's to change, but only within what a
 * call may return with: rflags keeps IF on and takes no system flag.
 */
long sys_signal_return(const struct syscall_env *env, struct syscall_frame *f)
{
	struct k_ucontext uc;

	if (syscall_check_range(env, f->rsp, sizeof(uc), false) ||
	    app_copy(&uc, (const void *)f->rsp, sizeof(uc))) {
		kprintf("carapace: rt_sigreturn with no signal frame at %#lx: the run ends\n",
			(unsigned long)f->rsp);
		sys_app_exit(EXIT_SIGPIPE);
	}
	mutex_lock(&signal_lock);
	set_blocked(uc.sigmask);
	mutex_unlock(&signal_lock);
	raise_unblocked(); /* delivered on top of the restored frame, as Linux does */
	f->r8 = uc.mc.r8;
	f->r9 = uc.mc.r9;
	f->r10 = uc.mc.r10;
	f->rdi = uc.mc.rdi;
	f->rsi = uc.mc.rsi;
	f->rdx = uc.mc.rdx;
	f->rsp = uc.mc.rsp;
	f->rip = uc.mc.rip;
	f->rflags = (uc.mc.eflags & RFLAGS_USER) | RFLAGS_IF | 0x2;
	return (long)uc.mc.rax;
}

void sys_signal_pipe(void)
{
	set_origin(LINUX_SIGPIPE, (struct signal_origin){ 0 });
	raise_signal(LINUX_SIGPIPE, "a write to a socket or pipe without a reader", true);
}

void sys_signal_alarm(void)
{
	set_origin(LINUX_SIGALRM, (struct signal_origin){ 0 });
	raise_signal(LINUX_SIGALRM, "the interval timer expired", false);
}

static long signal_thread(const struct syscall_env *env, int tid, int sig,
			  const struct signal_origin *origin);

bool sys_signal_is_app_thread(const struct syscall_env *env, int tid)
{
	return is_app_thread(env, tid);
}

void sys_signal_timer(const struct syscall_env *env, int sig, int tid, int timerid, int overrun,
		      uint64_t value)
{
	set_origin(sig, (struct signal_origin){ true, SI_TIMER, timerid, overrun, value, 0 });
	if (tid)
		signal_thread(env, tid, sig, NULL); /* its origin is set */
	else
		raise_signal(sig, "a POSIX timer expired", false);
}

/* A signal sent to this process by itself (kill, tkill, tgkill): 0 probes.
 * for_process (kill): a thread that blocks it leaves it to another thread
 * that lets it through, as a signal from another thread (Linux gives a
 * process's signal to any thread that does not block it); the calling
 * thread takes it when it lets it through. */
static long signal_self(const struct syscall_env *env, int sig, bool for_process)
{
	if (sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	if (sig != 0)
		set_origin(sig, (struct signal_origin){ .known = true, .pid = env->pid,
							.code = for_process ? SI_USER : SI_TKILL });
	if (sig != 0)
		raise_signal(sig, "sent by the application to itself",
			     !for_process || !(blocked & BIT(sig)));
	return 0;
}

static long sys_kill(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int pid = (int)args[0];

	/* Ourselves: our pid or our process group (0). -1 spares pid 1, which we are. */
	if (pid != env->pid && pid != 0)
		return -ESRCH;
	return signal_self(env, (int)args[1], true);
}

/*
 * A signal for another thread of the process (pthread_kill, musl's
 * pthread_cancel). No such thread of the application (gone, or a kernel
 * thread's id): -ESRCH, looked at first as on Linux, whatever the signal
 * (then a bad signal is -EINVAL). Ignored: nothing; a default action that
 * ends the run ends it (Linux ends the process); a handler is marked
 * pending on that thread and runs when its next system call returns (a
 * sleep is cut short for it: sys_signal_sleep's wait looks at the
 * thread's own signals too, and so does an interruptible wait:
 * sys_signal_wait_event). 0 probes.
 */
static long signal_thread(const struct syscall_env *env, int tid, int sig,
			  const struct signal_origin *origin)
{
	struct k_sigaction act;

	if (!is_app_thread(env, tid))
		return -ESRCH;
	if (sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;
	if (origin != NULL)
		set_origin(sig, *origin);
	mutex_lock(&signal_lock);
	act = actions[sig - 1];
	mutex_unlock(&signal_lock);
	if (act.handler == LINUX_SIG_IGN ||
	    (act.handler == LINUX_SIG_DFL && (BIT(sig) & (DEFAULT_IGNORED | DEFAULT_STOPS))))
		return 0;
	/* A fatal default acts now, unless the thread blocks the signal: then
	 * it waits there (sigwaitinfo takes it; unblocking it acts), as Linux. */
	if (act.handler == LINUX_SIG_DFL && !thread_signal_blocks_id((uint64_t)tid, sig)) {
		default_action(sig, "sent by the application to one of its threads");
		return 0;
	}
	/* It may have ended since: then, as if it had been gone before. */
	if (!thread_signal_raise_id((uint64_t)tid, sig))
		return -ESRCH;
	waitqueue_wake_all(&signal_wq);
	sys_signalfd_raised(); /* the thread may read or poll a signalfd */
	thread_signal_interrupt((uint64_t)tid, 0, interrupt_wake); /* asleep in read, poll... */
	return 0;
}

static long sys_tgkill(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int tgid = (int)args[0], tid = (int)args[1];

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (tgid != env->pid)
		return -ESRCH;
	if (tid != env->gettid(env->ctx)) {
		struct signal_origin o = { .known = true, .code = SI_TKILL, .pid = env->pid };

		return signal_thread(env, tid, (int)args[2], &o);
	}
	return signal_self(env, (int)args[2], false);
}

static long sys_rt_sigaction(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int sig = (int)args[0];
	struct k_sigaction act, old;

	(void)env;
	if ((size_t)args[3] != sizeof(uint64_t) || sig < 1 || sig > LINUX_NSIG)
		return -EINVAL;
	if (args[1] && (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP))
		return -EINVAL;
	if (args[1])
		memcpy(&act, (const void *)args[1], sizeof(act)); /* before oact: they may alias */
	mutex_lock(&signal_lock);
	old = actions[sig - 1];
	if (args[1])
		actions[sig - 1] = act;
	mutex_unlock(&signal_lock);
	if (args[2])
		memcpy((void *)args[2], &old, sizeof(old));
	return 0;
}

static long sys_rt_sigprocmask(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int how = (int)args[0];
	uint64_t set = 0, old;

	(void)env;
	if ((size_t)args[3] != sizeof(uint64_t))
		return -EINVAL;
	if (args[1]) {
		if (how != LINUX_SIG_BLOCK && how != LINUX_SIG_UNBLOCK && how != LINUX_SIG_SETMASK)
			return -EINVAL;
		memcpy(&set, (const void *)args[1], sizeof(set));
	}
	mutex_lock(&signal_lock);
	old = blocked;
	if (args[1])
		set_blocked(how == LINUX_SIG_BLOCK     ? old | set
			    : how == LINUX_SIG_UNBLOCK ? old & ~set
						       : set);
	mutex_unlock(&signal_lock);
	if (args[2])
		memcpy((void *)args[2], &old, sizeof(old));
	raise_unblocked();
	return 0;
}

/*
 * For a thread asleep in pause, rt_sigsuspend or a sleep: takes the signals
 * from other threads that the mask lets through (into *arg) so that one
 * sleeper, not every one, is cut short, as Linux gives a process's signal
 * to one thread. Called under the wait queue's lock.
 */
static bool signal_claimed(void *arg)
{
	uint64_t *claimed = arg;
	uint64_t pending = __atomic_load_n(&async_pending, __ATOMIC_ACQUIRE), mine;

	/* One sent to this thread (another's tgkill): its return runs it. */
	if (thread_signal_peek() & ~__atomic_load_n(&blocked, __ATOMIC_RELAXED))
		return true;

	do {
		mine = pending & ~__atomic_load_n(&blocked, __ATOMIC_RELAXED);
		if (!mine)
			return false;
	} while (!__atomic_compare_exchange_n(&async_pending, &pending, pending & ~mine, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	*claimed = mine;
	return true;
}

/* Sleeps until this thread claimed a signal (its handler then runs as the
 * call returns), or until deadline_ns (0: none). True when one came. */
static bool wait_for_signal(uint64_t deadline_ns)
{
	uint64_t claimed = 0;

	if (waitqueue_wait_event(&signal_wq, signal_claimed, &claimed, deadline_ns) != 0)
		return false;
	while (claimed) {
		thread_signal_raise(__builtin_ctzll(claimed) + 1);
		claimed &= claimed - 1;
	}
	return true;
}

int sys_signal_sleep(uint64_t ns, uint64_t *left_ns)
{
	uint64_t start = clock_ns();
	uint64_t deadline = ns > UINT64_MAX - start ? UINT64_MAX : start + ns, now;

	if (!wait_for_signal(deadline))
		return 0; /* slept it all */
	now = clock_ns();
	*left_ns = deadline > now ? deadline - now : 0;
	return -EINTR;
}

/*
 * Interruptible waits: a system call of an application thread that
 * sleeps (a pipe or socket read, accept, poll, epoll_wait, a futex) ends
 * when a signal's handler is to run on it, as on Linux. The thread names
 * its wait (thread_set_signal_wait: the wait queue it sleeps on, or
 * WAIT_DIRECT for a futex's) before it first looks at its condition; a
 * raiser stores the signal, then looks for such threads
 * (thread_signal_interrupt) and wakes them (interrupt_wake): either the
 * raiser sees the wait, or the sleeper's look sees the signal. The
 * condition then claims the signal (signal_claimed: a process's signal
 * goes to one sleeper), and the wait answers -EINTR; the caller answers
 * -SYS_ERESTARTSYS (restarted with SA_RESTART) or -EINTR, and the handler
 * runs as the call returns. Only the sleeping path pays: a call that does
 * not sleep never comes here. Kernel threads never call these (only
 * system call handlers do).
 */
#define WAIT_DIRECT 1 /* a futex wait: thread_wake reaches it */

static void interrupt_wake(struct thread *t, uintptr_t how)
{
	if (how == WAIT_DIRECT)
		thread_wake(t);
	else
		waitqueue_wake_thread((struct waitqueue *)how, t);
}

static void wait_named(uintptr_t how)
{
	thread_set_signal_wait(how);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* The wait is over: the signals it claimed go onto this thread, whose
 * call's return runs their handlers. */
static void wait_over(uint64_t claimed)
{
	thread_set_signal_wait(0);
	while (claimed) {
		thread_signal_raise(__builtin_ctzll(claimed) + 1);
		claimed &= claimed - 1;
	}
}

struct interruptible {
	bool (*done)(void *arg);
	void *arg;
	uint64_t claimed;
	bool interrupted;
};

static bool done_or_signal(void *arg)
{
	struct interruptible *w = arg;

	if (w->done(w->arg))
		return true;
	if (!signal_claimed(&w->claimed))
		return false;
	w->interrupted = true;
	return true;
}

int sys_signal_wait_event(struct waitqueue *wq, bool (*done)(void *arg), void *arg,
			  uint64_t deadline_ns)
{
	struct interruptible w = { done, arg, 0, false };
	int rc;

	wait_named((uintptr_t)wq);
	rc = waitqueue_wait_event(wq, done_or_signal, &w, deadline_ns);
	wait_over(w.claimed);
	return w.interrupted ? -EINTR : rc;
}

int sys_signal_futex_wait(uint32_t *uaddr, uint32_t expected, uint32_t bitset,
			  uint64_t deadline_ns)
{
	uint64_t claimed = 0;
	int rc;

	wait_named(WAIT_DIRECT);
	rc = futex_wait_interruptible(uaddr, expected, bitset, deadline_ns, signal_claimed,
				      &claimed);
	wait_over(claimed);
	return rc;
}

/* pause: sleeps until a handler is to run, which it does as the call
 * returns -EINTR. A signal whose default action ends the run ends it. */
static long sys_pause(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	(void)args;
	wait_for_signal(0);
	return -EINTR;
}

/*
 * rt_sigsuspend: pause with the mask replaced for the wait (the way to wait
 * for a signal blocked until then, without a window); the handler's return
 * puts the old mask back (deliver_one), as Linux's does.
 */
static long sys_rt_sigsuspend(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t mask;

	(void)env;
	if ((size_t)args[1] != sizeof(uint64_t))
		return -EINVAL;
	memcpy(&mask, (const void *)args[0], sizeof(mask));
	mutex_lock(&signal_lock);
	if (!suspend_active)
		suspend_mask = blocked;
	suspend_active = true;
	set_blocked(mask);
	mutex_unlock(&signal_lock);
	if (!raise_unblocked()) /* one kept while blocked runs at once */
		wait_for_signal(0);
	return -EINTR;
}

/*
 * rt_sigtimedwait (sigwait, sigtimedwait, sigwaitinfo): takes one signal of
 * the set that is pending (raised while blocked, or from another thread),
 * the lowest first, and returns its number with its siginfo; none pending:
 * waits until one is or the timeout passes (-EAGAIN; a timeout of 0 only
 * looks). The set's signals should be blocked, as POSIX asks; a signal
 * outside the set does not cut the wait short (its handler runs when the
 * next call returns).
 */
static bool wanted_pending(void *arg)
{
	uint64_t set = *(const uint64_t *)arg;

	/* The waiter's own (tgkill, a timer's SIGEV_THREAD_ID) too: it looks itself. */
	return ((__atomic_load_n(&pending_blocked, __ATOMIC_RELAXED) |
		 __atomic_load_n(&async_pending, __ATOMIC_RELAXED) | thread_signal_peek()) & set) != 0;
}

/* The lowest signal of set sent to this thread itself, taken (0: none); its others stay. */
static int take_own(uint64_t set)
{
	uint64_t own = thread_signal_take(), mine = own & set;
	int sig = mine ? __builtin_ctzll(mine) + 1 : 0;

	if (sig)
		own &= ~BIT(sig);
	while (own) {
		thread_signal_raise(__builtin_ctzll(own) + 1);
		own &= own - 1;
	}
	return sig;
}

/* The lowest signal of set pending, taken (0: none). */
static int take_pending(uint64_t set)
{
	uint64_t mine;
	int sig = 0;

	mutex_lock(&signal_lock);
	mine = (pending_blocked | __atomic_load_n(&async_pending, __ATOMIC_ACQUIRE)) & set;
	if (mine) {
		sig = __builtin_ctzll(mine) + 1;
		pending_blocked &= ~BIT(sig);
		__atomic_fetch_and(&async_pending, ~BIT(sig), __ATOMIC_ACQ_REL);
	}
	mutex_unlock(&signal_lock);
	return sig;
}

static long sys_rt_sigtimedwait(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t set, timeout_ns = 0, deadline = 0;
	struct k_siginfo info;
	int sig;

	(void)env;
	if ((size_t)args[3] != sizeof(uint64_t))
		return -EINVAL;
	memcpy(&set, (const void *)args[0], sizeof(set));
	set &= ~UNBLOCKABLE;
	if (args[2]) {
		if (sys_time_ns((const void *)args[2], 1, &timeout_ns))
			return -EINVAL;
		deadline = clock_ns() + (timeout_ns ? timeout_ns : 1);
		if (deadline < timeout_ns)
			deadline = UINT64_MAX;
	}
	while (!(sig = take_own(set)) && !(sig = take_pending(set))) {
		if (args[2] && (timeout_ns == 0 || clock_ns() >= deadline))
			return -EAGAIN;
		if (waitqueue_wait_event(&signal_wq, wanted_pending, &set, deadline) != 0)
			timeout_ns = 0; /* the deadline passed: one more look, then -EAGAIN */
	}
	take_origin(sig, &info);
	if (args[1])
		memcpy((void *)args[1], &info, sizeof(info));
	return sig;
}

/*
 * For signalfd (sys_signalfd.c): the signals of set pending for the
 * process or the calling thread, and the lowest of them taken (the
 * thread's own first) with its siginfo (0: none). The caller holds fs_lock.
 */
uint64_t sys_signal_pending_in(uint64_t set)
{
	return (__atomic_load_n(&pending_blocked, __ATOMIC_RELAXED) |
		__atomic_load_n(&async_pending, __ATOMIC_RELAXED) | thread_signal_peek()) & set;
}

int sys_signal_take(uint64_t set, void *siginfo)
{
	int sig;

	set &= ~UNBLOCKABLE;
	if (!(sig = take_own(set)) && !(sig = take_pending(set)))
		return 0;
	take_origin(sig, siginfo);
	return sig;
}

/* For /proc/self/status and stat (fs_app_process): the application's threads. */
int sys_signal_thread_count(void)
{
	size_t n;

	mutex_lock(&app_tids_lock);
	n = app_tids_len;
	mutex_unlock(&app_tids_lock);
	return (int)n + 1; /* and the main thread */
}

/* ... and its signals: pending, the caller's blocked, ignored, caught. */
void sys_signal_masks(uint64_t *pending, uint64_t *blocked_now, uint64_t *ignored,
		      uint64_t *caught)
{
	*ignored = *caught = 0;
	mutex_lock(&signal_lock);
	*pending = pending_blocked | __atomic_load_n(&async_pending, __ATOMIC_RELAXED);
	*blocked_now = blocked;
	for (int sig = 1; sig <= LINUX_NSIG; sig++) {
		if (actions[sig - 1].handler == LINUX_SIG_IGN)
			*ignored |= BIT(sig);
		else if (actions[sig - 1].handler != LINUX_SIG_DFL)
			*caught |= BIT(sig);
	}
	mutex_unlock(&signal_lock);
}

/* rt_sigpending: what was raised while blocked and waits for the mask. */
static long sys_rt_sigpending(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t set;

	(void)env;
	if ((size_t)args[1] != sizeof(uint64_t))
		return -EINVAL;
	mutex_lock(&signal_lock);
	set = (pending_blocked | __atomic_load_n(&async_pending, __ATOMIC_RELAXED)) & blocked;
	mutex_unlock(&signal_lock);
	memcpy((void *)args[0], &set, sizeof(set));
	return 0;
}

static long sys_sigaltstack(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_stack ss, old;

	(void)env;
	if (args[0]) {
		memcpy(&ss, (const void *)args[0], sizeof(ss));
		if ((uint32_t)ss.flags & ~(LINUX_SS_DISABLE | LINUX_SS_AUTODISARM | LINUX_SS_ONSTACK))
			return -EINVAL;
		if (!(ss.flags & LINUX_SS_DISABLE) && ss.size < LINUX_MINSIGSTKSZ)
			return -ENOMEM;
		if (ss.flags & LINUX_SS_DISABLE)
			ss.sp = ss.size = 0;
		ss.flags &= ~LINUX_SS_ONSTACK;
		ss.pad = 0;
	}
	mutex_lock(&signal_lock);
	old = altstack;
	if (args[0])
		altstack = ss;
	mutex_unlock(&signal_lock);
	if (args[1])
		memcpy((void *)args[1], &old, sizeof(old));
	return 0;
}

#define NR_TKILL 200

/* tkill: tgkill without the thread group (the only one is ours). */
static long sys_tkill(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const long with_group[SYSCALL_MAX_ARGS] = { env->pid, args[0], args[1] };

	return sys_tgkill(env, with_group);
}

void sys_signal_register(syscall_handler_fn *table)
{
	table[NR_RT_SIGACTION] = sys_rt_sigaction;
	table[NR_RT_SIGPROCMASK] = sys_rt_sigprocmask;
	table[NR_KILL] = sys_kill;
	table[NR_SIGALTSTACK] = sys_sigaltstack;
	table[NR_RT_SIGPENDING] = sys_rt_sigpending;
	table[NR_PAUSE] = sys_pause;
	table[NR_RT_SIGSUSPEND] = sys_rt_sigsuspend;
	table[NR_RT_SIGTIMEDWAIT] = sys_rt_sigtimedwait;
	table[NR_TGKILL] = sys_tgkill;
	table[NR_TKILL] = sys_tkill;
}
