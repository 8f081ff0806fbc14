/*
 * fuzz_guest: a syscall fuzzer that runs inside Carapace (scripts/carapace
 * fuzz-guest; fuzz/README.md). It issues seeded random programs of system
 * calls over a pool of resources — files, directories, pipes, eventfds,
 * mappings, futex words — through the engine the host harness
 * fuzz_syscall_prog uses (fuzz/prog/syscall_prog.c), with arguments that
 * favour edge values and addresses no call may touch: the guard pages
 * around its scratch memory, non-canonical addresses, and kernel memory
 * (kernel text, this CPU's struct cpu), which the application can name
 * because it shares ring 0 with the kernel.
 *
 *   fuzz_guest --seed N --seconds S [--calls C] [--show-from K]
 *                                                  a seeded run (from call K on,
 *                                                  each call, its result and the pool)
 *   fuzz_guest --replay FILE                       the records of FILE
 *
 * The seed's stream of records is splitmix64's output, 16 bytes a record;
 * scripts/fuzz-guest makes the same stream on the host to reduce a
 * failing run to a short program. Signals get real handlers, and about
 * one record in 128 is followed by a probe of signal delivery ("Signals
 * with handlers" below). A line "fuzz-guest: seed=N calls=C"
 * comes every 2 s and at the end ("done"); a check that fails prints
 * "fuzz-guest: FAILED ..." and exits with status 3. A kernel that panics
 * or reports a violation ends the run with its own status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "prog/syscall_prog.h"

#define PAGE          4096
#define SCRATCH_SIZE  (2 * PAGE)
#define MSR_GS_BASE   0xc0000101u
#define REPORT_EVERY_NS 2000000000ull
#define EXIT_CHECK_FAILED 3
#define SHOW_CALLS_MAX 200 /* a replay this short prints each call and its result */

static uint64_t seed, calls, show_from = UINT64_MAX;
/* Calls made and calls that succeeded, by the record's first byte (show_stats). */
static uint64_t made[256], succeeded[256];
static uintptr_t no_access[5], no_write[2];

static long real_sys(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r = syscall(nr, a0, a1, a2, a3, a4, a5);

	return r == -1 ? -errno : r;
}

static void failed(const char *what)
{
	printf("fuzz-guest: FAILED at call %llu (seed %llu): %s\n", (unsigned long long)calls,
	       (unsigned long long)seed, what);
	fflush(stdout);
	exit(EXIT_CHECK_FAILED);
}

static struct prog_platform platform =
	PROG_PLATFORM(real_sys, failed, SCRATCH_SIZE, no_access, no_write);

/*
 * Signals with handlers (session 24). prog_init sets the engine's quiet
 * signals to SIG_IGN; here every one of them, and the signals the probes
 * below send, gets a real handler (SA_SIGINFO, with SA_RESTART, SA_NODEFER,
 * SA_RESETHAND, SA_ONSTACK and an sa_mask chosen by the records), so that
 * the engine's kill, tkill, tgkill, its writes to pipes without a reader
 * and its interval timers and alarms deliver into a handler. The engine
 * puts SIG_IGN or SIG_DFL back now and then; a probe installs handlers
 * again. Signals that nothing sends (HUP, INT, TERM, ...) get a handler
 * that stops the run: one coming is the kernel's mistake.
 *
 * The handler counts the signal, checks what the kernel gave it (the
 * siginfo's number; the mask it runs with: the interrupted one, plus
 * sa_mask, plus the signal unless SA_NODEFER), makes two harmless calls
 * and, when a probe armed it, leaves by siglongjmp.
 *
 * After a record whose bytes hash to 0 modulo PROBE_EVERY (so a reduced
 * program's replay makes the same probes), a probe: a signal sent to
 * ourselves (kill, tgkill, tkill, rt_sigqueueinfo) must reach its handler
 * by the time the call returns, once; blocked first, it must wait in
 * rt_sigpending and arrive when unblocked; on the alternate stack when
 * SA_ONSTACK asks; the mask as it was after the handler returns. One
 * probe in ASYNC_EVERY: a helper thread sends the signal (tgkill or kill,
 * or the probe arms a 1 ms ITIMER_REAL for SIGALRM) while this thread
 * waits in nanosleep, poll, a read of an empty pipe or a futex wait, and
 * then wakes it (a byte into the pipe, a futex wake): the wait must end
 * with a result Linux could give, and the handler must run within 2 s.
 */
