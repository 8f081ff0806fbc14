/*
 * The options of AF_INET and AF_INET6 sockets (README.md, "Socket
 * options"): what setsockopt and getsockopt do on TCP and UDP, checked as
 * Linux checks them and given to lwIP's pcbs, which put them on the wire.
 * The SOL_SOCKET options not answered here are kept by kernel/fs/socket.c.
 * Kernel only (and the host harness fuzz_net).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/socket.h>
#include <lwip/api.h>
#include <lwip/ip.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>
#include "inet_sock.h"

#define LX_IPPROTO_IP   0
#define LX_IPPROTO_IPV6 41
#define LX_IP_TOS       1
#define LX_IP_TTL       2
#define LX_IP_MULTICAST_TTL  33
#define LX_IP_MULTICAST_LOOP 34
#define LX_TCP_NODELAY  1
#define LX_TCP_MAXSEG   2
#define LX_TCP_CORK     3
#define LX_TCP_KEEPIDLE  4
#define LX_TCP_KEEPINTVL 5
#define LX_TCP_KEEPCNT   6
#define LX_TCP_QUICKACK 12
#define LX_IPV6_V6ONLY  26
#define TOS_ECN_MASK    0x03  /* TCP keeps the ECN bits of IP_TOS its own (Linux) */
#define MSS_MIN         88    /* Linux's TCP_MIN_MSS */
#define MSS_MAX         32767 /* Linux's MAX_TCP_WINDOW */
#define MSS_UNSET       536   /* Linux's TCP_MSS_DEFAULT: TCP_MAXSEG before a connection */
/* Linux's limits (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT). */
#define KEEP_SECONDS_MAX   32767
#define KEEP_COUNT_MAX     127
#define MS_PER_S           1000

/*
 * The socket's options that live in its TCP pcb, given to pcb (NULL: none;
 * the core lock held): SO_KEEPALIVE (keepalive), SO_REUSEADDR or
 * SO_REUSEPORT (reuse: lwIP has one SOF_REUSEADDR for both), IP_TTL and
 * IP_TOS, and TCP_NODELAY (is->nodelay) and the keepalive timing (TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT) unless pcb is a listener's. lwIP's smaller
 * tcp_pcb_listen has no flags: where tcp_pcb keeps them it keeps the
 * accept callback, so tcp_nagle_disable there bent that pointer and the
 * next handshake jumped through it (found by the in-guest fuzzer, seed
 * 9); the listener keeps the option and accept gives it to each
 * connection, as Linux's do inherit it. keepalive and reuse are the
 * callers': socket.c stores a new value only after inet_setopt has run.
 * For inet_setopt, inet_renew (a stopped listener's or a refused
 * connect's new pcb) and inet_accept (a connection inherits the
 * listener's options).
 */
