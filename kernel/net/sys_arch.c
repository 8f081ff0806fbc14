/*
 * sys_arch: lwIP's operating-system layer on the kernel's threads,
 * semaphores, mutexes and clock (kernel/net/README.md, "The lwIP port").
 *
 * lwIP's objects are small kernel objects from the kernel heap. A mailbox
 * is a bounded ring of pointers between two counting semaphores (filled
 * slots and free slots), so a poster blocks, or with trypost fails, when
 * it is full, and no mailbox ever grows. lwIP's "protect" sections (short,
 * nestable) are one recursive spinlock with interrupts off.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/panic.h>
#include <carapace/random.h>
#include <carapace/sem.h>
#include <carapace/spinlock.h>
#include <carapace/thread.h>

#include <lwip/sys.h>
#include <lwip/tcpip.h>

#define NS_PER_MS 1000000ull

struct sys_mbox {
	struct spinlock lock;
	struct sem filled; /* messages waiting */
	struct sem free;   /* slots left */
	unsigned head, count, size;
	void *msgs[];
};

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / NS_PER_MS);
}

/* A deadline for a wait of timeout_ms; 0 (lwIP's "forever") stays 0. */
static uint64_t deadline_after(u32_t timeout_ms)
{
	return timeout_ms == 0 ? 0 : clock_ns() + (uint64_t)timeout_ms * NS_PER_MS;
}

/* What lwIP's waits return: the milliseconds waited. */
static u32_t ms_since(uint64_t start_ns)
{
	uint64_t ms = (clock_ns() - start_ns) / NS_PER_MS;

	return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)ms;
}

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	*sem = kmalloc(sizeof(**sem));
	if (*sem == NULL)
		return ERR_MEM;
	sem_init(*sem, count);
	return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
	sem_up(*sem);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms)
{
	uint64_t start = clock_ns();

	if (timeout_ms == 0)
		sem_down(*sem);
	else if (sem_down_until(*sem, deadline_after(timeout_ms)) == -ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	return ms_since(start);
}

void sys_sem_free(sys_sem_t *sem)
{
	kfree(*sem);
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
	*m = kmalloc(sizeof(**m));
	if (*m == NULL)
		return ERR_MEM;
	mutex_init(*m);
	return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	mutex_lock(*m);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	mutex_unlock(*m);
}

void sys_mutex_free(sys_mutex_t *m)
{
	kfree(*m);
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
	struct sys_mbox *b;

	*mbox = NULL;
	if (size <= 0)
		return ERR_VAL;
	b = kmalloc(sizeof(*b) + (size_t)size * sizeof(b->msgs[0]));
	if (b == NULL)
		return ERR_MEM;
	b->lock = (struct spinlock)SPINLOCK_INIT;
	sem_init(&b->filled, 0);
	sem_init(&b->free, (uint64_t)size);
	b->head = 0;
	b->count = 0;
	b->size = (unsigned)size;
	*mbox = b;
	return ERR_OK;
}

/* Puts msg in a slot the caller has taken from b->free. */
static void mbox_put(struct sys_mbox *b, void *msg)
{
	uint64_t flags = spin_lock_irqsave(&b->lock);

	b->msgs[(b->head + b->count) % b->size] = msg;
	b->count++;
	spin_unlock_irqrestore(&b->lock, flags);
	sem_up(&b->filled);
}

/* Takes the oldest message, which the caller has counted out of b->filled. */
static void *mbox_take(struct sys_mbox *b)
{
	uint64_t flags = spin_lock_irqsave(&b->lock);
	void *msg = b->msgs[b->head];

	b->head = (b->head + 1) % b->size;
	b->count--;
	spin_unlock_irqrestore(&b->lock, flags);
	sem_up(&b->free);
	return msg;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	sem_down(&(*mbox)->free);
	mbox_put(*mbox, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	if (!sem_try_down(&(*mbox)->free))
		return ERR_MEM;
	mbox_put(*mbox, msg);
	return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout_ms)
{
	uint64_t start = clock_ns();
	void *m;

	if (timeout_ms == 0)
		sem_down(&(*mbox)->filled);
	else if (sem_down_until(&(*mbox)->filled, deadline_after(timeout_ms)) == -ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	m = mbox_take(*mbox);
	if (msg != NULL)
		*msg = m;
	return ms_since(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	void *m;

	if (!sem_try_down(&(*mbox)->filled))
		return SYS_MBOX_EMPTY;
	m = mbox_take(*mbox);
	if (msg != NULL)
		*msg = m;
	return 0;
}

/* lwIP drains a mailbox before freeing it; one still holding messages would leak them. */
void sys_mbox_free(sys_mbox_t *mbox)
{
	if ((*mbox)->count != 0)
		panic("lwIP freed a mailbox holding %u messages", (*mbox)->count);
	kfree(*mbox);
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

/* lwIP's threads (the tcpip thread) are detached kernel threads. */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg,
			    int stacksize, int prio)
{
	struct thread_attr attr = {
		.name = name,
		.stack_size = stacksize > 0 ? (size_t)stacksize : 0,
		.cpu = THREAD_ANY_CPU,
		.detached = true,
	};
	struct thread *t;

	(void)prio;
	t = thread_create(fn, arg, &attr);
	if (t == NULL)
		panic("no memory for lwIP's thread '%s'", name);
	return t;
}

/*
 * The protect section: one lock for the whole stack, taken again freely by
 * the thread that holds it (lwIP nests them). Interrupts stay off while it
 * is held, so its holder cannot be switched out or moved to another CPU.
 */
static struct spinlock protect_lock = SPINLOCK_INIT;
static struct thread *protect_owner;
static unsigned protect_depth;

sys_prot_t sys_arch_protect(void)
{
	uint64_t flags = spin_irq_save();
	struct thread *me = thread_current();

	if (__atomic_load_n(&protect_owner, __ATOMIC_RELAXED) != me) {
		spin_lock(&protect_lock);
		__atomic_store_n(&protect_owner, me, __ATOMIC_RELAXED);
	}
	protect_depth++;
	return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	if (--protect_depth == 0) {
		__atomic_store_n(&protect_owner, NULL, __ATOMIC_RELAXED);
		spin_unlock(&protect_lock);
	}
	spin_irq_restore(flags);
}

/*
 * LWIP_ASSERT_CORE_LOCKED: lwIP's raw API runs only under the core lock.
 * Before tcpip_init has made the lock, only the booting thread runs lwIP.
 */
void net_assert_core_locked(void)
{
	if (lock_tcpip_core != NULL && !mutex_owned_by_me(lock_tcpip_core))
		panic("lwIP's core entered without its lock by thread '%s'",
		      thread_name(thread_current()));
}

unsigned int net_random_u32(void)
{
	return (unsigned int)random_u64();
}

/*
 * A random initial sequence number for every connection (RFC 6528 allows
 * it; its per-tuple monotonic form only protects TIME_WAIT reuse, which
 * lwIP does not do).
 */
u32_t net_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
		  const ip_addr_t *remote_ip, u16_t remote_port)
{
	(void)local_ip;
	(void)local_port;
	(void)remote_ip;
	(void)remote_port;
	return (u32_t)random_u64();
}

/* atoi for lwIP's netif_find (kernel/net/lwip/stdlib.h): digits only. */
int net_atoi(const char *s)
{
	int n = 0;

	for (; *s >= '0' && *s <= '9' && n < 100000; s++)
		n = n * 10 + (*s - '0');
	return n;
}