#define PROBE_EVERY   128
#define ASYNC_EVERY   8
#define LAST_SIGNAL   64
#define SIG_BIT(sig)  (1ull << ((sig) - 1))
#define UNBLOCKABLE   (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))
#define FUTEX_WAIT_OP 0
#define FUTEX_WAKE_OP 1

static const int quiet_sigs[] = { SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF, SIGCHLD, SIGURG, SIGWINCH,
				  SIGIO, SIGXFSZ };
static const int probe_sigs[] = { SIGUSR1, SIGUSR2, 40, 50, 64 };
static const int unexpected_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGSTKFLT, SIGXCPU,
				       SIGPWR, SIGSYS };

static uint64_t handled[LAST_SIGNAL + 1];     /* deliveries into on_signal, by signal */
static unsigned installed_flags[LAST_SIGNAL + 1];
static uint64_t installed_mask[LAST_SIGNAL + 1];
/* What the last delivery saw (the probes check it). */
static volatile int last_signo[LAST_SIGNAL + 1];
static volatile uint64_t last_uc_mask[LAST_SIGNAL + 1];
static volatile uintptr_t last_sp[LAST_SIGNAL + 1];
static const char *volatile bad_delivery;     /* the first wrong delivery, checked after each call */
static volatile int bad_signal;
static sigjmp_buf jump_env;
static volatile sig_atomic_t jump_armed; /* the signal whose handler leaves by siglongjmp, or 0 */
static long main_tid;
static _Alignas(16) uint8_t alt_stack[1 << 16];
static uint64_t probes, async_probes, jumps, eintrs;

static uint64_t mask_now(void)
{
	uint64_t m = 0;

	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, sizeof(m));
	return m;
}

static void set_mask(int how, uint64_t m)
{
	syscall(SYS_rt_sigprocmask, how, &m, NULL, sizeof(m));
}

static void bad(int sig, const char *what)
{
	if (!bad_delivery) {
		bad_signal = sig;
		bad_delivery = what;
	}
}

static void on_signal(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;
	const ucontext_t *uc = context;
	uint64_t mask = mask_now(), uc_mask, want;
	volatile char here;

	memcpy(&uc_mask, &uc->uc_sigmask, sizeof(uc_mask));
	__atomic_add_fetch(&handled[sig], 1, __ATOMIC_RELAXED);
	last_signo[sig] = info->si_signo;
	last_uc_mask[sig] = uc_mask;
	last_sp[sig] = (uintptr_t)&here;
	want = (uc_mask | installed_mask[sig] |
		(installed_flags[sig] & SA_NODEFER ? 0 : SIG_BIT(sig))) & ~UNBLOCKABLE;
	if (info->si_signo != sig)
		bad(sig, "the siginfo names another signal");
	else if (mask != want)
		bad(sig, "the handler's mask is not the interrupted one + sa_mask + the signal");
	syscall(SYS_getpid); /* harmless calls from inside a handler */
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &(struct timespec){ 0 });
	errno = saved_errno;
	/* Only the probe's own signal leaves: another one's jump (the engine's
	   interval timer's SIGALRM, delivered at the same return) would skip
	   the probe signal's frame beneath it, whose handler then never runs. */
	if (jump_armed == sig && syscall(SYS_gettid) == main_tid) {
		jump_armed = 0;
		siglongjmp(jump_env, sig);
	}
}

static void on_unexpected(int sig)
{
	char line[160];
	int n = snprintf(line, sizeof(line),
			 "fuzz-guest: FAILED at call %llu (seed %llu): signal %d, which nothing "
			 "sends, reached its handler\n",
			 (unsigned long long)calls, (unsigned long long)seed, sig);

	write(1, line, (size_t)n);
	_exit(EXIT_CHECK_FAILED);
}

/* Signals whose default action is to do nothing: only these may get
   SA_RESETHAND among the ones the engine raises (SIG_DFL comes back). */
static bool default_ignores(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH;
}

