/*
 * An AF_INET or AF_INET6 socket as inet_socket.c (its operations) and
 * inet_options.c (its options) share it. For those two files only.
 */
#ifndef CARAPACE_INET_SOCK_H
#define CARAPACE_INET_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/mutex.h>
#include <carapace/socket.h>
#include <lwip/api.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>
#include "inet_channel.h"

#define LX_IPPROTO_TCP  6
#define LX_IPPROTO_UDP  17
/* Linux's keepalive defaults (tcp_keepalive_time, _intvl, _probes), lwIP's too. */
#define KEEP_IDLE_DEFAULT  7200
#define KEEP_INTVL_DEFAULT 75
#define KEEP_CNT_DEFAULT   9
#define MCAST_TTL_DEFAULT  1 /* Linux's IP_MULTICAST_TTL */

struct inet_sock {
	struct socket s;
	/* Taken by every operation (the *_locked ones in inet_ops): send and
	 * recv run without the VFS lock, beside poll, options, ... */
	struct mutex lock;
	/*
	 * poll's last answer, and whether it may be stale: set (atomically)
	 * by every lwIP event and channel frame of the socket and by every
	 * operation. An epoll looks at all its sockets at every wake-up; the
	 * ones nothing happened to answer from here, without the stack.
	 */
	int changed;
	unsigned poll_mask;
	struct netconn *conn;
	/* What a fetch found and nobody read yet. */
	struct pbuf *rx;          /* TCP: data, rx_off bytes of it read */
	size_t rx_off;
	size_t rx_consumed;       /* TCP: bytes read whose window lwIP has not reopened */
	struct netbuf *dgram;     /* UDP: the next datagram, from lwIP */
	struct udp_datagram udp;  /* UDP: or from the channel, straight from its frame */
	struct netconn *pending;  /* listener: the next connection */
	/* TCP: shut for reading: the peer's FIN was fetched, or an error
	 * ended the connection (failed; its -errno in s.error until taken) */
	bool eof;
	bool failed;              /* TCP: ended by an error (a reset, a refused connect) */
	bool fin;                 /* TCP: the peer's FIN was fetched (Linux's SOCK_DONE) */
	bool connecting, connected, was_writable;
	/* TCP: a connect began (-EINPROGRESS) and no connect call has
	 * answered its outcome yet (Linux's SS_CONNECTING; connect_answer) */
	bool connect_unanswered;
	bool shut_rd, shut_wr;
	bool lingering;           /* TCP: a lingering close sent its FIN (inet_linger) */
	bool nodelay;             /* TCP_NODELAY of a listener (its pcb has no flags) */
	/* TCP_KEEPIDLE, TCP_KEEPINTVL (seconds) and TCP_KEEPCNT: kept here
	 * for the same reason as nodelay, given to each pcb (tcp_pcb_options) */
	uint16_t keep_idle, keep_intvl;
	uint8_t keep_cnt;
	/* IP_TTL and IP_TOS, given to every pcb the socket gets (tcp_pcb_options) */
	uint8_t ttl, tos;
	bool cork;                /* TCP_CORK: sends queue, full segments go (stream_send) */
	bool pingpong;            /* TCP_QUICKACK 0 (Linux's pingpong mode), read back */
	uint16_t mss_max;         /* TCP_MAXSEG set: the connection's MSS at most this, or 0 */
	uint8_t mcast_ttl;        /* IP_MULTICAST_TTL (UDP: in its pcb too) */
	bool mcast_noloop;        /* IP_MULTICAST_LOOP 0 */
	uint8_t bound_to;         /* AF_INET6: bound to an IPv4 (4) or IPv6 (6) address, or 0 */
	struct inet_channel chan; /* TCP connected, UDP bound: its frames (inet_channel.c,
				     udp_channel.c) */
	struct inet_sock *conn_next; /* in its conn_buckets chain, while conn is set */
};

static inline struct inet_sock *inet_of(struct socket *s)
{
	return (struct inet_sock *)s;
}

/* inet_socket.c: a non-blocking connect's outcome taken in (connected,
 * or its error in SO_ERROR); the pending error taken (SO_ERROR's). */
void inet_connect_done(struct inet_sock *is);
int inet_take_error(struct inet_sock *is);

/* inet_options.c: setsockopt and getsockopt (socket_ops' setopt and
 * getopt, under the socket's lock), and the options a new pcb is given
 * (the core lock held). */
int inet_setopt(struct socket *s, int level, int name, const void *val, uint32_t len,
		bool *handled);
int inet_getopt(struct socket *s, int level, int name, void *val, uint32_t *len, bool *handled);
void inet_tcp_pcb_options(struct inet_sock *is, struct tcp_pcb *pcb, bool keepalive, bool reuse);
void inet_udp_pcb_options(const struct inet_sock *is, struct udp_pcb *pcb);
bool inet_wants_reuse(const struct socket *s);

#endif
