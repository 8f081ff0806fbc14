/*
 * Signals: those a process sends itself, and the bookkeeping musl's
 * start-up and abort() do.
 *
 * There is one process (pid env->pid). No signal is ever delivered yet:
 * rt_sigaction, rt_sigprocmask and sigaltstack record what they are given
 * and hand it back, so libc sees a consistent state. kill/tgkill with
 * SIGABRT to oneself is abort(): a report and status 134. Threads, exit,
 * futexes and the thread pointer (arch_prctl) are in sys_thread.c, the
 * sleeps in sys_time.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/mutex.h>
#include <carapace/thread.h>

#include "sys_kernel.h"

#define NR_RT_SIGACTION   13
#define NR_RT_SIGPROCMASK 14
#define NR_KILL           62
#define NR_SIGALTSTACK    131
#define NR_TGKILL         234

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
 * The recorded signal state, one for the process (the mask and alternate
 * stack are per thread in Linux; with one application thread so far, one
 * copy is the same thing).
 */
static struct mutex signal_lock = MUTEX_INIT;
/* No mask may hold these (sigprocmask, a handler's sa_mask, rt_sigreturn). */
#define UNBLOCKABLE ((1ull << (LINUX_SIGKILL - 1)) | (1ull << (LINUX_SIGSTOP - 1)))
static struct k_sigaction actions[LINUX_NSIG];
static uint64_t blocked;
static struct k_stack altstack = { .flags = LINUX_SS_DISABLE };

__attribute__((noreturn)) static void abort_application(void)
{
	kprintf("carapace: abort: the application called abort()\n");
	sys_app_exit(EXIT_ABORT);
}

/*
 * A signal the kernel raises itself: SIGPIPE, synchronously, by a write
 * that found no reader; SIGALRM by the interval timer's thread
 * (sys_itimer.c). The default action ends the run as Linux ends the
 * process, with status (EXIT_SIGPIPE 145: Linux's 128 + 13 = 141 is taken
 * by double-fault; EXIT_SIGALRM 146). Ignored, or blocked (Linux would
 * keep it pending; nothing here would ever deliver it), nothing happens
 * (a write's EPIPE is all). A handler of a synchronous signal runs when
 * the raising call returns (sys_signal_deliver); SIGALRM comes from
 * another thread, and asynchronous delivery (interrupting a thread
 * between two calls) does not exist yet: one line says so, once.
 */
static void raise_from_kernel(int sig, const char *name, const char *why, int status,
			      bool synchronous)
{
	static uint64_t told;
	uint64_t bit = 1ull << (sig - 1);
	struct k_sigaction act;
	bool is_blocked;

	mutex_lock(&signal_lock);
	act = actions[sig - 1];
	is_blocked = blocked & bit;
	mutex_unlock(&signal_lock);
	if (act.handler == LINUX_SIG_IGN || is_blocked)
		return;
	if (act.handler == LINUX_SIG_DFL) {
		kprintf("carapace: %s: %s (the default action ends the run)\n", name, why);
		sys_app_exit(status);
	}
	if (synchronous)
		thread_signal_raise(sig);
	else if (!(__atomic_fetch_or(&told, bit, __ATOMIC_RELAXED) & bit))
		kprintf("carapace: %s handler at %#lx not run (a signal from another thread "
			"is not delivered yet)\n", name, (unsigned long)act.handler);
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
	uint64_t sp, at, old_mask;

	mutex_lock(&signal_lock);
	act = actions[sig - 1];
	old_mask = blocked;
	if (act.handler == LINUX_SIG_IGN || act.handler == LINUX_SIG_DFL) {
		mutex_unlock(&signal_lock); /* changed since it was raised */
		return true;
	}
	blocked |= act.mask | (act.flags & LINUX_SA_NODEFER ? 0 : 1ull << (sig - 1));
	blocked &= ~UNBLOCKABLE;
	if (act.flags & LINUX_SA_RESETHAND)
		actions[sig - 1].handler = LINUX_SIG_DFL;
	mutex_unlock(&signal_lock);
	if (!(act.flags & LINUX_SA_RESTORER))
		return false; /* no way back from the handler: musl always names one */
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
		.rdx = f->rdx, .rax = (uint64_t)*ret, .rsp = f->rsp, .rip = f->rip,
		.eflags = f->rflags, .oldmask = old_mask,
	};
	frame.uc.sigmask = old_mask;
	frame.info.signo = sig;
	frame.info.code = SI_KERNEL;
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

void sys_signal_deliver(const struct syscall_env *env, struct syscall_frame *f, long *ret)
{
	uint64_t pending = thread_signal_take();

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
	blocked = uc.sigmask & ~UNBLOCKABLE;
	mutex_unlock(&signal_lock);
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
	raise_from_kernel(LINUX_SIGPIPE, "SIGPIPE", "a write to a socket or pipe without a reader",
			  EXIT_SIGPIPE, true);
}

void sys_signal_alarm(void)
{
	raise_from_kernel(LINUX_SIGALRM, "SIGALRM", "the interval timer expired", EXIT_SIGALRM,
			  false);
}

/* A signal sent to this process: 0 probes, SIGABRT aborts, SIGPIPE as a
 * write raises it, the rest are refused. */
static long signal_self(int sig)
{
	if (sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;
	if (sig == LINUX_SIGABRT)
		abort_application();
	if (sig == LINUX_SIGPIPE) {
		sys_signal_pipe();
		return 0;
	}
	return -EPERM;
}

static long sys_kill(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int pid = (int)args[0];

	/* Ourselves: our pid or our process group (0). -1 spares pid 1, which we are. */
	if (pid != env->pid && pid != 0)
		return -ESRCH;
	return signal_self((int)args[1]);
}

static long sys_tgkill(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int tgid = (int)args[0], tid = (int)args[1];

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (tgid != env->pid || tid != env->gettid(env->ctx))
		return -ESRCH;
	return signal_self((int)args[2]);
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
	if (args[1]) {
		if (how == LINUX_SIG_BLOCK)
			blocked |= set;
		else if (how == LINUX_SIG_UNBLOCK)
			blocked &= ~set;
		else
			blocked = set;
		blocked &= ~UNBLOCKABLE;
	}
	mutex_unlock(&signal_lock);
	if (args[2])
		memcpy((void *)args[2], &old, sizeof(old));
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
	table[NR_TGKILL] = sys_tgkill;
	table[NR_TKILL] = sys_tkill;
}