static void install(int sig, unsigned flags, uint64_t mask)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = (int)(SA_SIGINFO | flags) };

	sigemptyset(&sa.sa_mask);
	for (int s = 1; s <= LAST_SIGNAL; s++)
		if ((mask & SIG_BIT(s)) && !(SIG_BIT(s) & UNBLOCKABLE) && (s < 32 || s > 34))
			sigaddset(&sa.sa_mask, s);
	installed_flags[sig] = flags;
	installed_mask[sig] = mask & ~UNBLOCKABLE & ~(7ull << 31); /* musl keeps 32-34 */
	if (sigaction(sig, &sa, NULL) != 0) {
		printf("fuzz-guest: FAILED: sigaction(%d) with a handler: %s\n", sig, strerror(errno));
		exit(EXIT_CHECK_FAILED);
	}
}

/* Flags and an sa_mask from bits of h; SA_RESETHAND only where allowed. */
static unsigned flags_from(uint64_t h, bool may_reset, bool may_onstack)
{
	unsigned f = 0;

	f |= (h & 1) ? SA_RESTART : 0;
	f |= (h & 6) == 6 ? SA_NODEFER : 0;
	f |= may_reset && (h & 0x18) == 0x18 ? SA_RESETHAND : 0;
	f |= may_onstack && (h & 0x60) == 0x60 ? SA_ONSTACK : 0;
	return f;
}

static uint64_t mask_from(uint64_t h)
{
	static const uint64_t masks[] = { 0, 0, SIG_BIT(SIGUSR2), SIG_BIT(SIGALRM) | SIG_BIT(SIGPIPE),
					  SIG_BIT(50) | SIG_BIT(SIGCHLD), ~0ull };

	return masks[h % 6];
}

static void install_quiet(uint64_t h)
{
	for (unsigned i = 0; i < sizeof(quiet_sigs) / sizeof(quiet_sigs[0]); i++, h = h >> 7 | h << 57)
		install(quiet_sigs[i], flags_from(h, default_ignores(quiet_sigs[i]), false),
			mask_from(h >> 20));
}

/*
 * The helper thread: sends a probe's signal and then wakes the waiting
 * main thread. Every signal is blocked in it, so that signals for the
 * process go to the main thread.
 */
static struct {
	int seq, done;      /* futex words: a request, and the one finished */
	int sig, how;       /* how: 0 tgkill the main thread, 1 kill the process, 2 none */
	long send_after_ns, wake_after_ns;
	int pipe_write;     /* a byte into it, and a wake of futex_word */
	int futex_word;
	long sent;          /* what the call that sent the signal answered */
} helper;

static void sleep_ns(long ns)
{
	struct timespec t = { 0, ns };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static void *helper_main(void *unused)
{
	sigset_t all;
	int seen = 0;

	(void)unused;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		while (__atomic_load_n(&helper.seq, __ATOMIC_ACQUIRE) == seen)
			syscall(SYS_futex, &helper.seq, FUTEX_WAIT_OP, seen, NULL, NULL, 0);
		seen = __atomic_load_n(&helper.seq, __ATOMIC_ACQUIRE);
		sleep_ns(helper.send_after_ns);
		if (helper.how == 0)
			helper.sent = real_sys(SYS_tgkill, getpid(), main_tid, helper.sig, 0, 0, 0);
		else if (helper.how == 1)
			helper.sent = real_sys(SYS_kill, getpid(), helper.sig, 0, 0, 0, 0);
		sleep_ns(helper.wake_after_ns);
		write(helper.pipe_write, "x", 1);
		__atomic_store_n(&helper.futex_word, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &helper.futex_word, FUTEX_WAKE_OP, 1, NULL, NULL, 0);
		__atomic_store_n(&helper.done, seen, __ATOMIC_RELEASE);
		syscall(SYS_futex, &helper.done, FUTEX_WAKE_OP, 1, NULL, NULL, 0);
	}
	return NULL;
}

static void signals_start(void)
{
	pthread_t t;

	main_tid = syscall(SYS_gettid);
	install_quiet(0x5bd1e995u);
	for (unsigned i = 0; i < sizeof(probe_sigs) / sizeof(probe_sigs[0]); i++)
		install(probe_sigs[i], 0, 0);
	for (unsigned i = 0; i < sizeof(unexpected_sigs) / sizeof(unexpected_sigs[0]); i++)
		signal(unexpected_sigs[i], on_unexpected);
	if (pthread_create(&t, NULL, helper_main, NULL) != 0) {
		printf("fuzz-guest: cannot start the signal helper thread\n");
		exit(1);
	}
}

