/*
 * AF_INET and AF_INET6 sockets, SOCK_STREAM (TCP) and SOCK_DGRAM (UDP), on
 * lwIP's netconn API (README.md, "Sockets"). Kernel only.
 *
 * Every netconn is non-blocking: an operation that cannot go on answers
 * -EAGAIN (connect -EINPROGRESS) and the syscall layer waits for the next
 * change, as for pipes. lwIP's event callback only announces that its
 * socket changed (vfs_notify_slots: the epolls watching it and poll's
 * waiters look again; the socket found by its netconn); what is ready is
 * found by trying: poll and recv fetch the next pbuf, datagram
 * or connection without blocking and keep it until it is read. A fetch
 * that finds something new counts an event on the vnode's reader side,
 * which is what epoll's edges look at; room to send appearing counts one
 * on the writer's side.
 *
 * The application's buffers are reached with app_copy only: a send
 * through a bounce buffer, a receive from the pbufs the socket took out
 * of lwIP's mailbox; lwIP never reads or writes application memory. Each
 * operation runs under the socket's own lock, send and recv without the
 * VFS lock, the others inside it (inet_ops); lwIP calls take its core
 * lock (never the other way round: lwIP's thread takes neither).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/net.h>
#include <carapace/socket.h>
#include <carapace/spinlock.h>
#include <carapace/vfs.h>
#include <lwip/api.h>
#include <lwip/ip.h>
#include <lwip/priv/tcp_priv.h> /* struct tcp_seg: the queue TCP_CORK looks at */
#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>
#include "inet_channel.h"
#include "inet_sock.h"

#define BOUNCE        2048  /* bytes copied per step between lwIP and the application */
/*
 * A send's bounce buffer: the send's size, at most 7 steps (14 KiB), so
 * that it is a small block of the hardened heap. At 16 KiB it was 8 bytes
 * over the largest small slot (16,376 with the canary), so every send
 * took a medium block, whose zeroing and reuse check (two passes over
 * 16 KiB) were a fifth of a memcached operation's instructions.
 */
#define SEND_BOUNCE_MAX (BOUNCE * 7)
#define UDP_MAX       65507 /* the largest UDP payload over IPv4 */
#define SIN_LEN       16    /* struct sockaddr_in */
#define SIN6_LEN      28    /* struct sockaddr_in6 */
#define SIN6_LEN_MIN  24    /* Linux accepts the RFC 2133 size without scope id */
#define BACKLOG_MAX     255 /* lwIP keeps the backlog in 8 bits */


static struct vfs *net_vfs; /* the VFS whose waiters lwIP's events wake */

/*
 * lwIP's event callback names the netconn only: the sockets are found here
 * by their netconn, so that an event wakes the waiters of its own socket
 * (the epolls watching it) rather than every epoll of every thread. A
 * netconn not found (one lwIP accepted that no accept has taken yet)
 * wakes everyone. The lock keeps a socket from being freed while its
 * wake slots are read (inet_release unmaps it first).
 */
#define CONN_BUCKETS 256

static struct inet_sock *conn_buckets[CONN_BUCKETS];
static struct spinlock conn_lock = SPINLOCK_INIT;

static struct inet_sock **conn_bucket(const struct netconn *conn)
{
	return &conn_buckets[((uintptr_t)conn * 0x9e3779b97f4a7c15ull >> 32) % CONN_BUCKETS];
}

static void conn_map(struct inet_sock *is)
{
	struct inet_sock **b = conn_bucket(is->conn);
	uint64_t flags = spin_lock_irqsave(&conn_lock);

	is->conn_next = *b;
	*b = is;
	spin_unlock_irqrestore(&conn_lock, flags);
}

static void conn_unmap(struct inet_sock *is)
{
	uint64_t flags = spin_lock_irqsave(&conn_lock);

	for (struct inet_sock **at = conn_bucket(is->conn); *at; at = &(*at)->conn_next) {
		if (*at == is) {
			*at = is->conn_next;
			break;
		}
	}
	spin_unlock_irqrestore(&conn_lock, flags);
}

/*
 * lwIP's thread (or a caller under the core lock): conn changed. Poll
 * looks again after every event (changed), but only those that can make
 * the socket readier wake anyone: SENDMINUS and RCVMINUS take readiness
 * away. lwIP posts SENDMINUS on every write that finds the send buffer
 * full, so waking on it made a blocking send on a full buffer retry at
 * once, for ever: a busy loop until the peer acknowledged (fuzz_net).
 */
static void on_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	uint64_t flags, slots = 0;
	bool found = false, wake = evt != NETCONN_EVT_SENDMINUS && evt != NETCONN_EVT_RCVMINUS;

	(void)len;
	if (!net_vfs)
		return;
	/* The change (lwIP's mailbox) before the slots are read: vfs_notify_vnode. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = spin_lock_irqsave(&conn_lock);
	for (struct inet_sock *is = *conn_bucket(conn); is; is = is->conn_next) {
		if (is->conn == conn) {
			__atomic_store_n(&is->changed, 1, __ATOMIC_SEQ_CST);
			slots = __atomic_load_n(&is->s.vn.wake_slots, __ATOMIC_SEQ_CST);
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&conn_lock, flags);
	if (!wake)
		return;
	if (found)
		vfs_notify_slots(net_vfs, slots);
	else
		vfs_notify_changed(net_vfs);
}

/* The driver's thread: a frame waits in a socket's net channel. The
 * socket outlives the call: channel_close waits for it. */
static void on_channel_frame(struct channel *ch)
{
	struct inet_sock *is = ch->owner;

	__atomic_store_n(&is->changed, 1, __ATOMIC_SEQ_CST);
	vfs_notify_vnode(is->s.vfs, &is->s.vn);
}

static int lwip_errno(err_t err)
{
	return err == ERR_OK ? 0 : -err_to_errno(err);
}

/*
 * TCP_MAXSEG set before the connection: the MSS it sends with at most
 * that (lwIP took the peer's at the handshake; it does not change it
 * afterwards). The MSS this side announces in its SYN stays lwIP's
 * TCP_MSS. Under the core lock.
 */
static void clamp_mss(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->conn->pcb.tcp;

	if (pcb && is->mss_max && pcb->mss > is->mss_max)
		pcb->mss = is->mss_max;
}

/* ---- addresses ---- */

/*
 * A sockaddr_in or sockaddr_in6 (len bytes, in the kernel) as lwIP's
 * address and port. A v4-mapped IPv6 address becomes the IPv4 address.
 */
/*
 * A link-local IPv6 address (or another scoped one) names its interface by
 * the scope id: Linux's interface index, here lwIP's netif index (the
 * loopback 1, the first device 2). Without one (0), bind and connect
 * answer -EINVAL as Linux does, and a send (may_pick) takes the default
 * interface, as Linux's route lookup takes the first with a link-local
 * route. A scope id that names no interface: -ENODEV.
 */
static int addr_zone(ip6_addr_t *a6, uint32_t scope, bool may_pick)
{
	struct netif *n;

	if (!ip6_addr_lacks_zone(a6, IP6_UNKNOWN))
		return 0;
	if (scope == 0 && !may_pick)
		return -EINVAL;
	LOCK_TCPIP_CORE();
	n = scope == 0 ? netif_default : scope <= 255 ? netif_get_by_index((u8_t)scope) : NULL;
	if (n)
		ip6_addr_assign_zone(a6, IP6_UNKNOWN, n);
	UNLOCK_TCPIP_CORE();
	return n ? 0 : scope ? -ENODEV : -ENETUNREACH;
}

