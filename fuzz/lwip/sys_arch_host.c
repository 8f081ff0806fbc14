/*
 * lwIP's operating-system layer for fuzz_net (fuzz/fuzz_net.c): one host
 * thread plays the tcpip thread, the driver and the application, so that
 * the kernel's socket layer (kernel/net/inet_socket.c, on lwIP's netconn
 * API with core locking) runs as in the kernel, and every run is
 * deterministic. The types are the kernel's (kernel/net/lwip/arch/
 * sys_arch.h: pointers), the objects this file's own.
 *
 * Nothing here can wait: with one thread, a wait nothing has signalled
 * would never end. A wait with a timeout times out at once; a wait
 * without one, a post to a full mailbox, or a mutex taken twice is a
 * panic (the socket layer's netconns are all non-blocking: such a wait
 * would hang the kernel's caller too). The tcpip thread is not started:
 * the harness runs its work (frames in, timers, and the callbacks posted
 * for it, fetched with fuzz_sys_tcpip_fetch) under the core lock.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <carapace/panic.h>

#include <lwip/sys.h>
#include <lwip/tcpip.h>

#include "sys_arch_host.h"

struct host_sem {
	unsigned count;
};

struct host_mutex {
	bool held;
};

struct host_mbox {
	unsigned head, count, size;
	void *msgs[];
};

/* The first mailbox made is tcpip_init's: the tcpip thread's. */
static struct host_mbox *tcpip_mbox;

void sys_init(void)
{
}

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	struct host_sem *s = malloc(sizeof(*s));

	*sem = (sys_sem_t)s;
	if (!s)
		return ERR_MEM;
	s->count = count;
	return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
	((struct host_sem *)*sem)->count++;
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms)
{
	struct host_sem *s = (struct host_sem *)*sem;

	if (s->count) {
		s->count--;
		return 0;
	}
	if (timeout_ms == 0)
		panic("lwIP waits forever on a semaphore nothing can signal (one thread)");
	return SYS_ARCH_TIMEOUT;
}

void sys_sem_free(sys_sem_t *sem)
{
	free(*sem);
	*sem = NULL;
}

int sys_sem_valid(sys_sem_t *sem)
{
	return *sem != NULL;
}

void sys_sem_set_invalid(sys_sem_t *sem)
{
	*sem = NULL;
}

err_t sys_mutex_new(sys_mutex_t *m)
{
	struct host_mutex *x = calloc(1, sizeof(*x));

	*m = (sys_mutex_t)x;
	return x ? ERR_OK : ERR_MEM;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	struct host_mutex *x = (struct host_mutex *)*m;

	if (x->held)
		panic("an lwIP mutex taken twice (the kernel's would deadlock)");
	x->held = true;
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	struct host_mutex *x = (struct host_mutex *)*m;

	if (!x->held)
		panic("an lwIP mutex released while free");
	x->held = false;
}

void sys_mutex_free(sys_mutex_t *m)
{
	free(*m);
	*m = NULL;
}

int sys_mutex_valid(sys_mutex_t *m)
{
	return *m != NULL;
}

void sys_mutex_set_invalid(sys_mutex_t *m)
{
	*m = NULL;
}

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	struct host_mbox *b;

	*mbox = NULL;
	if (size <= 0)
		return ERR_VAL;
	if (!(b = malloc(sizeof(*b) + (size_t)size * sizeof(b->msgs[0]))))
		return ERR_MEM;
	b->head = b->count = 0;
	b->size = (unsigned)size;
	if (!tcpip_mbox)
		tcpip_mbox = b;
	*mbox = (sys_mbox_t)b;
	return ERR_OK;
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	struct host_mbox *b = (struct host_mbox *)*mbox;

	if (b->count == b->size)
		return ERR_MEM;
	b->msgs[(b->head + b->count++) % b->size] = msg;
	return ERR_OK;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	if (sys_mbox_trypost(mbox, msg) != ERR_OK)
		panic("lwIP posts to a full mailbox (one thread: it would wait forever)");
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	struct host_mbox *b = (struct host_mbox *)*mbox;
	void *m;

	if (b->count == 0)
		return SYS_MBOX_EMPTY;
	m = b->msgs[b->head];
	b->head = (b->head + 1) % b->size;
	b->count--;
	if (msg)
		*msg = m;
	return 0;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout_ms)
{
	if (sys_arch_mbox_tryfetch(mbox, msg) == 0)
		return 0;
	if (timeout_ms == 0)
		panic("lwIP waits forever on an empty mailbox (one thread)");
	return SYS_ARCH_TIMEOUT;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
	struct host_mbox *b = (struct host_mbox *)*mbox;

	if (b->count)
		panic("lwIP freed a mailbox holding %u messages", b->count);
	free(b);
	*mbox = NULL;
}

int sys_mbox_valid(sys_mbox_t *mbox)
{
	return *mbox != NULL;
}

void sys_mbox_set_invalid(sys_mbox_t *mbox)
{
	*mbox = NULL;
}

/* The tcpip thread is not run: the harness does its work (see the top). */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize,
			    int prio)
{
	static int not_run;

	(void)name, (void)fn, (void)arg, (void)stacksize, (void)prio;
	return (sys_thread_t)&not_run;
}

sys_prot_t sys_arch_protect(void)
{
	return 0;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	(void)flags;
}

/* LWIP_ASSERT_CORE_LOCKED (kernel/net/lwip/lwipopts.h), as the kernel's. */
void net_assert_core_locked(void)
{
	if (lock_tcpip_core && !((struct host_mutex *)lock_tcpip_core)->held)
		panic("lwIP's core entered without its lock");
}

bool fuzz_sys_core_locked(void)
{
	return lock_tcpip_core && ((struct host_mutex *)lock_tcpip_core)->held;
}

unsigned fuzz_sys_tcpip_pending(void)
{
	return tcpip_mbox ? tcpip_mbox->count : 0;
}

bool fuzz_sys_tcpip_fetch(void **msg)
{
	sys_mbox_t b = (sys_mbox_t)tcpip_mbox;

	return tcpip_mbox && sys_arch_mbox_tryfetch(&b, msg) == 0;
}