static void probe_failed(int sig, const char *what, long detail)
{
	char line[400];

	snprintf(line, sizeof(line), "signal probe, signal %d: %s (%ld)", sig, what, detail);
	failed(line);
}

/* Sends sig to this thread or process, one of four ways; the call's result. */
static long send_self(int sig, unsigned way)
{
	siginfo_t info;

	switch (way % 4) {
	case 0:
		return real_sys(SYS_kill, getpid(), sig, 0, 0, 0, 0);
	case 1:
		return real_sys(SYS_tgkill, getpid(), main_tid, sig, 0, 0, 0);
	case 2:
		return real_sys(SYS_tkill, main_tid, sig, 0, 0, 0, 0);
	default: /* not in Carapace (-ENOSYS): then kill */
		memset(&info, 0, sizeof(info));
		info.si_signo = sig;
		info.si_code = SI_QUEUE;
		info.si_value.sival_int = 7;
		long r = real_sys(SYS_rt_sigqueueinfo, getpid(), sig, (long)&info, 0, 0, 0);

		return r == -ENOSYS ? real_sys(SYS_kill, getpid(), sig, 0, 0, 0, 0) : r;
	}
}

/* After the signal was sent: its handler must run within 2 s (each call's return may run it). */
static void await_handler(int sig, uint64_t before, const char *what, long detail)
{
	for (int i = 0; i < 2000 && __atomic_load_n(&handled[sig], __ATOMIC_RELAXED) == before; i++)
		real_sys(SYS_nanosleep, (long)&(struct timespec){ 0, 1000000 }, 0, 0, 0, 0, 0);
	if (__atomic_load_n(&handled[sig], __ATOMIC_RELAXED) == before) {
		uint64_t pending = 0;
		char line[200];

		uint64_t mask = mask_now();

		/* Kept somewhere? Blocked, it shows in rt_sigpending; unblocked again, it comes. */
		set_mask(SIG_BLOCK, SIG_BIT(sig));
		syscall(SYS_rt_sigpending, &pending, sizeof(pending));
		set_mask(SIG_UNBLOCK, SIG_BIT(sig));
		snprintf(line, sizeof(line), "%s; mask %#llx, pending when blocked %#llx, "
			 "delivered after a mask change: %s, the sending call answered %ld", what,
			 (unsigned long long)mask, (unsigned long long)pending,
			 handled[sig] != before ? "yes" : "no", helper.sent);
		probe_failed(sig, line, detail);
	}
}

/* The alternate stack when a probe's flags ask for it; false: none. */
static bool use_alt_stack(unsigned flags)
{
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };

	return (flags & SA_ONSTACK) && sigaltstack(&ss, NULL) == 0;
}

static void check_alt_stack(int sig, bool on_alt)
{
	uintptr_t lo = (uintptr_t)alt_stack, sp = last_sp[sig];

	if (on_alt && (sp < lo || sp >= lo + sizeof(alt_stack)))
		probe_failed(sig, "an SA_ONSTACK handler ran off the alternate stack", (long)sp);
	if (!on_alt && sp >= lo && sp < lo + sizeof(alt_stack))
		probe_failed(sig, "a handler without SA_ONSTACK ran on the alternate stack", (long)sp);
}