static int addr_in(const struct inet_sock *is, const uint8_t *a, uint32_t len, ip_addr_t *ip,
		   u16_t *port, bool may_pick)
{
	uint16_t family;

	/* __builtin_memcpy: moves, where -fno-builtin makes memcpy a call
	 * (every datagram a server sends comes here). */
	if (len < sizeof(family))
		return -EINVAL;
	__builtin_memcpy(&family, a, sizeof(family));
	*port = (u16_t)(a[2] << 8 | a[3]);
	if (is->s.family == SOCK_AF_INET) {
		uint32_t v4;

		if (len < SIN_LEN)
			return -EINVAL;
		if (family != SOCK_AF_INET)
			return -EAFNOSUPPORT;
		__builtin_memcpy(&v4, a + 4, sizeof(v4));
		ip_addr_set_ip4_u32(ip, v4);
		return 0;
	}
	if (len < SIN6_LEN_MIN)
		return -EINVAL;
	if (family != SOCK_AF_INET6)
		return -EAFNOSUPPORT;
	{
		uint32_t w[4], scope = 0;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		__builtin_memcpy(w, a + 8, sizeof(w));
		if (!__builtin_memcmp(a + 8, mapped, sizeof(mapped))) {
			ip_addr_set_ip4_u32(ip, w[3]);
			return 0;
		}
		IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
		ip6_addr_clear_zone(ip_2_ip6(ip));
		if (len >= SIN6_LEN)
			__builtin_memcpy(&scope, a + 24, sizeof(scope));
		return addr_zone(ip_2_ip6(ip), scope, may_pick);
	}
}

/*
 * Whether an AF_INET6 socket may send to or connect to `to` (addr_in's:
 * a v4-mapped address is IPv4 there), as Linux decides: an IPv4 peer
 * needs a socket that is not IPV6_V6ONLY and not bound to an IPv6
 * address (-ENETUNREACH); an IPv6 peer one not bound to a v4-mapped
 * address (-EAFNOSUPPORT). lwIP would send from the bound address of the
 * other family, its bytes taken as this one's (a TCP SYN from 7f00:1::).
 */
static int peer_family(const struct inet_sock *is, const ip_addr_t *to)
{
	if (is->s.family != SOCK_AF_INET6)
		return 0;
	if (IP_IS_V4(to))
		return netconn_get_ipv6only(is->conn) || is->bound_to == 6 ? -ENETUNREACH : 0;
	return is->bound_to == 4 ? -EAFNOSUPPORT : 0;
}

/* lwIP's address and port as the socket's family's sockaddr; its length. */
static uint32_t addr_out(const struct inet_sock *is, const ip_addr_t *ip, u16_t port, uint8_t *a)
{
	uint16_t family = (uint16_t)is->s.family;

	__builtin_memset(a, 0, SIN6_LEN); /* stores: -fno-builtin made these calls */
	__builtin_memcpy(a, &family, sizeof(family));
	a[2] = (uint8_t)(port >> 8);
	a[3] = (uint8_t)port;
	if (is->s.family == SOCK_AF_INET) {
		uint32_t v4 = IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;

		__builtin_memcpy(a + 4, &v4, sizeof(v4));
		return SIN_LEN;
	}
	if (IP_IS_V4(ip)) {
		uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));

		a[18] = a[19] = 0xff; /* ::ffff:a.b.c.d */
		__builtin_memcpy(a + 20, &v4, sizeof(v4));
	} else {
		uint32_t scope = ip6_addr_has_zone(ip_2_ip6(ip)) ? ip6_addr_zone(ip_2_ip6(ip)) : 0;

		__builtin_memcpy(a + 8, ip_2_ip6(ip)->addr, 16);
		__builtin_memcpy(a + 24, &scope, sizeof(scope)); /* sin6_scope_id */
	}
	return SIN6_LEN;
}

/* ---- what is ready: fetched without blocking, kept until read ---- */

/*
 * The next TCP pbuf lwIP queued for the socket. The window reopens when
 * the bytes are read (stream_recv), not when they are fetched: one window
 * update per read, not one per segment (each an ACK frame to send).
 */
static err_t recv_pbuf(struct inet_sock *is)
{
	return netconn_recv_tcp_pbuf_flags(is->conn, &is->rx,
					   NETCONN_DONTBLOCK | NETCONN_NOAUTORCVD);
}

/*
 * An error ended the TCP connection (a reset, a refused connect): as
 * Linux's tcp_done, the socket is shut both ways, and the error waits in
 * SO_ERROR for the first call that reports it (inet_take_error).
 */
static void fail(struct inet_sock *is, int err)
{
	is->s.error = err;
	is->failed = true;
	is->eof = true;
}

/*
 * The pending error (Linux's sk_err), taken by the first of SO_ERROR,
 * recv, send and connect that reports it. poll's answer loses POLLERR:
 * the socket is marked changed here, so that poll looks again (the
 * operations mark it too, when they finish). Nobody is woken: the
 * socket only became less ready.
 */
int inet_take_error(struct inet_sock *is)
{
	int err = is->s.error;

	is->s.error = 0;
	__atomic_store_n(&is->changed, 1, __ATOMIC_SEQ_CST);
	return err;
}

/*
 * A reset that came after the peer's FIN was fetched: lwIP's mailbox is
 * closed by then, and the error waits in the netconn. Linux's tcp_reset
 * gives a socket in CLOSE_WAIT (this side still sending) EPIPE, one in
 * LAST_ACK ECONNRESET. (lwIP's ERR_CLSD there is no error: the connection
 * ended as it should.)
 */
static void reset_after_fin(struct inet_sock *is)
{
	err_t err;

	if (!is->fin || is->failed)
		return;
	err = netconn_err(is->conn);
	if (err == ERR_RST)
		fail(is, is->shut_wr ? -ECONNRESET : -EPIPE);
	else if (err != ERR_OK && err != ERR_CLSD)
		fail(is, lwip_errno(err));
}

static void fetch(struct inet_sock *is)
{
	err_t err;

	if (is->s.listening) {
		if (!is->pending && netconn_accept(is->conn, &is->pending) == ERR_OK)
			is->s.vn.events_in++;
		return;
	}
	if (is->s.type == SOCK_DGRAM) {
		if (is->dgram || is->udp.p || is->shut_rd)
			return;
		/* The channel's ring first: lwIP's mailbox holds only what the
		 * ring had no room for, or what the fast path left to lwIP. */
		if (udp_channel_next(&is->chan, is->conn, &is->udp) ||
		    netconn_recv(is->conn, &is->dgram) == ERR_OK)
			is->s.vn.events_in++;
		return;
	}
	reset_after_fin(is);
	if (!is->connected || is->rx || is->eof)
		return;
	err = recv_pbuf(is);
	/* Nothing queued: this thread does the protocol's work on the frames
	 * its channel holds, then looks again. */
	while (err == ERR_WOULDBLOCK && inet_channel_drain(&is->chan, INET_CHANNEL_BATCH))
		err = recv_pbuf(is);
	if (err == ERR_WOULDBLOCK)
		return;
	is->s.vn.events_in++;
	if (err == ERR_OK) {
		is->rx_off = 0;
	} else if (err == ERR_CLSD) {
		/* The FIN took one unit of the window: give it back, or lwIP's
		 * close finds the window short of full and resets the connection
		 * instead of sending its FIN (tcp_close_shutdown). */
		netconn_tcp_recvd(is->conn, 1);
		is->eof = is->fin = true;
	} else {
		fail(is, lwip_errno(err));
	}
}

/* A non-blocking connect that finished: connected, or its error in SO_ERROR. */
void inet_connect_done(struct inet_sock *is)
{
	err_t err;

	if (!is->connecting || is->conn->state == NETCONN_CONNECT)
		return;
	is->connecting = false;
	err = netconn_err(is->conn);
	if (err == ERR_OK) {
		is->connected = true;
		if (is->mss_max) {
			LOCK_TCPIP_CORE();
			clamp_mss(is);
			UNLOCK_TCPIP_CORE();
		}
		inet_channel_open(&is->chan, is->conn, on_channel_frame, is);
	} else { /* a reset answering the SYN is a refusal, as Linux says */
		fail(is, err == ERR_RST ? -ECONNREFUSED : lwip_errno(err));
	}
	is->s.vn.events_out++;
}

static bool writable(struct inet_sock *is)
{
	bool room;

	if (is->s.type == SOCK_DGRAM)
		return true;
	if (is->s.listening)
		return false; /* as Linux: a listener is never writable */
	if (!is->connected || is->shut_wr)
		return !is->connecting; /* a send answers at once (an error) */
	LOCK_TCPIP_CORE();
	room = is->conn->pcb.tcp && tcp_sndbuf(is->conn->pcb.tcp) > 0 &&
	       tcp_sndqueuelen(is->conn->pcb.tcp) < TCP_SND_QUEUELEN;
	UNLOCK_TCPIP_CORE();
	return room || !is->conn->pcb.tcp;
}

/* The bytes a TCP read could take now: the fetched pbuf's rest and what
 * lwIP's mailbox holds (its recv_avail, under LWIP_SO_RCVBUF). */
