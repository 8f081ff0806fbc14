/*
 * The application's threads: clone (as musl's pthread_create calls it),
 * exit of one thread, exit_group of all, and futex.
 *
 * An application thread is a kernel thread like any other: the scheduler
 * runs it on any CPU, it has its own guarded kernel, interrupt and syscall
 * stacks, and its FS base is the thread pointer clone gave it. It runs the
 * application's code on the stack clone was given (musl mapped it, with its
 * own guard page).
 *
 * There is one process: clone without CLONE_VM (fork, or posix_spawn's
 * vfork) is refused with -ENOSYS.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fs.h>
#include <carapace/memory.h>
#include <carapace/net.h>
#include <carapace/power.h>
#include <carapace/thread.h>
#include <carapace/vfs.h>

#include "sys_kernel.h"
#include <carapace/tlb.h>

#define NR_SCHED_YIELD 24
#define NR_CLONE      56
#define NR_EXIT       60
#define NR_ARCH_PRCTL 158
#define NR_FUTEX      202
#define NR_EXIT_GROUP 231
#define NR_MEMBARRIER 324

#define CLONE_VM             0x00000100
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

#define FUTEX_WAIT           0
#define FUTEX_WAKE           1
#define FUTEX_REQUEUE        3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_ANY     UINT32_MAX

/* membarrier's commands: all are served by one barrier on every CPU. */
#define MEMBARRIER_CMD_QUERY    0
#define MEMBARRIER_CMDS_SERVED  0x1f /* GLOBAL, GLOBAL_EXPEDITED and PRIVATE_EXPEDITED, and their REGISTERs */
#define MEMBARRIER_CMD_REGISTER (0x4 | 0x10)

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/* The upper half starts here; an FS base must be a canonical address. */
#define CANONICAL_HIGH_BEG 0xffff800000000000ull

#define APP_THREAD_KSTACK    (16 * 1024) /* its own code runs on clone's stack */

/* Threads of the application still running; the last one out ends the run. */
static int app_threads = 1;

const struct syscall_frame *syscall_current_frame(void)
{
	uint64_t top;

	__asm__ volatile("mov %%gs:16, %0" : "=r"(top)); /* struct cpu's syscall_stack_top */
	return (const struct syscall_frame *)(top - sizeof(struct syscall_frame));
}

struct clone_start {
	struct syscall_frame frame;
	uint64_t flags, tls, ptid, ctid;
	uint64_t signal_mask; /* the parent's, as Linux's clone gives it */
};

/* Writes tid to the application's int at addr, if that is writable memory. */
static void put_tid(const struct syscall_env *env, uint64_t addr, uint64_t tid)
{
	if (addr && syscall_check_range(env, addr, sizeof(int32_t), true) == 0)
		__atomic_store_n((int32_t *)addr, (int32_t)tid, __ATOMIC_RELEASE);
}

/* The new thread: takes its start state, then returns from clone with 0. */
static __attribute__((noreturn)) void app_thread_main(void *arg)
{
	struct clone_start cs = *(struct clone_start *)arg;
	const struct syscall_env *env = syscall_kernel_env();
	uint64_t tid = thread_id(thread_current());

	kfree(arg);
	sys_signal_thread_start(cs.signal_mask);
	if (cs.flags & CLONE_SETTLS)
		thread_set_fs_base(cs.tls);
	/* Set before any application code runs, in the child as Linux does. */
	if (cs.flags & CLONE_PARENT_SETTID)
		put_tid(env, cs.ptid, tid);
	if (cs.flags & CLONE_CHILD_SETTID)
		put_tid(env, cs.ctid, tid);
	if (cs.flags & CLONE_CHILD_CLEARTID)
		thread_set_clear_child_tid(cs.ctid);
	app_thread_enter(&cs.frame);
}