static void sync_probe(uint64_t h)
{
	int sig = probe_sigs[(h >> 8) % 5];
	unsigned flags = flags_from(h >> 12, true, true), way = (unsigned)(h >> 20);
	bool blocked_first = h & (1ull << 24), jump = h & (1ull << 25), on_alt;
	uint64_t before, mask_before, pending = 0;
	long r;

	uint64_t engine_mask = mask_now(), quiet = 0;

	/* The quiet signals wait (the engine's timers may be running), so that
	   only the probe's signal is delivered. */
	for (unsigned i = 0; i < sizeof(quiet_sigs) / sizeof(quiet_sigs[0]); i++)
		quiet |= SIG_BIT(quiet_sigs[i]);
	set_mask(SIG_BLOCK, quiet);
	install(sig, flags, mask_from(h >> 26));
	on_alt = use_alt_stack(flags);
	set_mask(SIG_UNBLOCK, SIG_BIT(sig));
	mask_before = mask_now();
	before = handled[sig];
	if (blocked_first) {
		set_mask(SIG_BLOCK, SIG_BIT(sig));
		r = send_self(sig, way);
		if (r != 0)
			probe_failed(sig, "sending a blocked signal to ourselves failed", r);
		if (handled[sig] != before)
			probe_failed(sig, "a blocked signal reached its handler", 0);
		syscall(SYS_rt_sigpending, &pending, sizeof(pending));
		if (!(pending & SIG_BIT(sig)))
			probe_failed(sig, "a blocked signal is not pending", (long)pending);
	}
	if (jump && sigsetjmp(jump_env, 1) != 0) {
		jumps++;
	} else {
		jump_armed = jump ? sig : 0;
		if (blocked_first)
			set_mask(SIG_UNBLOCK, SIG_BIT(sig));
		else if ((r = send_self(sig, way)) != 0)
			probe_failed(sig, "sending a signal to ourselves failed", r);
		jump_armed = 0;
		if (jump)
			probe_failed(sig, "the handler did not run by the return of the call", 0);
		if (mask_now() != mask_before)
			probe_failed(sig, "the mask is not as it was after the handler returned",
				     (long)mask_now());
	}
	if (handled[sig] != before + 1)
		probe_failed(sig, "the handler did not run exactly once by the return of the call",
			     (long)(handled[sig] - before));
	if (last_signo[sig] != sig)
		probe_failed(sig, "the delivery's siginfo names another signal", last_signo[sig]);
	if (last_uc_mask[sig] != mask_before)
		probe_failed(sig, "the ucontext's mask is not the one the signal interrupted",
			     (long)last_uc_mask[sig]);
	check_alt_stack(sig, on_alt);
	if (flags & SA_RESETHAND) {
		struct sigaction now;

		sigaction(sig, NULL, &now);
		if (now.sa_handler != SIG_DFL)
			probe_failed(sig, "SA_RESETHAND left the handler in place", 0);
	}
	install(sig, 0, 0); /* never SIG_DFL for long: its default ends the run */
	set_mask(SIG_SETMASK, engine_mask & ~SIG_BIT(sig));
	if (on_alt)
		sigaltstack(&(stack_t){ .ss_flags = SS_DISABLE }, NULL);
}

/*
 * The helper (or a 1 ms ITIMER_REAL) sends the signal while this thread
 * waits; then the helper writes a byte into the pipe and wakes the futex.
 */
static void async_probe(uint64_t h)
{
	static const struct timespec long_sleep = { 0, 50000000 }; /* far past the helper's wake */
	bool alarm_timer = (h >> 8) % 4 == 0, jump = h & (1ull << 10);
	int sig = alarm_timer ? SIGALRM : probe_sigs[(h >> 11) % 5], wait = (int)((h >> 14) % 4);
	unsigned flags = flags_from(h >> 16, !alarm_timer, false);
	int fds[2];
	uint64_t before;
	long r = 0;

	if (pipe(fds) != 0)
		return; /* no descriptor left: the engine's pool may hold them all */
	install(sig, flags, mask_from(h >> 24));
	set_mask(SIG_UNBLOCK, SIG_BIT(sig));
	before = handled[sig];
	helper.sig = sig;
	helper.how = alarm_timer ? 2 : (int)(h >> 30) % 2;
	helper.send_after_ns = (long)((h >> 32) % 2000) * 1000;
	helper.wake_after_ns = 2000000 + (long)((h >> 44) % 2000) * 1000;
	helper.pipe_write = fds[1];
	helper.futex_word = 0;
	if (alarm_timer)
		setitimer(ITIMER_REAL, &(struct itimerval){ .it_value = { 0, 1000 } }, NULL);
	int seq = __atomic_add_fetch(&helper.seq, 1, __ATOMIC_RELEASE);

	syscall(SYS_futex, &helper.seq, FUTEX_WAKE_OP, 1, NULL, NULL, 0);
	if (jump && sigsetjmp(jump_env, 1) != 0) {
		jumps++;
	} else {
		struct timespec left = { 0, 0 };
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		char byte;

		jump_armed = jump ? sig : 0;
		switch (wait) {
		case 0:
			r = real_sys(SYS_nanosleep, (long)&long_sleep, (long)&left, 0, 0, 0, 0);
			break;
		case 1:
			r = real_sys(SYS_poll, (long)&p, 1, 50, 0, 0, 0);
			break;
		case 2:
			r = real_sys(SYS_read, fds[0], (long)&byte, 1, 0, 0, 0);
			break;
		default:
			r = real_sys(SYS_futex, (long)&helper.futex_word, FUTEX_WAIT_OP, 0,
				     (long)&long_sleep, 0, 0);
			break;
		}
		jump_armed = 0;
		eintrs += r == -EINTR;
		if (wait == 0 && r == -EINTR &&
		    (left.tv_sec != 0 || left.tv_nsec < 0 || left.tv_nsec > long_sleep.tv_nsec))
			probe_failed(sig, "nanosleep cut short left more than it was asked",
				     left.tv_nsec);
		if (r != 0 && r != -EINTR && !(wait == 1 && r == 1) && !(wait == 2 && r == 1) &&
		    !(wait == 3 && (r == -EAGAIN || r == -ETIMEDOUT)))
			probe_failed(sig, "a wait the signal came into answered", r);
	}
	while (__atomic_load_n(&helper.done, __ATOMIC_ACQUIRE) != seq)
		syscall(SYS_futex, &helper.done, FUTEX_WAIT_OP, helper.done, NULL, NULL, 0);
	await_handler(sig, before, alarm_timer ? "SIGALRM of a 1 ms timer never reached its handler"
					       : "a signal from another thread never reached its handler "
						 "(how * 10 + wait)",
		      helper.how * 10 + wait);
	close(fds[0]);
	close(fds[1]);
	install(sig, 0, 0);
}