static size_t stream_avail(const struct inet_sock *is)
{
	int queued = __atomic_load_n(&is->conn->recv_avail, __ATOMIC_RELAXED);

	return (is->rx ? is->rx->tot_len - is->rx_off : 0) + (size_t)(queued > 0 ? queued : 0);
}

/*
 * SO_RCVLOWAT on TCP, as Linux's: a read of want bytes (poll: any number)
 * is ready when min(SO_RCVLOWAT, want) bytes wait, or the stream ended
 * (the peer's FIN, even if still behind data in the mailbox: the pcb
 * left ESTABLISHED), or an error waits. The mark counts at most half
 * the window (RCVLOWAT_MAX), which the peer can always fill.
 */
#define RCVLOWAT_MAX (TCP_WND / 2)

static bool lowat_met(struct inet_sock *is, size_t want)
{
	size_t mark = (size_t)is->s.rcvlowat;
	struct tcp_pcb *pcb;
	bool ended;

	mark = mark < want ? mark : want;
	mark = mark < RCVLOWAT_MAX ? mark : RCVLOWAT_MAX;
	if (mark <= 1 || is->eof || is->shut_rd || is->s.error || !is->connected)
		return true;
	inet_channel_drain(&is->chan, SIZE_MAX);
	fetch(is);
	if (stream_avail(is) >= mark || is->eof)
		return true;
	LOCK_TCPIP_CORE();
	pcb = is->conn->pcb.tcp;
	ended = !pcb || (pcb->state != ESTABLISHED && pcb->state != FIN_WAIT_1 &&
			 pcb->state != FIN_WAIT_2);
	UNLOCK_TCPIP_CORE();
	return ended;
}

static unsigned inet_poll(struct socket *s)
{
	struct inet_sock *is = inet_of(s);
	unsigned mask = 0;
	bool out;

	/* All of them: acknowledgements make room to send, even while data
	 * waits unread (lwIP refuses data past a full mailbox, not them). */
	inet_channel_drain(&is->chan, SIZE_MAX);
	inet_connect_done(is);
	fetch(is);
	if ((is->rx || is->dgram || is->udp.p || is->pending || is->eof || is->shut_rd) &&
	    (s->rcvlowat <= 1 || s->type != SOCK_STREAM || lowat_met(is, SIZE_MAX)))
		mask |= VFS_POLLIN | VFS_POLLRDNORM;
	/* Shut for reading: the peer's FIN, shutdown(SHUT_RD), or an error,
	 * which shuts both ways, as Linux's tcp_done (fail). */
	if (is->eof || is->shut_rd)
		mask |= VFS_POLLRDHUP;
	if (s->error)
		mask |= VFS_POLLERR;
	/*
	 * Hung up, as Linux's tcp_poll says it: both directions shut, or a
	 * TCP socket in TCP_CLOSE: never connected nor listening (a new
	 * socket, a stopped listener, a refused connect whose connect call
	 * answered) or ended by an error (a reset, a refused connect not
	 * answered yet; its error read or not).
	 */
	if (((is->eof || is->shut_rd) && is->shut_wr) || is->failed ||
	    (s->type == SOCK_STREAM && !s->listening && !is->connected && !is->connecting))
		mask |= VFS_POLLHUP;
	out = writable(is);
	if (out) {
		mask |= VFS_POLLOUT | VFS_POLLWRNORM;
		if (!is->was_writable)
			s->vn.events_out++;
	}
	is->was_writable = out;
	return mask;
}

/* ---- moving bytes ---- */

/*
 * Moves up to n bytes between the iovecs (from offset off) and the kernel
 * buffer k: into the application (to_app) or out of it. The count moved
 * (short where a page of the application vanished).
 */
static size_t move(const struct socket_io *io, size_t off, uint8_t *k, size_t n, bool to_app)
{
	size_t done = 0;

	for (unsigned i = 0; i < io->iovcnt && done < n; i++) {
		size_t len = io->iov[i].len;
		uint8_t *app;

		if (off >= len) {
			off -= len;
			continue;
		}
		/* Only now: an empty iovec's base may be NULL, where even + 0
		 * is undefined (found by the in-guest fuzzer under UBSan). */
		app = (uint8_t *)io->iov[i].base + off;
		len = len - off < n - done ? len - off : n - done;
		if (to_app ? app_copy(app, k + done, len) : app_copy(k + done, app, len))
			break;
		done += len;
		off = 0;
	}
	return done;
}

static size_t io_total(const struct socket_io *io)
{
	size_t total = 0;

	for (unsigned i = 0; i < io->iovcnt; i++)
		total += io->iov[i].len;
	return total;
}

/*
 * A pbuf chain's bytes from off into the iovecs at at: the count copied.
 * Straight from each pbuf's payload with app_copy (move), no bounce: the
 * pbuf is this socket's alone (taken out of lwIP's mailbox), so nothing
 * of lwIP's changes it while it is copied.
 */
static size_t pbuf_to_app(struct pbuf *p, size_t off, size_t n, const struct socket_io *io, size_t at)
{
	size_t done = 0;

	for (; p && done < n; p = p->next) {
		size_t chunk, put;

		if (off >= p->len) {
			off -= p->len;
			continue;
		}
		chunk = p->len - off < n - done ? p->len - off : n - done;
		put = move(io, at + done, (uint8_t *)p->payload + off, chunk, true);
		done += put;
		if (put < chunk)
			break;
		off = 0;
	}
	return done;
}

static int64_t stream_recv(struct inet_sock *is, struct socket_io *io)
{
	size_t total = io_total(io), done = 0;

	if (is->s.listening)
		return -ENOTCONN;
	if (!is->connected && !is->eof) /* an error waiting first: a disconnect's */
		return is->s.error ? inet_take_error(is) : -ENOTCONN;
	/* A blocking read waits for SO_RCVLOWAT bytes; a non-blocking one
	 * takes what there is (sys_net.c says which: MSG_DONTWAIT). */
	if (is->s.rcvlowat > 1 && !(io->flags & SOCK_MSG_DONTWAIT) && !lowat_met(is, total))
		return -EAGAIN;
	while (done < total) {
		size_t avail, n, copied;

		fetch(is);
		if (!is->rx)
			break;
		avail = is->rx->tot_len - is->rx_off;
		n = avail < total - done ? avail : total - done;
		copied = pbuf_to_app(is->rx, is->rx_off, n, io, done);
		done += copied;
		if (copied < n)
			return done ? (int64_t)done : -EFAULT;
		if (io->flags & SOCK_MSG_PEEK)
			break; /* peeks at the first pbuf only */
		is->rx_off += n;
		if (is->rx_off == is->rx->tot_len) {
			is->rx_consumed += is->rx->tot_len;
			pbuf_free(is->rx);
			is->rx = NULL;
		}
	}
	if (is->rx_consumed) {
		/* lwIP sends the window update (an ACK) when it has grown enough. */
		netconn_tcp_recvd(is->conn, is->rx_consumed);
		is->rx_consumed = 0;
	}
	if (done)
		return (int64_t)done;
	/* A receive of 0 bytes answers as one of 1 would, without taking
	 * the byte: 0 when there is one, else it waits (Linux). */
	if (total == 0 && (fetch(is), is->rx))
		return 0;
	/* The error, once (a reset's, a refusal's); then end of file. After
	 * the peer's FIN, end of file first: the error is send's (Linux's
	 * tcp_recvmsg looks at SOCK_DONE before sk_err). */
	if (is->s.error && !is->fin)
		return inet_take_error(is);
	return is->eof || is->shut_rd ? 0 : -EAGAIN;
}

/* A datagram the channel took, read straight from its frame (no bounce:
 * app_copy from the frame, which only this socket holds). */
static int64_t dgram_recv_frame(struct inet_sock *is, struct socket_io *io)
{
	struct udp_datagram *d = &is->udp;
	size_t total = io_total(io), n = d->len < total ? d->len : total;

	if (move(io, 0, (uint8_t *)d->p->payload + d->off, n, true) < n)
		return -EFAULT; /* the datagram stays */
	if (n < d->len)
		io->msg_flags |= SOCK_MSG_TRUNC;
	io->addrlen = addr_out(is, &d->from, d->port, io->addr);
	if (!(io->flags & SOCK_MSG_PEEK)) {
		pbuf_free(d->p);
		d->p = NULL;
	}
	return (int64_t)((io->flags & SOCK_MSG_TRUNC) ? d->len : n);
}