static long sys_clone(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const uint64_t thread_flags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
	uint64_t flags = (uint64_t)args[0], stack = (uint64_t)args[1], tid;
	struct thread_attr attr = { .name = "app", .stack_size = APP_THREAD_KSTACK,
				    .cpu = THREAD_ANY_CPU, .detached = true, .id_out = &tid };
	struct clone_start *cs;
	static bool told;

	if ((flags & thread_flags) != thread_flags || (flags & CLONE_VFORK)) {
		if (!told) {
			kprintf("carapace: clone with flags %#llx refused: one process, "
				"threads only (fork is not supported)\n", (unsigned long long)flags);
			told = true;
		}
		return -ENOSYS;
	}
	if (!stack)
		return -EINVAL; /* a thread on its parent's stack would corrupt it */
	/*
	 * The child would load its TLS with WRMSR, which faults on a
	 * non-canonical address: refused here, before any thread exists,
	 * with -EINVAL, the errno Carapace promises for a bad clone argument
	 * (Linux says -EPERM here; arch_prctl keeps -EPERM).
	 */
	if ((flags & CLONE_SETTLS) && !sys_canonical((uint64_t)args[4]))
		return -EINVAL;
	if (!(cs = kmalloc(sizeof(*cs))))
		return -EAGAIN;
	cs->frame = *syscall_current_frame();
	cs->frame.rsp = stack;
	cs->flags = flags;
	cs->tls = (uint64_t)args[4];
	cs->ptid = (uint64_t)args[2];
	cs->ctid = (uint64_t)args[3];
	cs->signal_mask = *thread_signal_mask();
	if (sys_signal_thread_adding() < 0) {
		kfree(cs);
		return -EAGAIN;
	}
	__atomic_fetch_add(&app_threads, 1, __ATOMIC_RELAXED);
	if (!thread_create(app_thread_main, cs, &attr)) {
		sys_signal_thread_added(0);
		__atomic_fetch_sub(&app_threads, 1, __ATOMIC_RELAXED);
		kfree(cs);
		return -EAGAIN;
	}
	sys_signal_thread_added(tid);
	/* The child writes it too, before it runs; here it is set when clone returns. */
	if (flags & CLONE_PARENT_SETTID)
		put_tid(env, (uint64_t)args[2], tid);
	return (long)tid;
}

void sys_app_exit(int status)
{
	struct vfs_fdtable *t = sys_files_lock();

	/* A socket's close queues a FIN after its data, and ends its net channel:
	 * the peer's acknowledgements then reach lwIP with no reader needed. */
	vfs_fdtable_close_all(t);
	fs_unlock();
	if (!net_quiesce(SYS_APP_EXIT_LINGER_NS))
		kprintf("carapace: warning: at exit, the network had not delivered everything "
			"the application sent after %llu ms: the rest is lost\n",
			(unsigned long long)(SYS_APP_EXIT_LINGER_NS / 1000000));
	power_exit(status);
}

/* exit: this thread only. Its clear-child-tid word is zeroed and woken (join). */
static long sys_exit(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t ctid = thread_clear_child_tid();

	if (ctid && syscall_check_range(env, ctid, sizeof(uint32_t), true) == 0) {
		__atomic_store_n((uint32_t *)ctid, 0, __ATOMIC_SEQ_CST);
		futex_wake((uint32_t *)ctid, FUTEX_BITSET_ANY, 1);
	}
	if (__atomic_sub_fetch(&app_threads, 1, __ATOMIC_ACQ_REL) == 0)
		sys_app_exit((int)(args[0] & 0xff));
	sys_signal_thread_exit();
	thread_exit();
}

static long sys_exit_group(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	sys_app_exit((int)(args[0] & 0xff));
}

/*
 * A futex timeout as a clock_ns() deadline (0: none). FUTEX_WAIT's is
 * relative; WAIT_BITSET's is absolute on CLOCK_MONOTONIC, or on
 * CLOCK_REALTIME with FUTEX_CLOCK_REALTIME.
 */
static int futex_deadline(const struct syscall_env *env, uint64_t ts, int cmd, bool realtime,
			  uint64_t *deadline)
{
	uint64_t ns, now = clock_ns();
	int rc;

	*deadline = 0;
	if (!ts)
		return 0;
	if (syscall_check_range(env, ts, 2 * sizeof(int64_t), false))
		return -EFAULT;
	if ((rc = sys_time_ns((const void *)ts, 1, &ns)))
		return rc;
	if (cmd == FUTEX_WAIT_BITSET) {
		uint64_t clock_now = env->clock_ns(env->ctx, realtime ? SYSCALL_CLOCK_REALTIME
								  : SYSCALL_CLOCK_MONOTONIC);

		ns = ns > clock_now ? ns - clock_now : 0;
	}
	*deadline = ns > UINT64_MAX - now - 1 ? 0 : now + ns + (ns == 0); /* never 0: "none" */
	return 0;
}