/* What the handlers found wrong since the last look. */
static void check_deliveries(void)
{
	if (bad_delivery)
		probe_failed(bad_signal, (const char *)bad_delivery, 0);
}

/* A probe after about one record in PROBE_EVERY, chosen by the record's bytes. */
static void maybe_probe(const uint8_t rec[PROG_RECORD])
{
	uint64_t a, b, h;

	memcpy(&a, rec, 8);
	memcpy(&b, rec + 8, 8);
	h = (a ^ (b * 0x9e3779b97f4a7c15ull));
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	check_deliveries();
	if (h % PROBE_EVERY)
		return;
	h /= PROBE_EVERY;
	probes++;
	install_quiet(h * 0x94d049bb133111ebull);
	if (h % ASYNC_EVERY == 0) {
		async_probes++;
		async_probe(h / ASYNC_EVERY);
	} else {
		sync_probe(h / ASYNC_EVERY);
	}
}

static void show_signals(void)
{
	uint64_t total = 0;

	printf("fuzz-guest: signals handled:");
	for (int sig = 1; sig <= LAST_SIGNAL; sig++)
		if (handled[sig]) {
			printf(" %d:%llu", sig, (unsigned long long)handled[sig]);
			total += handled[sig];
		}
	printf("; total %llu, probes %llu (%llu with the helper), %llu left by siglongjmp, "
	       "%llu waits cut short (EINTR)\n",
	       (unsigned long long)total, (unsigned long long)probes,
	       (unsigned long long)async_probes, (unsigned long long)jumps,
	       (unsigned long long)eintrs);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void set_up(void)
{
	uint8_t *m = mmap(NULL, SCRATCH_SIZE + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + PAGE, SCRATCH_SIZE, PROT_READ | PROT_WRITE) != 0) {
		printf("fuzz-guest: cannot map the scratch memory\n");
		exit(1);
	}
	/* A write to a pipe without a reader must answer EPIPE, not end the run. */
	signal(SIGPIPE, SIG_IGN);
	platform.scratch = m + PAGE;
	no_access[0] = (uintptr_t)m;                              /* the guard before */
	no_access[1] = (uintptr_t)(m + PAGE + SCRATCH_SIZE);      /* the guard after */
	no_access[2] = 0x0000800000000000ul;                      /* non-canonical */
	no_access[3] = (uintptr_t)-PAGE;
	no_access[4] = 16;                                        /* the null page */
	no_write[0] = (uintptr_t)&printf & ~(uintptr_t)(PAGE - 1); /* kernel text (its musl) */
	no_write[1] = (uintptr_t)rdmsr(MSR_GS_BASE);              /* this CPU's struct cpu */
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void report(const char *end)
{
	printf("fuzz-guest: seed=%llu calls=%llu%s\n", (unsigned long long)seed,
	       (unsigned long long)calls, end);
	fflush(stdout);
}

/*
 * One line at the end of a seeded run: each call's name, how often it was
 * made and how often it succeeded ("read 81234/5012"), summed over the
 * first bytes that name it; what a run reaches and what it only knocks at.
 */
static const char *name_of(unsigned first_byte)
{
	const uint8_t rec[PROG_RECORD] = { (uint8_t)first_byte };

	return prog_call_name(rec);
}

static void show_stats(void)
{
	printf("fuzz-guest: calls made/succeeded:");
	for (unsigned b = 0; b < 256; b++) {
		uint64_t n = 0, ok = 0;
		unsigned first = 0;

		while (strcmp(name_of(first), name_of(b)))
			first++;
		if (first < b)
			continue; /* counted with the first byte that names it */
		for (unsigned k = b; k < 256; k++)
			if (!strcmp(name_of(k), name_of(b)))
				n += made[k], ok += succeeded[k];
		printf(" %s %llu/%llu", name_of(b), (unsigned long long)n, (unsigned long long)ok);
	}
	printf("\n");
}

static int run_seeded(uint64_t seconds, uint64_t max_calls)
{
	struct prog_state s;
	uint64_t state = seed, start = now_ns(), next = start + REPORT_EVERY_NS;

	prog_init(&s, &platform);
	signals_start();
	while (calls < max_calls && now_ns() - start < seconds * 1000000000ull) {
		uint8_t rec[PROG_RECORD];
		uint64_t a = splitmix64(&state), b = splitmix64(&state);

		memcpy(rec, &a, 8);
		memcpy(rec + 8, &b, 8);
		if (calls >= show_from) {
			printf("fuzz-guest: pool:");
			for (unsigned i = 0; i < s.nfds; i++)
				printf(" %d/%d", s.fds[i].fd, (int)s.fds[i].kind);
			printf(" (next victim %u)\nfuzz-guest: call %llu %s ...\n", s.fd_victim % PROG_MAX_FDS,
			       (unsigned long long)calls, prog_call_name(rec));
			fflush(stdout);
		}
		long r = prog_run_call(&s, rec);

		maybe_probe(rec);
		made[rec[0]]++;
		succeeded[rec[0]] += r >= 0;
		if (calls >= show_from) {
			printf("fuzz-guest: call %llu -> %ld\n", (unsigned long long)calls, r);
			fflush(stdout);
		}
		calls++;
		if (now_ns() >= next) {
			report("");
			next += REPORT_EVERY_NS;
		}
	}
	check_deliveries();
	prog_reset(&s);
	show_stats();
	show_signals();
	report(" done");
	return 0;
}

static int run_file(const char *path)
{
	struct prog_state s;
	uint8_t rec[PROG_RECORD];
	FILE *f = fopen(path, "rb");

	if (!f) {
		printf("fuzz-guest: cannot open %s\n", path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	bool show = ftell(f) <= SHOW_CALLS_MAX * PROG_RECORD; /* a long replay is a reduction step */
	fseek(f, 0, SEEK_SET);
	prog_init(&s, &platform);
	signals_start();
	while (fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
		long r = prog_run_call(&s, rec);

		maybe_probe(rec);
		if (show)
			printf("fuzz-guest: call %llu %s -> %ld\n", (unsigned long long)calls,
			       prog_call_name(rec), r);
		calls++;
	}
	fclose(f);
	check_deliveries();
	prog_reset(&s);
	show_signals();
	printf("fuzz-guest: replayed %llu calls done\n", (unsigned long long)calls);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seconds = 10, max_calls = UINT64_MAX;
	const char *replay = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--show-from"))
			show_from = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--calls"))
			max_calls = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--replay"))
			replay = argv[i + 1];
		else {
			printf("fuzz-guest: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	set_up();
	if (replay)
		return run_file(replay);
	printf("fuzz-guest: seed=%llu, %llu s\n", (unsigned long long)seed,
	       (unsigned long long)seconds);
	return run_seeded(seconds, max_calls);
}