static int64_t dgram_recv(struct inet_sock *is, struct socket_io *io)
{
	size_t total = io_total(io), len, n, copied;
	struct netbuf *d;

	fetch(is);
	if (is->udp.p)
		return dgram_recv_frame(is, io);
	if (!(d = is->dgram))
		return is->shut_rd ? 0 : -EAGAIN;
	len = netbuf_len(d);
	n = len < total ? len : total;
	copied = pbuf_to_app(d->p, 0, n, io, 0);
	if (copied < n)
		return -EFAULT; /* the datagram stays */
	if (n < len)
		io->msg_flags |= SOCK_MSG_TRUNC;
	io->addrlen = addr_out(is, netbuf_fromaddr(d), netbuf_fromport(d), io->addr);
	if (!(io->flags & SOCK_MSG_PEEK)) {
		netbuf_delete(d);
		is->dgram = NULL;
	}
	return (int64_t)((io->flags & SOCK_MSG_TRUNC) ? len : n);
}

static int64_t inet_recv(struct socket *s, struct socket_io *io)
{
	struct inet_sock *is = inet_of(s);

	io->addrlen = 0;
	if (io->flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	return s->type == SOCK_STREAM ? stream_recv(is, io) : dgram_recv(is, io);
}

/*
 * A send under TCP_CORK: the bytes queued in the pcb (lwIP's raw
 * tcp_write, as much as its buffer takes) and only whole segments sent:
 * tcp_output with Nagle on for the call, which stops at the last
 * segment while it is short and something is in flight. The first
 * segment still goes when nothing is in flight, so output starts only
 * once the queue holds more than one segment. Clearing the option sends
 * the rest (tcp_setopt). Linux also sends a corked segment after 200 ms;
 * here it waits for the next ACK that finds the window open, or the
 * cork's end. written: the count queued.
 */
static err_t corked_write(struct inet_sock *is, const void *buf, size_t len, size_t *written)
{
	struct tcp_pcb *pcb;
	size_t n;
	err_t err;

	LOCK_TCPIP_CORE();
	if (!(pcb = is->conn->pcb.tcp)) {
		UNLOCK_TCPIP_CORE();
		return ERR_CONN;
	}
	n = len < tcp_sndbuf(pcb) ? len : tcp_sndbuf(pcb);
	err = n ? tcp_write(pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) : ERR_MEM;
	if (err == ERR_OK) {
		*written = n;
		if (pcb->unsent && pcb->unsent->next) {
			bool nodelay = tcp_nagle_disabled(pcb);

			tcp_nagle_enable(pcb);
			tcp_output(pcb);
			if (nodelay)
				tcp_nagle_disable(pcb);
		}
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

static int64_t stream_send(struct inet_sock *is, struct socket_io *io)
{
	size_t total = io_total(io), done = 0;
	uint8_t on_stack[BOUNCE], *bounce = on_stack;
	err_t err = ERR_OK;

	if (io->addrlen)
		return is->connected ? -EISCONN : -ENOTCONN;
	reset_after_fin(is);
	/* The pending error first (Linux's sk_stream_error), once. The
	 * peer's FIN (eof) is no reason: a half-closed connection still
	 * carries this side's answer, as on Linux (CLOSE_WAIT). */
	if (is->s.error)
		return inet_take_error(is);
	if (is->shut_wr || is->failed)
		return -EPIPE;
	if (!is->connected)
		return is->connecting ? -EAGAIN : -EPIPE; /* Linux's tcp_sendmsg */
	if (total == 0)
		return 0; /* lwIP would say ERR_OK having written nothing: not EPIPE */
	/* Most sends fit on the (syscall) stack: no allocation, no free. */
	if (total > sizeof(on_stack) &&
	    !(bounce = kmalloc(total < SEND_BOUNCE_MAX ? total : SEND_BOUNCE_MAX)))
		return -ENOMEM;
	while (done < total) {
		size_t chunk = total - done < SEND_BOUNCE_MAX ? total - done : SEND_BOUNCE_MAX;
		size_t got = move(io, done, bounce, chunk, false), written = 0;

		if (got == 0) {
			err = ERR_ARG;
			break;
		}
		if (is->cork)
			err = corked_write(is, bounce, got, &written);
		else
			err = netconn_write_partly(is->conn, bounce, got,
						   NETCONN_COPY | NETCONN_DONTBLOCK, &written);
		done += written;
		if (err != ERR_OK || written < got)
			break;
	}
	if (bounce != on_stack)
		kfree(bounce);
	if (done)
		return (int64_t)done;
	if (err == ERR_WOULDBLOCK || err == ERR_MEM)
		return -EAGAIN;
	if (err == ERR_ARG)
		return -EFAULT;
	return err == ERR_RST ? -ECONNRESET : -EPIPE;
}

/* Where a datagram goes: ip:port, or (to_peer) the connected peer. */
struct dgram_dest {
	ip_addr_t ip;
	u16_t port;
	bool to_peer;
};

/* A send's checks: its size, the socket's state, the address (-errno). */
static int dgram_dest(struct inet_sock *is, const uint8_t *addr, uint32_t addrlen, size_t total,
		      struct dgram_dest *to)
{
	int rc;

	if (total > UDP_MAX)
		return -EMSGSIZE;
	if (is->shut_wr)
		return -EPIPE;
	if (addrlen && ((rc = addr_in(is, addr, addrlen, &to->ip, &to->port, true)) ||
			(rc = peer_family(is, &to->ip))))
		return rc;
	if (!addrlen && !is->connected)
		return -EDESTADDRREQ;
	/* As lwIP's netconn send: an any address means the connected peer. */
	to->to_peer = !addrlen || ip_addr_isany_val(to->ip) || IP_IS_ANY_TYPE_VAL(to->ip);
	return 0;
}

/* p's datagram to lwIP's raw udp_send(to), under the core lock. */
static err_t dgram_out_locked(struct inet_sock *is, struct pbuf *p, const struct dgram_dest *to)
{
	if (!is->conn->pcb.udp)
		return ERR_CONN;
	return to->to_peer ? udp_send(is->conn->pcb.udp, p)
			   : udp_sendto(is->conn->pcb.udp, p, &to->ip, to->port);
}

/*
 * Whether pcb's datagram to ip is one lwIP refuses (ERR_VAL) for being a
 * broadcast without SO_BROADCAST (IP_SOF_BROADCAST): Linux's EACCES. The
 * core lock held; looked at only after lwIP refused, or at a connect.
 */
static bool broadcast_refused(const struct udp_pcb *pcb, const ip_addr_t *ip)
{
	struct netif *n;

	if (!IP_IS_V4(ip) || ip_get_option(pcb, SOF_BROADCAST))
		return false;
	n = ip4_route(ip_2_ip4(ip));
	return n && ip4_addr_isbroadcast(ip_2_ip4(ip), n);
}

/* A send's lwIP error as -errno (the core lock held). */
static int dgram_error(struct inet_sock *is, const struct dgram_dest *to, err_t err)
{
	struct udp_pcb *pcb = is->conn->pcb.udp;

	if (err == ERR_VAL && pcb && broadcast_refused(pcb, to->to_peer ? &pcb->remote_ip : &to->ip))
		return -EACCES;
	return lwip_errno(err);
}

/* Whether IPv4 ip is reached only through a gateway (the core lock held). */
static bool off_link(const ip_addr_t *ip)
{
	const ip4_addr_t *a = ip_2_ip4(ip);
	struct netif *n;

	if (!IP_IS_V4(ip) || ip4_addr_isloopback(a) || ip4_addr_ismulticast(a) ||
	    ip4_addr_get_u32(a) == IPADDR_BROADCAST)
		return false;
	n = ip4_route(a);
	return !n || !ip4_addr_netcmp(a, netif_ip4_addr(n), netif_ip4_netmask(n));
}

/*
 * SO_DONTROUTE (or MSG_DONTROUTE), as Linux's: only a destination on a
 * link of this host's (its interface's subnet, the loopback, a broadcast
 * or multicast address) may be sent to; one reached through a gateway is
 * -ENETUNREACH. IPv6 is not looked at. The core lock held.
 */
static int dontroute(const struct inet_sock *is, const struct dgram_dest *to)
{
	const ip_addr_t *ip = to->to_peer ? &is->conn->pcb.udp->remote_ip : &to->ip;

	return off_link(ip) ? -ENETUNREACH : 0;
}

/* Whether a send leaves the pcb's port as it is (no pcb: nothing to bind). */
static bool pcb_bound(const struct inet_sock *is)
{
	return !is->conn->pcb.udp || is->conn->pcb.udp->local_port != 0;
}

/*
 * One pbuf with room for the headers, the application's bytes copied in,
 * and lwIP's raw udp_sendto under the core lock: no netbuf, no netconn
 * message.
 */
static int64_t dgram_send(struct inet_sock *is, struct socket_io *io)
{
	size_t total = io_total(io);
	struct dgram_dest to;
	struct pbuf *p;
	err_t err;
	bool was_bound;
	int rc;

	if ((rc = dgram_dest(is, io->addr, io->addrlen, total, &to)))
		return rc;
	if (!(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)total, PBUF_RAM)))
		return -ENOBUFS;
	if (total && move(io, 0, p->payload, total, false) != total) {
		pbuf_free(p);
		return -EFAULT;
	}
	LOCK_TCPIP_CORE();
	was_bound = pcb_bound(is);
	rc = is->s.dontroute || (io->flags & SOCK_MSG_DONTROUTE) ? dontroute(is, &to) : 0;
	if (!rc) {
		err = dgram_out_locked(is, p, &to);
		rc = err == ERR_OK ? 0 : dgram_error(is, &to, err);
	}
	UNLOCK_TCPIP_CORE();
	pbuf_free(p); /* lwIP took its own reference where it keeps the frame (ARP) */
	/* This send bound the pcb to a port: its channel opens now (looked at
	 * once: a socket that gets none keeps lwIP's path at no cost a send). */
	if (!was_bound)
		udp_channel_update(&is->chan, is->conn, on_channel_frame, is);
	return rc ? rc : (int64_t)total;
}

/*
 * The datagram API's receive (<carapace/dgram.h>): up to n datagrams, each
 * buffer checked for the bytes it gets (the datagram's, at most its room)
 * just before they are copied. The count, or -EAGAIN when none waits
 * (0 once the socket is shut down for reading).
 */
static int64_t dgram_recv_batch(struct inet_sock *is, struct socket_dgram *d, unsigned n,
				socket_range_fn check, const void *ctx)
{
	unsigned got;
	int64_t rc = 0;

	for (got = 0; got < n; got++) {
		struct socket_dgram *g = &d[got];
		struct socket_iov iov = { g->buf, 0 };
		struct socket_io io = { .iov = &iov, .iovcnt = 1, .addr = g->addr };
		size_t len;

		fetch(is);
		if (!is->udp.p && !is->dgram) {
			rc = is->shut_rd ? 0 : -EAGAIN;
			break;
		}
		len = is->udp.p ? is->udp.len : netbuf_len(is->dgram);
		iov.len = len < g->len ? len : g->len;
		if (iov.len && (rc = check(ctx, (uintptr_t)iov.base, iov.len, true)))
			break;
		if ((rc = dgram_recv(is, &io)) < 0)
			break;
		g->len = (uint32_t)len;
		g->flags = (uint32_t)(io.msg_flags & SOCK_MSG_TRUNC);
		g->addrlen = io.addrlen;
	}
	return got ? (int64_t)got : rc;
}

/*
 * One datagram of the API's send, under the core lock: the frame built
 * straight from the application's bytes when udp_output.c can, else a
 * pbuf through lwIP. 0 or -errno.
 */
static int dgram_send_one_locked(struct inet_sock *is, const struct socket_dgram *g,
				 const struct dgram_dest *to)
{
	struct pbuf *p;
	err_t err;
	int rc = 0;

	if (!is->conn->pcb.udp)
		return -ENOTCONN;
	if (is->s.dontroute && (rc = dontroute(is, to)))
		return rc;
	if (!to->to_peer &&
	    (rc = udp_output_frame(is->conn->pcb.udp, &to->ip, to->port, g->buf, g->len)) != 0)
		return rc < 0 ? rc : 0;
	if (!(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)g->len, PBUF_RAM)))
		return -ENOBUFS;
	if (g->len && app_copy(p->payload, g->buf, g->len)) {
		pbuf_free(p);
		return -EFAULT;
	}
	err = dgram_out_locked(is, p, to);
	pbuf_free(p);
	return err == ERR_OK ? 0 : dgram_error(is, to, err);
}