static long sys_futex(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint32_t *uaddr = (uint32_t *)args[0], *uaddr2 = (uint32_t *)args[4];
	int op = (int)args[1], cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	uint32_t val = (uint32_t)args[2], val3 = (uint32_t)args[5];
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	uint64_t deadline;
	int rc;

	if ((uint64_t)uaddr & 3)
		return -EINVAL;
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (cmd == FUTEX_WAIT_BITSET && val3 == 0)
			return -EINVAL;
		if (syscall_check_range(env, (uint64_t)uaddr, sizeof(*uaddr), false))
			return -EFAULT;
		if ((rc = futex_deadline(env, (uint64_t)args[3], cmd, realtime, &deadline)))
			return rc;
		/* A signal's handler to run: restarted with SA_RESTART, as
		 * Linux's; with a timeout, -EINTR (Linux's restart block
		 * restarts it only when no handler ran). */
		rc = sys_signal_futex_wait(uaddr, val, cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : val3,
					   deadline);
		if (rc == -EINTR && !deadline)
			rc = -SYS_ERESTARTSYS;
		return rc;
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && val3 == 0)
			return -EINVAL;
		return futex_wake(uaddr, cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : val3, (int)val);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((uint64_t)uaddr2 & 3)
			return -EINVAL;
		if ((int)val < 0 || (int)args[3] < 0)
			return -EINVAL;
		if (cmd == FUTEX_CMP_REQUEUE &&
		    syscall_check_range(env, (uint64_t)uaddr, sizeof(*uaddr), false))
			return -EFAULT;
		return futex_requeue(uaddr, uaddr2, (int)val, (int)args[3],
				     cmd == FUTEX_CMP_REQUEUE, val3);
	default:
		return -ENOSYS; /* WAKE_OP, the PI operations, FD: not used by musl */
	}
}

/*
 * membarrier: every thread of the application has passed a memory barrier
 * when it returns. An IPI to every CPU (the TLB shootdown's: an interrupt
 * is serialising, and the flush it does is harmless) gives that.
 */
static long sys_membarrier(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int cmd = (int)args[0];

	(void)env;
	if (args[1] & 0xffffffff)
		return -EINVAL;
	if (cmd == MEMBARRIER_CMD_QUERY)
		return MEMBARRIER_CMDS_SERVED;
	if (cmd <= 0 || (cmd & (cmd - 1)) || !(cmd & MEMBARRIER_CMDS_SERVED))
		return -EINVAL;
	if (!(cmd & MEMBARRIER_CMD_REGISTER)) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		tlb_shootdown();
	}
	return 0;
}

bool sys_canonical(uint64_t a)
{
	return a < LOW_HALF_END || a >= CANONICAL_HIGH_BEG;
}

static long sys_arch_prctl(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t addr = (uint64_t)args[1];

	switch ((int)args[0]) {
	case ARCH_SET_FS:
		/* WRMSR of a non-canonical base would fault in the kernel. */
		if (!sys_canonical(addr))
			return -EPERM;
		thread_set_fs_base(addr);
		return 0;
	case ARCH_GET_FS: {
		uint64_t base = thread_fs_base();

		if (syscall_check_range(env, (uintptr_t)addr, sizeof(base), true))
			return -EFAULT;
		memcpy((void *)addr, &base, sizeof(base));
		return 0;
	}
	default:
		/* GS holds the kernel's per-CPU base: never the application's. */
		return -EINVAL;
	}
}

static long sys_sched_yield(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	(void)args;
	thread_yield();
	return 0;
}

void sys_thread_register(syscall_handler_fn *table)
{
	table[NR_SCHED_YIELD] = sys_sched_yield;
	table[NR_ARCH_PRCTL] = sys_arch_prctl;
	table[NR_CLONE] = sys_clone;
	table[NR_EXIT] = sys_exit;
	table[NR_FUTEX] = sys_futex;
	table[NR_EXIT_GROUP] = sys_exit_group;
	table[NR_MEMBARRIER] = sys_membarrier;
}
