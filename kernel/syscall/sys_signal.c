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
#include <stdint.h>
#include <string.h>

#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/mutex.h>
#include <carapace/power.h>
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
static struct k_sigaction actions[LINUX_NSIG];
static uint64_t blocked;
static struct k_stack altstack = { .flags = LINUX_SS_DISABLE };

__attribute__((noreturn)) static void abort_application(void)
{
	kprintf("carapace: abort: the application called abort()\n");
	power_exit(EXIT_ABORT);
}

/*
 * A signal the kernel raises itself: SIGPIPE, synchronously, by a write
 * that found no reader; SIGALRM by the interval timer's thread
 * (sys_itimer.c). The default action ends the run as Linux ends the
 * process, with status (EXIT_SIGPIPE 145: Linux's 128 + 13 = 141 is taken
 * by double-fault; EXIT_SIGALRM 146). Ignored, or blocked (Linux would
 * keep it pending; nothing here would ever deliver it), nothing happens
 * (a write's EPIPE is all). A handler is not run: signal delivery (a
 * frame on the application's stack, rt_sigreturn) does not exist yet, so
 * one line says so, once per signal; a program whose handler only notes
 * the signal behaves as on Linux.
 */
static void raise_from_kernel(int sig, const char *name, const char *why, int status,
			      const char *after)
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
		power_exit(status);
	}
	if (!(__atomic_fetch_or(&told, bit, __ATOMIC_RELAXED) & bit))
		kprintf("carapace: %s handler at %#lx not run (no signal delivery yet)%s\n", name,
			(unsigned long)act.handler, after);
}

void sys_signal_pipe(void)
{
	raise_from_kernel(LINUX_SIGPIPE, "SIGPIPE", "a write to a socket or pipe without a reader",
			  EXIT_SIGPIPE, "; the write returns EPIPE");
}

void sys_signal_alarm(void)
{
	raise_from_kernel(LINUX_SIGALRM, "SIGALRM", "the interval timer expired", EXIT_SIGALRM, "");
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
	const uint64_t unblockable = (1ull << (LINUX_SIGKILL - 1)) | (1ull << (LINUX_SIGSTOP - 1));
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
		blocked &= ~unblockable;
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