/*
 * The datagram API's send: every datagram's size, address and buffer
 * checked first (seL4's shape), then those that passed sent under one
 * core lock. The count sent, or the first one's error.
 */
static int64_t dgram_send_batch(struct inet_sock *is, struct socket_dgram *d, unsigned n,
				socket_range_fn check, const void *ctx)
{
	struct dgram_dest to[SOCK_DGRAM_BATCH];
	unsigned ok, sent;
	bool was_bound;
	int64_t rc = 0;

	if (n > SOCK_DGRAM_BATCH)
		n = SOCK_DGRAM_BATCH;
	for (ok = 0; ok < n; ok++)
		if ((rc = dgram_dest(is, d[ok].addr, d[ok].addrlen, d[ok].len, &to[ok])) ||
		    (d[ok].len && (rc = check(ctx, (uintptr_t)d[ok].buf, d[ok].len, false))))
			break;
	LOCK_TCPIP_CORE();
	was_bound = pcb_bound(is);
	for (sent = 0; sent < ok; sent++) {
		int r = dgram_send_one_locked(is, &d[sent], &to[sent]);

		if (r < 0) {
			rc = r;
			break;
		}
	}
	UNLOCK_TCPIP_CORE();
	if (!was_bound)
		udp_channel_update(&is->chan, is->conn, on_channel_frame, is);
	return sent ? (int64_t)sent : rc;
}

static int64_t inet_dgram_batch(struct socket *s, struct socket_dgram *d, unsigned n, bool send,
				socket_range_fn check, const void *ctx)
{
	struct inet_sock *is = inet_of(s);

	if (s->type != SOCK_DGRAM)
		return -EOPNOTSUPP;
	return send ? dgram_send_batch(is, d, n, check, ctx) : dgram_recv_batch(is, d, n, check, ctx);
}

