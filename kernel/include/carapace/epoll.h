/*
 * epoll and timerfd objects (kernel/fs/epoll.c, timerfd.c): files no path
 * names, like pipes. The system calls are syscall/sys_epoll.c. Portable;
 * every call runs under the VFS lock and returns a negative errno.
 */
#ifndef CARAPACE_EPOLL_H
#define CARAPACE_EPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/vfs.h>

/* Linux's values. */
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLEXCLUSIVE_K (1u << 28)
#define EPOLLWAKEUP_K    (1u << 29)
#define EPOLLONESHOT_K   (1u << 30)
#define EPOLLET_K        (1u << 31)
/* The poll bits an entry may ask for (IN PRI OUT ERR HUP RDNORM RDBAND
 * WRNORM WRBAND MSG RDHUP). */
#define EPOLL_POLL_BITS 0x27ffu
/* What EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EPOLLEXCLUSIVE_OK \
	(VFS_POLLIN | VFS_POLLOUT | VFS_POLLERR | VFS_POLLHUP | EPOLLWAKEUP_K | EPOLLET_K | \
	 EPOLLEXCLUSIVE_K)

/* struct epoll_event as the kernel keeps it (the ABI's is packed, 12 bytes). */
struct epoll_event_k {
	uint32_t events;
	uint64_t data;
};

struct epoll;
int epoll_new(struct vfs *vfs, int flags, struct vfs_file **out);
/* The epoll behind an open file, or NULL. */
struct epoll *epoll_of_file(struct vfs_file *f);
/* EPOLL_CTL_* on (file, fd); ev may be NULL for DEL. */
int epoll_ctl_file(struct epoll *ep, int op, int fd, struct vfs_file *file,
		   const struct epoll_event_k *ev);
/* Up to max ready entries into out; the count (0: none ready). */
int epoll_collect(struct epoll *ep, struct epoll_event_k *out, int max);
/* How many entries ep has: a collect reports no more. */
int epoll_entries(const struct epoll *ep);
/*
 * The wake slot ep's waiters sleep on (0 .. EPOLL_WAKE_SLOTS - 1): an
 * event on a vnode wakes the slots of its wake_slots bits. -1: the epoll
 * is nested (watches or is watched by another), and its waiters wait as
 * poll's do, woken by every event.
 */
#define EPOLL_WAKE_SLOTS 64
int epoll_wake_slot(const struct epoll *ep);
/* f's last reference is going: every entry on it goes (file.c). */
void epoll_forget_file(struct vfs_file *f);

/* The monotonic clock a timerfd reads (clock_ns in the kernel). */
struct timerfd_clock {
	uint64_t (*now)(void *ctx);
	void *ctx;
};

struct timerfd;
/* realtime: made for CLOCK_REALTIME (its absolute times are wall-clock). */
int timerfd_new(struct vfs *vfs, const struct timerfd_clock *clock, bool realtime, int flags,
		struct vfs_file **out);
struct timerfd *timerfd_of_file(struct vfs_file *f);
bool timerfd_realtime(const struct timerfd *t);
/* at: the first expiry (monotonic ns; 0 disarms), interval: the period. */
void timerfd_arm(struct timerfd *t, uint64_t at, uint64_t interval);
/* The time to the next expiry (0: disarmed) and the period, in ns. */
void timerfd_remaining(struct timerfd *t, uint64_t *value, uint64_t *interval);
/*
 * The earliest expiry of every armed timer (0: none), after counting the
 * expirations up to now; *fired says some timer expired just now (its
 * waiters should look again instead of sleeping).
 */
uint64_t timerfd_next_expiry(uint64_t now, bool *fired);

#endif