void inet_tcp_pcb_options(struct inet_sock *is, struct tcp_pcb *pcb, bool keepalive, bool reuse)
{
	if (!pcb)
		return;
	if (keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(pcb, SOF_KEEPALIVE);
	if (reuse)
		ip_set_option(pcb, SOF_REUSEADDR);
	else
		ip_reset_option(pcb, SOF_REUSEADDR);
	pcb->ttl = is->ttl; /* a listen pcb has them too (IP_PCB) */
	pcb->tos = is->tos;
	if (pcb->state == LISTEN)
		return;
	pcb->keep_idle = (u32_t)is->keep_idle * MS_PER_S;
	pcb->keep_intvl = (u32_t)is->keep_intvl * MS_PER_S;
	pcb->keep_cnt = is->keep_cnt;
	if (is->nodelay)
		tcp_nagle_disable(pcb);
	else
		tcp_nagle_enable(pcb);
}

/* Whether the socket asked for SOF_REUSEADDR: either option (inet_setopt). */
bool inet_wants_reuse(const struct socket *s)
{
	return s->reuseaddr || s->reuseport;
}

static bool keep_option(int name)
{
	return name == LX_TCP_KEEPIDLE || name == LX_TCP_KEEPINTVL || name == LX_TCP_KEEPCNT;
}

/* The IPPROTO_IP options of a UDP socket given to its pcb (the core lock held). */
void inet_udp_pcb_options(const struct inet_sock *is, struct udp_pcb *pcb)
{
	if (!pcb)
		return;
	pcb->ttl = is->ttl;
	pcb->tos = is->tos;
	udp_set_multicast_ttl(pcb, is->mcast_ttl);
	if (is->mcast_noloop)
		udp_clear_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
	else
		udp_set_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
}

/* An IPPROTO_IP option's value as Linux reads it: an int, or the one byte
 * given (0 when none is). */
static int ip_opt_value(const void *val, uint32_t len)
{
	int32_t v = 0;

	if (len >= sizeof(v))
		memcpy(&v, val, sizeof(v));
	else if (len >= 1)
		v = *(const uint8_t *)val;
	return v;
}

/*
 * IP_TTL, IP_TOS, IP_MULTICAST_TTL and IP_MULTICAST_LOOP, checked as
 * Linux's do_ip_setsockopt checks them, kept here and given to the pcb:
 * lwIP writes pcb->ttl and pcb->tos into every packet the pcb sends
 * (udp_output.c's frames too), mcast_ttl and the loop flag into its
 * multicast datagrams. A TCP socket's next pcb (inet_renew, inet_accept)
 * gets them from inet_tcp_pcb_options.
 */
static int ip_setopt(struct inet_sock *is, int name, const void *val, uint32_t len,
		     bool *handled)
{
	int v = ip_opt_value(val, len);
	struct udp_pcb *udp;

	*handled = true;
	switch (name) {
	case LX_IP_TTL:
		if (len < 1 || (v != -1 && (v < 1 || v > 255)))
			return -EINVAL;
		is->ttl = v == -1 ? IP_DEFAULT_TTL : (uint8_t)v;
		break;
	case LX_IP_TOS:
		if (is->s.type == SOCK_STREAM)
			v = (v & ~TOS_ECN_MASK) | (is->tos & TOS_ECN_MASK);
		is->tos = (uint8_t)v;
		break;
	case LX_IP_MULTICAST_TTL:
		if (is->s.type == SOCK_STREAM || len < 1)
			return -EINVAL;
		v = v == -1 ? MCAST_TTL_DEFAULT : v;
		if (v < 0 || v > 255)
			return -EINVAL;
		is->mcast_ttl = (uint8_t)v;
		break;
	case LX_IP_MULTICAST_LOOP:
		if (len < 1)
			return -EINVAL;
		is->mcast_noloop = v == 0;
		break;
	default:
		*handled = false;
		return 0;
	}
	LOCK_TCPIP_CORE();
	if (is->s.type == SOCK_STREAM && is->conn->pcb.tcp) {
		is->conn->pcb.tcp->ttl = is->ttl;
		is->conn->pcb.tcp->tos = is->tos;
	} else if (is->s.type == SOCK_DGRAM && (udp = is->conn->pcb.udp)) {
		inet_udp_pcb_options(is, udp);
	}
	UNLOCK_TCPIP_CORE();
	return 0;
}

/*
 * TCP_MAXSEG (Linux's range; the MSS of a connection made afterwards:
 * clamp_mss), TCP_CORK (stream_send keeps partial segments queued while
 * it is set; clearing it sends them) and TCP_QUICKACK (1 sends a delayed
 * ACK now). The socket is a TCP one.
 */
static int tcp_setopt(struct inet_sock *is, int name, int32_t v, uint32_t len)
{
	struct tcp_pcb *pcb;

	if (len < sizeof(v))
		return -EINVAL;
	if (name == LX_TCP_MAXSEG) {
		if (v && (v < MSS_MIN || v > MSS_MAX))
			return -EINVAL;
		is->mss_max = (uint16_t)v;
		return 0;
	}
	if (name == LX_TCP_CORK)
		is->cork = v != 0;
	else
		is->pingpong = v == 0;
	if (name == LX_TCP_CORK ? is->cork : is->pingpong)
		return 0; /* nothing to send now */
	LOCK_TCPIP_CORE();
	pcb = is->conn->pcb.tcp;
	if (pcb && pcb->state != LISTEN && pcb->state != CLOSED) {
		if (name == LX_TCP_QUICKACK && (pcb->flags & TF_ACK_DELAY))
			tcp_set_flags(pcb, TF_ACK_NOW);
		tcp_output(pcb); /* the cork's segments, or the ACK */
	}
	UNLOCK_TCPIP_CORE();
	return 0;
}

/* TCP_NODELAY, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_MAXSEG,
 * TCP_CORK, TCP_QUICKACK, the IPPROTO_IP options (ip_setopt), IPV6_V6ONLY,
 * SO_KEEPALIVE, SO_REUSEADDR, SO_REUSEPORT and SO_BROADCAST reach lwIP;
 * the rest is kept (socket.c). *handled says whether this function
 * answered. */
int inet_setopt(struct socket *s, int level, int name, const void *val, uint32_t len,
		bool *handled)
{
	struct inet_sock *is = inet_of(s);
	bool keepalive = s->keepalive, reuse = inet_wants_reuse(s);
	int32_t v = 0;

	*handled = false;
	if (len >= sizeof(v))
		memcpy(&v, val, sizeof(v));
	if (level == LX_IPPROTO_IP)
		return ip_setopt(is, name, val, len, handled);
	if (level == LX_IPPROTO_TCP && s->type != SOCK_STREAM) {
		*handled = true;
		return -ENOPROTOOPT; /* Linux: UDP hands other levels to IP, which knows none */
	}
	if (level == LX_IPPROTO_TCP &&
	    (name == LX_TCP_MAXSEG || name == LX_TCP_CORK || name == LX_TCP_QUICKACK)) {
		*handled = true;
		return tcp_setopt(is, name, v, len);
	}
	if ((level == LX_IPPROTO_TCP && name == LX_TCP_NODELAY) ||
	    (level == LX_IPPROTO_IPV6 && name == LX_IPV6_V6ONLY)) {
		*handled = true;
		if (len < sizeof(v))
			return -EINVAL;
		if (level == LX_IPPROTO_IPV6) {
			if (s->family != SOCK_AF_INET6)
				return -ENOPROTOOPT;
			netconn_set_ipv6only(is->conn, v != 0);
			return 0;
		}
		is->nodelay = v != 0; /* a listener keeps it (inet_tcp_pcb_options) */
	} else if (level == LX_IPPROTO_TCP && keep_option(name)) {
		*handled = true;
		if (len < sizeof(v) || v < 1 ||
		    v > (name == LX_TCP_KEEPCNT ? KEEP_COUNT_MAX : KEEP_SECONDS_MAX))
			return -EINVAL; /* Linux's range */
		if (name == LX_TCP_KEEPIDLE)
			is->keep_idle = (uint16_t)v;
		else if (name == LX_TCP_KEEPINTVL)
			is->keep_intvl = (uint16_t)v;
		else
			is->keep_cnt = (uint8_t)v;
	} else if (level != SOCK_SOL_SOCKET || len < sizeof(v)) {
		return 0;
	} else if (name == SOCK_SO_BROADCAST) {
		/* lwIP refuses a broadcast send without it (IP_SOF_BROADCAST):
		 * dgram_error says EACCES. socket.c keeps the value. */
		LOCK_TCPIP_CORE();
		if (s->type == SOCK_DGRAM && is->conn->pcb.udp && v)
			ip_set_option(is->conn->pcb.udp, SOF_BROADCAST);
		else if (s->type == SOCK_DGRAM && is->conn->pcb.udp)
			ip_reset_option(is->conn->pcb.udp, SOF_BROADCAST);
		UNLOCK_TCPIP_CORE();
		return 0;
	} else if (name == SOCK_SO_KEEPALIVE && s->type == SOCK_STREAM) {
		keepalive = v != 0;
	} else if (name == SOCK_SO_REUSEADDR || name == SOCK_SO_REUSEPORT) {
		/*
		 * Both become lwIP's one SOF_REUSEADDR (it has no separate port
		 * sharing): the pcb keeps it while either is set. socket.c
		 * stores the new value after this runs, so the other option's
		 * stored value decides.
		 */
		reuse = v != 0 || (name == SOCK_SO_REUSEADDR ? s->reuseport : s->reuseaddr);
	} else {
		return 0;
	}
	LOCK_TCPIP_CORE();
	if (s->type == SOCK_STREAM)
		inet_tcp_pcb_options(is, is->conn->pcb.tcp, keepalive, reuse);
	else if (is->conn->pcb.udp && reuse)
		ip_set_option(is->conn->pcb.udp, SOF_REUSEADDR);
	else if (is->conn->pcb.udp)
		ip_reset_option(is->conn->pcb.udp, SOF_REUSEADDR);
	UNLOCK_TCPIP_CORE();
	return 0;
}

/* TCP_MAXSEG as Linux reads it: the MSS in use once connected, else the
 * one set, else 536. */
static int32_t tcp_maxseg(struct inet_sock *is)
{
	struct tcp_pcb *pcb;
	int32_t v;

	LOCK_TCPIP_CORE();
	pcb = is->conn->pcb.tcp;
	if (pcb && pcb->state != CLOSED && pcb->state != LISTEN)
		v = pcb->mss;
	else
		v = is->mss_max ? is->mss_max : MSS_UNSET;
	UNLOCK_TCPIP_CORE();
	return v;
}

int inet_getopt(struct socket *s, int level, int name, void *val, uint32_t *len, bool *handled)
{
	struct inet_sock *is = inet_of(s);
	int32_t v;

	*handled = true;
	if (level == LX_IPPROTO_TCP && s->type != SOCK_STREAM) {
		return -EOPNOTSUPP; /* Linux's answer for UDP */
	} else if (level == LX_IPPROTO_TCP && name == LX_TCP_NODELAY) {
		LOCK_TCPIP_CORE();
		if (is->conn->pcb.tcp && is->conn->pcb.tcp->state == LISTEN)
			v = is->nodelay; /* no flags in a listen pcb (inet_setopt) */
		else
			v = is->conn->pcb.tcp && tcp_nagle_disabled(is->conn->pcb.tcp);
		UNLOCK_TCPIP_CORE();
	} else if (level == LX_IPPROTO_IPV6 && name == LX_IPV6_V6ONLY && s->family == SOCK_AF_INET6) {
		v = netconn_get_ipv6only(is->conn) != 0;
	} else if (level == LX_IPPROTO_TCP && keep_option(name)) {
		v = name == LX_TCP_KEEPIDLE ? is->keep_idle :
		    name == LX_TCP_KEEPINTVL ? is->keep_intvl : is->keep_cnt;
	} else if (level == LX_IPPROTO_TCP && name == LX_TCP_MAXSEG) {
		v = tcp_maxseg(is);
	} else if (level == LX_IPPROTO_TCP && name == LX_TCP_CORK) {
		v = is->cork;
	} else if (level == LX_IPPROTO_TCP && name == LX_TCP_QUICKACK) {
		v = !is->pingpong;
	} else if (level == LX_IPPROTO_IP && name == LX_IP_TTL) {
		v = is->ttl;
	} else if (level == LX_IPPROTO_IP && name == LX_IP_TOS) {
		v = is->tos;
	} else if (level == LX_IPPROTO_IP && name == LX_IP_MULTICAST_TTL) {
		v = is->mcast_ttl;
	} else if (level == LX_IPPROTO_IP && name == LX_IP_MULTICAST_LOOP) {
		v = !is->mcast_noloop;
	} else if (level == SOCK_SOL_SOCKET && name == SOCK_SO_ERROR) {
		inet_connect_done(is);
		v = -inet_take_error(is);
	} else {
		*handled = false;
		return 0;
	}
	/* Linux answers an IPPROTO_IP option in one byte when the room is
	 * short of an int (every value here fits one). */
	if (level == LX_IPPROTO_IP && *len > 0 && *len < sizeof(v))
		*len = 1;
	*len = *len < sizeof(v) ? *len : sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}