static int64_t inet_send(struct socket *s, struct socket_io *io)
{
	struct inet_sock *is = inet_of(s);

	if (io->flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	inet_channel_drain(&is->chan, SIZE_MAX); /* acknowledgements make room */
	inet_connect_done(is);
	return s->type == SOCK_STREAM ? stream_send(is, io) : dgram_send(is, io);
}

/* ---- connections ---- */

/*
 * Whether the socket has a local port already (a bind, a listen, a
 * connect, a send gave it one). TCP's and UDP's pcbs keep the port at
 * different places: pcb_bound is UDP's.
 */
static bool has_port(const struct inet_sock *is)
{
	bool bound = false;

	LOCK_TCPIP_CORE();
	if (is->s.type == SOCK_STREAM)
		bound = is->conn->pcb.tcp && is->conn->pcb.tcp->local_port != 0;
	else if (is->s.type == SOCK_DGRAM)
		bound = is->conn->pcb.udp && is->conn->pcb.udp->local_port != 0;
	UNLOCK_TCPIP_CORE();
	return bound;
}

static int inet_bind(struct socket *s, const uint8_t *addr, uint32_t len)
{
	struct inet_sock *is = inet_of(s);
	ip_addr_t ip;
	u16_t port;
	int rc;

	if ((rc = addr_in(is, addr, len, &ip, &port, false)))
		return rc;
	/* A v4-mapped address on an IPv6-only socket: Linux's EINVAL. */
	if (s->family == SOCK_AF_INET6 && IP_IS_V4(&ip) && netconn_get_ipv6only(is->conn))
		return -EINVAL;
	/*
	 * A second bind is EINVAL, as Linux. lwIP's tcp_bind would put the
	 * pcb on its bound list a second time (a loop in the list: the next
	 * close that walks it never ends; found by the in-guest fuzzer).
	 */
	if (has_port(is))
		return -EINVAL;
	if ((rc = lwip_errno(netconn_bind(is->conn, &ip, port))))
		return rc;
	if (!ip_addr_isany(&ip)) /* the family the socket sends from (peer_family) */
		is->bound_to = IP_IS_V4(&ip) ? 4 : 6;
	if (s->type == SOCK_DGRAM)
		udp_channel_update(&is->chan, is->conn, on_channel_frame, is);
	return 0;
}

/*
 * A TCP socket that listens without a port gets one first, any address
 * and a free port, as Linux's listen autobinds: lwIP's listen pcb kept
 * port 0 (getsockname said 0, and only a connect to port 0 reached it).
 * No pcb (a refused connect freed it): lwIP's listen answers for it.
 */
static int autobind(struct inet_sock *is)
{
	ip_addr_t any;
	bool unbound;

	LOCK_TCPIP_CORE();
	unbound = is->conn->pcb.tcp && is->conn->pcb.tcp->state == CLOSED &&
		  is->conn->pcb.tcp->local_port == 0;
	UNLOCK_TCPIP_CORE();
	if (!unbound)
		return 0;
	/* netconn_bind makes IPv6's any address both families' unless V6ONLY. */
	ip_addr_set_any(is->s.family == SOCK_AF_INET6, &any);
	return lwip_errno(netconn_bind(is->conn, &any, 0));
}

/*
 * A TCP socket back to a new socket's state, as Linux's tcp_disconnect
 * leaves one in TCP_CLOSE: for a listener that shutdown stops, and for a
 * connect after a refused one (lwIP freed that pcb; the netconn cannot
 * connect again). The old netconn goes (lwIP resets the connections its
 * backlog held), a new one takes its place with the socket's options, and
 * the local address stays where the old pcb had one (Linux keeps an
 * explicit bind). A refused connect's pcb is gone, its address with it:
 * that socket starts unbound.
 */
static int inet_renew(struct inet_sock *is)
{
	struct socket *s = &is->s;
	struct netconn *old = is->conn, *n;
	ip_addr_t ip;
	u16_t port = 0;
	bool bound;

	if (!(n = netconn_new_with_callback(netconn_type(old), on_event)))
		return -ENOBUFS;
	bound = netconn_getaddr(old, &ip, &port, 1) == ERR_OK && port != 0;
	netconn_set_nonblocking(n, 1);
	if (s->family == SOCK_AF_INET6)
		netconn_set_ipv6only(n, netconn_get_ipv6only(old));
	conn_unmap(is);
	if (is->pending) {
		netconn_delete(is->pending);
		is->pending = NULL;
	}
	netconn_delete(old);
	is->conn = n;
	conn_map(is);
	s->listening = is->connecting = false;
	LOCK_TCPIP_CORE();
	/*
	 * The port again, past the listener's own closed connections in
	 * TIME_WAIT (Linux's never left it): reuse for this bind only. An
	 * open connection of the old listener that had no reuse keeps the
	 * port busy; the socket then stays unbound.
	 */
	ip_set_option(n->pcb.tcp, SOF_REUSEADDR);
	if (bound)
		tcp_bind(n->pcb.tcp, &ip, port);
	inet_tcp_pcb_options(is, n->pcb.tcp, s->keepalive, inet_wants_reuse(s));
	UNLOCK_TCPIP_CORE();
	return 0;
}

static int inet_listen(struct socket *s, int backlog)
{
	struct inet_sock *is = inet_of(s);
	int rc;

	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (is->connected || is->connecting || is->connect_unanswered)
		return -EINVAL;
	if (backlog < 0 || backlog > BACKLOG_MAX)
		backlog = BACKLOG_MAX;
	if (!s->listening && (rc = autobind(is)))
		return rc;
	if ((rc = lwip_errno(netconn_listen_with_backlog(is->conn, (u8_t)backlog))))
		return rc;
	s->listening = true;
	return 0;
}

static struct inet_sock *inet_alloc(struct vfs *vfs, int family, int type, int protocol);

static int inet_accept(struct socket *s, int flags, struct vfs_file **out)
{
	struct inet_sock *is = inet_of(s), *n;
	int rc;

	if (!s->listening)
		return -EINVAL;
	fetch(is);
	if (!is->pending)
		return -EAGAIN;
	if (!(n = inet_alloc(s->vfs, s->family, s->type, s->protocol)))
		return -ENOMEM;
	if ((rc = vfs_file_new(s->vfs, &n->s.vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), out))) {
		kfree(n);
		return rc;
	}
	n->conn = is->pending;
	is->pending = NULL;
	conn_map(n);
	netconn_set_nonblocking(n->conn, 1);
	/* lwIP's pcb inherits SO_KEEPALIVE and SO_REUSEADDR itself (SOF_INHERITED),
	 * not TCP_NODELAY (a listen pcb has no flags): the listener's options. */
	socket_inherit_options(&n->s, s);
	n->nodelay = is->nodelay;
	n->keep_idle = is->keep_idle;
	n->keep_intvl = is->keep_intvl;
	n->keep_cnt = is->keep_cnt;
	n->ttl = is->ttl;
	n->tos = is->tos;
	n->cork = is->cork;
	n->mss_max = is->mss_max;
	LOCK_TCPIP_CORE();
	inet_tcp_pcb_options(n, n->conn->pcb.tcp, n->s.keepalive, inet_wants_reuse(&n->s));
	clamp_mss(n);
	UNLOCK_TCPIP_CORE();
	n->connected = true;
	inet_channel_open(&n->chan, n->conn, on_channel_frame, n);
	return 0;
}

/* Back to a new socket's state after a connection (or its attempt) ended:
 * no channel, nothing left to read, not shut. */
static void forget_connection(struct inet_sock *is)
{
	if (is->connected) {
		inet_channel_close(&is->chan);
		if (is->rx)
			pbuf_free(is->rx);
		is->rx = NULL;
		is->rx_off = is->rx_consumed = 0;
		is->connected = false;
	}
	is->failed = is->eof = is->fin = is->shut_rd = is->shut_wr = false;
}

/*
 * A connect call on a socket whose connect began (-EINPROGRESS) and was
 * not answered yet (Linux's SS_CONNECTING): still going, -EALREADY; else
 * this call answers it, as a blocking connect does after its wait
 * (sys_net.c asks again): connected, 0; refused, or connected and reset
 * since, its error (-ECONNABORTED when SO_ERROR, recv or send took it),
 * and the socket is a new one's again (Linux's tcp_disconnect): no
 * channel, nothing left to read, not shut: POLLOUT|POLLHUP, recv
 * -ENOTCONN, and the next connect tries anew (lwIP freed the pcb:
 * inet_renew).
 */
static int connect_answer(struct inet_sock *is)
{
	int rc;

	if (is->connecting)
		return -EALREADY;
	is->connect_unanswered = false;
	if (is->connected && !is->failed)
		return 0;
	rc = is->s.error ? inet_take_error(is) : -ECONNABORTED;
	forget_connection(is);
	return rc;
}

static bool linger_abort(struct inet_sock *is);

/*
 * connect() with AF_UNSPEC on a TCP socket, as Linux's tcp_disconnect: a
 * listener stops (as shutdown(SHUT_RD) stops it); a connection is reset
 * from the states where Linux sends one (linger_abort's), and a connect
 * in progress dropped, either leaving ECONNRESET in SO_ERROR; the socket
 * is a new one's again, on a new netconn (inet_renew: the old one goes,
 * and with it what was unread). One ended already (a reset, a refusal),
 * or never connected: nothing changes, 0.
 */
static int tcp_disconnect(struct inet_sock *is)
{
	bool listener = is->s.listening, reset;
	int rc;

	inet_connect_done(is);
	if (!listener && ((!is->connected && !is->connecting) || is->failed))
		return 0;
	reset = is->connecting;
	is->connect_unanswered = false;
	forget_connection(is); /* the channel closed before the pcb goes */
	reset |= !listener && linger_abort(is);
	if ((rc = inet_renew(is)))
		return rc;
	if (reset)
		is->s.error = -ECONNRESET;
	vfs_poll_event(is->s.vfs, &is->s.vn, VFS_POLLIN | VFS_POLLOUT); /* a waiting accept */
	return 0;
}

/* A UDP connect to a broadcast address without SO_BROADCAST: -EACCES, as Linux. */
static int connect_broadcast(struct inet_sock *is, const ip_addr_t *ip)
{
	bool refused;

	LOCK_TCPIP_CORE();
	refused = is->conn->pcb.udp && broadcast_refused(is->conn->pcb.udp, ip);
	UNLOCK_TCPIP_CORE();
	return refused ? -EACCES : 0;
}

static int inet_connect(struct socket *s, const uint8_t *addr, uint32_t len)
{
	struct inet_sock *is = inet_of(s);
	uint16_t family = SOCK_AF_INET; /* a length under 2: addr_in's -EINVAL */
	ip_addr_t ip;
	u16_t port;
	err_t err;
	int rc;

	if (len >= sizeof(family))
		memcpy(&family, addr, sizeof(family));
	if (s->type == SOCK_DGRAM) {
		if (family == SOCK_AF_UNSPEC) {
			is->connected = false;
			rc = lwip_errno(netconn_disconnect(is->conn));
		} else if ((rc = addr_in(is, addr, len, &ip, &port, false)) == 0 &&
			   (rc = peer_family(is, &ip)) == 0 && (rc = connect_broadcast(is, &ip)) == 0 &&
			   (rc = lwip_errno(netconn_connect(is->conn, &ip, port))) == 0) {
			is->connected = true;
		}
		/* The flow changed: the channel follows (and is opened when the
		 * connect bound the pcb). */
		udp_channel_update(&is->chan, is->conn, on_channel_frame, is);
		return rc;
	}
	if (family == SOCK_AF_UNSPEC)
		return tcp_disconnect(is);
	inet_connect_done(is);
	if (s->listening)
		return -EISCONN; /* Linux's answer: the socket is not TCP_CLOSE */
	if (is->connect_unanswered)
		return connect_answer(is);
	if (is->connected)
		return -EISCONN;
	if ((rc = addr_in(is, addr, len, &ip, &port, false)) || (rc = peer_family(is, &ip)))
		return rc;
	if (s->dontroute) {
		LOCK_TCPIP_CORE();
		rc = off_link(&ip) ? -ENETUNREACH : 0;
		UNLOCK_TCPIP_CORE();
		if (rc)
			return rc;
	}
	if (!is->conn->pcb.tcp && (rc = inet_renew(is))) /* a refused connect's: try again */
		return rc;
	err = netconn_connect(is->conn, &ip, port);
	if (err == ERR_OK) {
		is->connected = true;
		if (is->mss_max) {
			LOCK_TCPIP_CORE();
			clamp_mss(is);
			UNLOCK_TCPIP_CORE();
		}
		inet_channel_open(&is->chan, is->conn, on_channel_frame, is);
		return 0;
	}
	if (err == ERR_INPROGRESS) {
		is->connecting = is->connect_unanswered = true;
		return -EINPROGRESS;
	}
	return lwip_errno(err);
}

static int inet_shutdown(struct socket *s, int how)
{
	struct inet_sock *is = inet_of(s);
	bool rd = how == SOCK_SHUT_RD || how == SOCK_SHUT_RDWR;
	bool wr = how == SOCK_SHUT_WR || how == SOCK_SHUT_RDWR;

	if (how < SOCK_SHUT_RD || how > SOCK_SHUT_RDWR)
		return -EINVAL;
	if (s->listening) {
		/*
		 * As Linux: SHUT_WR leaves a listener alone; SHUT_RD stops it
		 * (its backlog reset, an accept waiting in another thread woken
		 * with EINVAL), and the socket may listen again on its address.
		 */
		int rc = rd ? inet_renew(is) : 0;

		vfs_poll_event(s->vfs, &s->vn, VFS_POLLIN | VFS_POLLOUT);
		return rc;
	}
	if (s->type == SOCK_STREAM && !is->connected)
		return -ENOTCONN;
	if (s->type == SOCK_STREAM && wr && !is->shut_wr)
		netconn_shutdown(is->conn, 0, 1);
	is->shut_rd |= rd;
	is->shut_wr |= wr;
	vfs_poll_event(s->vfs, &s->vn, VFS_POLLIN | VFS_POLLOUT);
	return 0;
}

static int inet_getname(struct socket *s, uint8_t *addr, uint32_t *len, bool peer)
{
	struct inet_sock *is = inet_of(s);
	ip_addr_t ip;
	u16_t port = 0;

	if (peer && !is->connected)
		return -ENOTCONN;
	if (netconn_getaddr(is->conn, &ip, &port, peer ? 0 : 1) != ERR_OK) {
		if (peer)
			return -ENOTCONN;
		ip_addr_set_any(s->family == SOCK_AF_INET6, &ip); /* not bound yet */
	}
	*len = addr_out(is, &ip, port, addr);
	return 0;
}

static int64_t inet_nread(struct socket *s)
{
	struct inet_sock *is = inet_of(s);

	fetch(is);
	if (s->listening)
		return -EINVAL;
	if (is->dgram)
		return netbuf_len(is->dgram);
	if (is->udp.p)
		return is->udp.len;
	return s->type == SOCK_STREAM ? (int64_t)stream_avail(is) : 0;
}

/*
 * TIOCOUTQ (SIOCOUTQ): TCP, the bytes queued and not yet acknowledged
 * (Linux's write_seq - snd_una: lwIP's snd_lbb - lastack; 0 during the
 * handshake); UDP, 0: a datagram leaves within its send call (one that
 * waits for ARP is lwIP's, no longer the socket's).
 */
static int64_t inet_nwrite(struct socket *s)
{
	struct inet_sock *is = inet_of(s);
	struct tcp_pcb *pcb;
	int64_t n = 0;

	if (s->listening)
		return -EINVAL;
	if (s->type != SOCK_STREAM)
		return 0;
	inet_channel_drain(&is->chan, SIZE_MAX); /* acknowledgements waiting there */
	LOCK_TCPIP_CORE();
	pcb = is->conn->pcb.tcp;
	if (pcb && pcb->state != SYN_SENT && pcb->state != SYN_RCVD && pcb->state != CLOSED &&
	    pcb->state != LISTEN)
		n = (int64_t)(u32_t)(pcb->snd_lbb - pcb->lastack);
	UNLOCK_TCPIP_CORE();
	return n;
}

/*
 * close() with SO_LINGER {1, 0} aborts the connection, as Linux's
 * tcp_close does (tcp_disconnect): a reset to the peer from the states
 * where Linux sends one (ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1 and _2,
 * SYN_RCVD), and no TIME_WAIT follows. lwIP's own linger
 * (LWIP_SO_LINGER, not built) resets only when data is left unsent. The
 * other states go lwIP's usual way (netconn_delete), which sends no reset
 * either: SYN_SENT and CLOSED end at once, CLOSING and LAST_ACK wait for
 * the ACK of their FIN (Linux drops them at once), TIME_WAIT stays (as
 * Linux's timewait socket does), and a listener cannot be aborted. The
 * netconn learns of the abort from lwIP (err_tcp: it lets go of the pcb).
 */
static bool linger_abort(struct inet_sock *is)
{
	struct tcp_pcb *pcb;
	bool abort;

	LOCK_TCPIP_CORE();
	abort = (pcb = is->conn->pcb.tcp) &&
		(pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT || pcb->state == FIN_WAIT_1 ||
		 pcb->state == FIN_WAIT_2 || pcb->state == SYN_RCVD);
	if (abort)
		tcp_abort(pcb);
	UNLOCK_TCPIP_CORE();
	return abort;
}

/*
 * close() with SO_LINGER on and a time, as Linux's tcp_close: the FIN goes
 * after the data queued, and the close waits (sys_net.c calls this until
 * it answers 0 or the time is up) while the peer has not acknowledged
 * both: the states FIN_WAIT_1, CLOSING and LAST_ACK, Linux's
 * sk_stream_closing. Data received and not read means no wait: release
 * resets the connection (lwIP's tcp_close), as Linux's close does at
 * once; so does a socket not connected. The acknowledgements may wait in
 * the channel, which nobody else reads now: its frames are run here.
 */
static int inet_linger(struct socket *s)
{
	struct inet_sock *is = inet_of(s);
	struct tcp_pcb *pcb;
	bool unacknowledged;

	if (s->type != SOCK_STREAM || s->listening)
		return 0;
	inet_channel_drain(&is->chan, SIZE_MAX);
	if (!is->lingering) {
		inet_connect_done(is);
		fetch(is); /* the peer's FIN, if it came first, is no unread data */
		if (!is->connected || is->failed || is->rx)
			return 0;
		if (!is->shut_wr)
			netconn_shutdown(is->conn, 0, 1);
		is->shut_wr = is->lingering = true;
	}
	LOCK_TCPIP_CORE();
	pcb = is->conn->pcb.tcp; /* NULL once a reset ended it */
	unacknowledged = pcb && (pcb->state == FIN_WAIT_1 || pcb->state == CLOSING ||
				 pcb->state == LAST_ACK);
	UNLOCK_TCPIP_CORE();
	return unacknowledged ? -EAGAIN : 0;
}

static void inet_release(struct socket *s)
{
	struct inet_sock *is = inet_of(s);

	if (is->conn)
		conn_unmap(is); /* its events now wake everyone, as for a netconn not accepted */
	if (s->type == SOCK_DGRAM)
		udp_channel_close(&is->chan); /* frees what is left: nobody reads it now */
	else
		inet_channel_close(&is->chan); /* before the pcb goes: lwIP answers what is left */
	if (is->udp.p)
		pbuf_free(is->udp.p);
	if (is->rx)
		pbuf_free(is->rx);
	if (is->dgram)
		netbuf_delete(is->dgram);
	if (is->pending)
		netconn_delete(is->pending);
	if (is->conn && s->type == SOCK_STREAM && s->linger_on && s->linger_sec == 0)
		linger_abort(is);
	if (is->conn)
		netconn_delete(is->conn); /* TCP: closes (FIN), lwIP finishes it */
	vfs_notify_changed(s->vfs);
	kfree(is);
}

/*
 * Each operation under the socket's own lock (struct inet_sock's), so
 * that the syscall layer calls send and recv without the VFS lock
 * (self_locked): the one lock every file call took was held across a
 * whole transfer, and two threads serving two connections waited for
 * each other. Order: the VFS lock (the calls other than send and recv),
 * the socket's, lwIP's core lock. release needs none: the last
 * reference is gone.
 */
#define UNDER_SOCKET_LOCK(type, op, params, args)         \
	static type op##_locked params                    \
	{                                                 \
		struct inet_sock *is = inet_of(s);        \
		type rc;                                  \
                                                          \
		mutex_lock(&is->lock);                    \
		rc = op args;                             \
		__atomic_store_n(&is->changed, 1, __ATOMIC_RELAXED); \
		mutex_unlock(&is->lock);                  \
		return rc;                                \
	}

UNDER_SOCKET_LOCK(int, inet_bind, (struct socket *s, const uint8_t *a, uint32_t n), (s, a, n))
UNDER_SOCKET_LOCK(int, inet_listen, (struct socket *s, int backlog), (s, backlog))
UNDER_SOCKET_LOCK(int, inet_accept, (struct socket *s, int flags, struct vfs_file **out),
		  (s, flags, out))
UNDER_SOCKET_LOCK(int, inet_connect, (struct socket *s, const uint8_t *a, uint32_t n), (s, a, n))
UNDER_SOCKET_LOCK(int64_t, inet_send, (struct socket *s, struct socket_io *io), (s, io))
UNDER_SOCKET_LOCK(int64_t, inet_recv, (struct socket *s, struct socket_io *io), (s, io))
UNDER_SOCKET_LOCK(int, inet_shutdown, (struct socket *s, int how), (s, how))
UNDER_SOCKET_LOCK(int, inet_getname, (struct socket *s, uint8_t *a, uint32_t *n, bool peer),
		  (s, a, n, peer))

/*
 * poll looks again only when something happened to the socket since its
 * last look (an lwIP event, a frame in its channel, an operation: they
 * set changed before they wake anyone); else its last answer stands.
 * Under the lock, so that a second poller waits for a look in progress
 * rather than take the answer before it.
 */
static unsigned inet_poll_locked(struct socket *s)
{
	struct inet_sock *is = inet_of(s);
	unsigned mask;

	mutex_lock(&is->lock);
	if (__atomic_exchange_n(&is->changed, 0, __ATOMIC_SEQ_CST))
		is->poll_mask = inet_poll(s);
	mask = is->poll_mask;
	mutex_unlock(&is->lock);
	return mask;
}
UNDER_SOCKET_LOCK(int, inet_setopt, (struct socket *s, int level, int name, const void *val,
				     uint32_t len, bool *handled),
		  (s, level, name, val, len, handled))
UNDER_SOCKET_LOCK(int, inet_getopt, (struct socket *s, int level, int name, void *val,
				     uint32_t *len, bool *handled),
		  (s, level, name, val, len, handled))
UNDER_SOCKET_LOCK(int64_t, inet_nread, (struct socket *s), (s))
UNDER_SOCKET_LOCK(int64_t, inet_nwrite, (struct socket *s), (s))
UNDER_SOCKET_LOCK(int, inet_linger, (struct socket *s), (s))
UNDER_SOCKET_LOCK(int64_t, inet_dgram_batch, (struct socket *s, struct socket_dgram *d, unsigned n,
					     bool send, socket_range_fn check, const void *ctx),
		  (s, d, n, send, check, ctx))

static const struct socket_ops inet_ops = {
	.bind = inet_bind_locked,
	.listen = inet_listen_locked,
	.accept = inet_accept_locked,
	.connect = inet_connect_locked,
	.send = inet_send_locked,
	.recv = inet_recv_locked,
	.shutdown = inet_shutdown_locked,
	.getname = inet_getname_locked,
	.poll = inet_poll_locked,
	.setopt = inet_setopt_locked,
	.getopt = inet_getopt_locked,
	.nread = inet_nread_locked,
	.nwrite = inet_nwrite_locked,
	.dgram_batch = inet_dgram_batch_locked,
	.linger = inet_linger_locked,
	.release = inet_release,
	.self_locked = true,
};

/* ---- making them ---- */

static struct inet_sock *inet_alloc(struct vfs *vfs, int family, int type, int protocol)
{
	struct inet_sock *is = kmalloc(sizeof(*is));

	if (!is)
		return NULL;
	memset(is, 0, sizeof(*is));
	mutex_init(&is->lock);
	is->changed = 1; /* no answer yet */
	is->keep_idle = KEEP_IDLE_DEFAULT;
	is->keep_intvl = KEEP_INTVL_DEFAULT;
	is->keep_cnt = KEEP_CNT_DEFAULT;
	is->ttl = IP_DEFAULT_TTL;
	is->mcast_ttl = MCAST_TTL_DEFAULT;
	socket_init(&is->s, vfs, &inet_ops, family, type, protocol);
	return is;
}

static int inet_create(struct vfs *vfs, int family, int type, int protocol, int flags,
		       struct vfs_file **out)
{
	enum netconn_type nt;
	struct inet_sock *is;
	int rc;

	if (type == SOCK_STREAM && (protocol == 0 || protocol == LX_IPPROTO_TCP))
		nt = family == SOCK_AF_INET6 ? NETCONN_TCP_IPV6 : NETCONN_TCP;
	else if (type == SOCK_DGRAM && (protocol == 0 || protocol == LX_IPPROTO_UDP))
		nt = family == SOCK_AF_INET6 ? NETCONN_UDP_IPV6 : NETCONN_UDP;
	else if (type == SOCK_STREAM || type == SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	else
		return -ESOCKTNOSUPPORT; /* raw sockets are not offered */
	net_start();
	net_vfs = vfs;
	if (!(is = inet_alloc(vfs, family, type, protocol ? protocol :
				       type == SOCK_STREAM ? LX_IPPROTO_TCP : LX_IPPROTO_UDP)))
		return -ENOMEM;
	if (!(is->conn = netconn_new_with_callback(nt, on_event))) {
		kfree(is);
		return -ENOBUFS;
	}
	netconn_set_nonblocking(is->conn, 1);
	if (type == SOCK_DGRAM) {
		LOCK_TCPIP_CORE();
		inet_udp_pcb_options(is, is->conn->pcb.udp); /* Linux's multicast defaults */
		UNLOCK_TCPIP_CORE();
	}
	if ((rc = vfs_file_new(vfs, &is->s.vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), out))) {
		netconn_delete(is->conn);
		kfree(is);
		return rc;
	}
	conn_map(is);
	return 0;
}

void inet_socket_register(void)
{
	socket_register_family(SOCK_AF_INET, inet_create);
	socket_register_family(SOCK_AF_INET6, inet_create);
}
