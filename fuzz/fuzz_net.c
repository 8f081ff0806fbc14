/*
 * Fuzzes the network input path: the packet classifier (kernel/net/) and,
 * behind it, lwIP 2.1.3 with the kernel's options (fuzz/lwip/lwipopts.h),
 * through a fake network interface. Each input is a list of received
 * frames (fuzz/net_frames.h); a structure-aware mutator
 * (LLVMFuzzerCustomMutator, net_frames.c) fixes lengths and checksums
 * after most mutations, so that frames get past the checks into ARP, ICMP,
 * neighbour discovery, UDP and TCP's states.
 *
 * The application is the kernel's: its sockets are opened, read and
 * written through the kernel's system calls (kernel/syscall/sys_net.c,
 * sys_files.c, on the fake kernel of tests/unit/kernel_fakes.c), the
 * kernel's socket layer (kernel/fs/socket.c, kernel/net/inet_socket.c) and
 * lwIP's netconn API with core locking, as in the kernel; a connected TCP
 * socket opens its net channel (kernel/net/inet_channel.c), so that the
 * classifier puts its data and acknowledgements in the channel's ring and
 * the socket's reads and writes run them through lwIP. One thread does
 * everything (fuzz/lwip/sys_arch_host.c): lwIP's tcpip thread is not
 * started, the harness runs its work (a frame the classifier sends to the
 * stack, the timers) under the core lock.
 *
 * What is listening, set up once, all non-blocking dual-stack sockets
 * ([::], IPV6_V6ONLY off): a TCP echo on port 80, a TCP sink on 81 (its
 * connections are accepted and never read: the window closes), a UDP
 * echo on 7. For each input, a socket bound to port 40000 connects to
 * 10.0.2.2:9000 too. After each frame the application takes its turn:
 * accepts what is waiting, the active side says hello once connected, the
 * echo reads and writes back and closes at the peer's FIN or an error;
 * the record's flags (net_frames.h) can make it leave the data unread
 * (the UDP echo then uses the datagram API, <carapace/dgram.h>),
 * shut down the newest connection's sending side, or close the oldest
 * connection. The interface is 10.0.2.15/24 and fd00::15
 * (and its link-local address), MAC 52:54:00:12:34:56; the peer 10.0.2.2
 * has a static ARP entry at 52:55:0a:00:02:02. Initial sequence numbers
 * are 0x10000000 plus the local port, so that seeds
 * (fuzz/make_net_corpus.py) complete handshakes; a frame's flags can also
 * take its sequence and acknowledgement numbers from what the stack sent.
 * Time moves only as the input says (each record's tick).
 *
 * Checked: lwIP's own assertions and its core lock (a panic here), ASan
 * and UBSan over lwIP, the classifier, the socket layer and the syscall
 * layer; every system call answers a count or -errno, no more than asked,
 * never under the core lock; nothing is left for the tcpip thread; and
 * every frame the stack sends must pass the classifier's checks
 * (fragments aside) and carry correct lengths and checksums. After each
 * input every socket is closed, every connection aborted and the caches
 * emptied, so that an input replays alone.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include <carapace/classifier.h>
#include <carapace/net.h>
#include <carapace/socket.h>
#include <carapace/syscall.h>

#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/init.h>
#include <lwip/ip_addr.h>
#include <lwip/nd6.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/memp.h>
#include <lwip/priv/nd6_priv.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/priv/tcpip_priv.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <lwip/timeouts.h>
#include <lwip/udp.h>
#include <netif/ethernet.h>

#include "kernel_fakes.h"
#include "lwip/sys_arch_host.h"
#include "net_frames.h"
#include "sys_kernel.h"

#define CHECK(cond, ...) do { if (!(cond)) panic(__VA_ARGS__); } while (0)
#define MAX_FRAMES_PER_INPUT 256
#define ISN_BASE 0x10000000u
#define ACTIVE_PORT 40000
#define FLOWS 16
#define MAX_CONNS 16
/* Linux's x86-64 system call numbers. */
#define NR_READ 0
#define NR_WRITE 1
#define NR_CLOSE 3
#define NR_RT_SIGACTION 13
#define NR_READV 19
#define NR_WRITEV 20
#define NR_SOCKET 41
#define NR_CONNECT 42
#define NR_ACCEPT 43
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SENDMSG 46
#define NR_RECVMSG 47
#define NR_SHUTDOWN 48
#define NR_BIND 49
#define NR_LISTEN 50
#define NR_GETSOCKNAME 51
#define NR_GETPEERNAME 52
#define NR_SETSOCKOPT 54
#define NR_GETSOCKOPT 55
#define NR_ACCEPT4 288
#define NR_RECVMMSG 299
#define NR_SENDMMSG 307
/* Linux's option levels and names besides SOL_SOCKET's (carapace/socket.h) */
#define LX_IPPROTO_IP 0
#define LX_IPPROTO_TCP 6
#define LX_IPPROTO_IPV6 41
#define LX_TCP_NODELAY 1
#define LX_IPV6_V6ONLY 26

/* libFuzzer's; absent from the AFL++ and coverage builds, which never call the mutator. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 }; /* QEMU's user network */
static struct netif netif;
static u32_t now_ms;
static u32_t random_state;

enum conn_kind { CONN_ECHO, CONN_SINK, CONN_ACTIVE };

struct conn {
	int fd;
	enum conn_kind kind;
	bool hello_sent;
	bool blocking; /* made by app_call without O_NONBLOCK: its waits have a time limit */
};

/*
 * The application's sockets, and the memory its system calls name (the
 * fake kernel takes it as the application's).
 */
/*
 * The datagram API's struct carapace_dgram (libc/include/carapace/dgram.h),
 * as the application passes it: 48 bytes.
 */
struct app_dgram {
	uint64_t buf;
	uint32_t len, flags, addrlen;
	uint8_t addr[28];
};
_Static_assert(sizeof(struct app_dgram) == 48, "struct carapace_dgram is 48 bytes");

/* The stream API's struct carapace_stream (<carapace/stream.h>): 24 bytes. */
struct app_stream {
	uint64_t buf;
	uint32_t len;
	int32_t fd;
	int64_t result;
};

/* Linux's struct iovec, struct msghdr and struct mmsghdr, as the application passes them. */
struct app_iovec {
	uint64_t base, len;
};

struct app_msghdr {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad1;
};

struct app_mmsghdr {
	struct app_msghdr hdr;
	uint32_t len, pad;
};
_Static_assert(sizeof(struct app_msghdr) == 56 && sizeof(struct app_mmsghdr) == 64,
	       "Linux's msghdr is 56 bytes, mmsghdr 64");

#define DGRAM_BATCH 4

static struct {
	uint8_t buf[4096];
	uint8_t addr[128];
	uint32_t addrlen;
	int32_t optval;
	int echo, sink, udp;
	/* serve_udp_batch's datagrams (the application's memory is this struct) */
	struct app_dgram dgram[DGRAM_BATCH];
	uint8_t dgram_buf[DGRAM_BATCH][1500];
	struct conn conns[MAX_CONNS];
	int nconns;
	/* app_call's memory: option values, names, iovecs, headers, control data */
	uint8_t opt[64 + 16];
	uint32_t optlen;
	struct app_iovec iov[20];
	int64_t timeout[2];
	struct app_mmsghdr msgs[2];
	uint8_t control[64];
	struct app_stream streams[4];
	uint8_t sigaction[32];
	bool hold; /* app_call's "hold": the servers neither accept nor read (app_step) */
	bool servers_changed; /* an option set or a shutdown on a server's socket: made anew */
} app;
/* NET_TRACE=1 in the environment: each frame in and out on stderr. */
static bool trace;

/* What the stack last sent on each TCP flow (by its ports). */
static struct flow {
	uint16_t local, remote;
	uint32_t next_seq, ack;
	bool used;
} flows[FLOWS];

/* The stack is the harness's (set_up); a socket needs nothing started. */
void net_start(void)
{
}

/* netchannels= is on, as by default: connected TCP sockets open channels. */
bool net_channels_enabled(void)
{
	return true;
}

u32_t sys_now(void)
{
	return now_ms;
}

unsigned int net_random_u32(void)
{
	random_state = random_state * 1103515245u + 12345u;
	return random_state;
}

u32_t net_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
		  u16_t remote_port)
{
	(void)local_ip, (void)remote_ip, (void)remote_port;
	return ISN_BASE + local_port;
}

/*
 * The kernel's DHCP option hook (net_hooks.h; kernel/net/net_names.c keeps
 * the DNS servers of the first device's lease). The harness starts no DHCP
 * client, so lwIP's dhcp_recv, the hook's only caller, never runs here: it
 * is defined for the link, and a call would be a harness bug.
 */
void net_dhcp_option(struct netif *netif, u8_t msg_type, u8_t option, u8_t len, struct pbuf *p,
		     u16_t offset)
{
	(void)netif, (void)msg_type, (void)option, (void)len, (void)p, (void)offset;
	fprintf(stderr, "fuzz_net: a DHCP answer was parsed, but no DHCP client was started\n");
	abort();
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static struct flow *flow_of(uint16_t local, uint16_t remote, bool make)
{
	struct flow *free_slot = NULL;

	for (int i = 0; i < FLOWS; i++) {
		if (flows[i].used && flows[i].local == local && flows[i].remote == remote)
			return &flows[i];
		if (!flows[i].used && !free_slot)
			free_slot = &flows[i];
	}
	if (!make)
		return NULL;
	if (!free_slot)
		free_slot = &flows[local % FLOWS];
	*free_slot = (struct flow){ .local = local, .remote = remote, .used = true };
	return free_slot;
}

static void trace_frame(const char *dir, const uint8_t *frame, size_t len, long tcp_at)
{
	if (tcp_at < 0) {
		fprintf(stderr, "%s: %zu bytes, type %02x%02x\n", dir, len, frame[12], frame[13]);
		return;
	}
	const uint8_t *t = frame + tcp_at;

	fprintf(stderr, "%s: %zu bytes, tcp %u > %u flags %02x seq %u ack %u win %u\n", dir, len,
		t[0] << 8 | t[1], t[2] << 8 | t[3], t[13], get32(t + 4), get32(t + 8),
		t[14] << 8 | t[15]);
}

/* A frame the stack sends: checked, and its TCP numbers noted. */
static void check_sent(const uint8_t *frame, size_t len)
{
	static uint8_t fixed[NET_FRAME_MAX];
	struct classify_result res;

	CHECK(len >= 14 && len <= NET_FRAME_MAX, "the stack sent a frame of %zu bytes", len);
	enum classify_verdict verdict = classify(frame, len, NULL, &res);

	if (verdict == CLASSIFY_DROP)
		CHECK(res.reason == CLASSIFY_DROP_IP_FRAGMENT,
		      "the stack sent a frame the classifier drops (%s)",
		      classify_drop_name(res.reason));
	/* Its destination is the peer: no channel of ours has that address. */
	CHECK(verdict != CLASSIFY_CHANNEL, "a frame the stack sent went into a socket's channel");
	memcpy(fixed, frame, len);
	size_t csum_at = net_frames_fix(fixed, len);

	/*
	 * One's complement has two zeros. A checksum computed in full is
	 * 0x0000 for a message whose sum is 0xffff, but one updated
	 * incrementally can be 0xffff (RFC 1624, section 3): lwIP's ICMP echo
	 * reply adds the type's change to the request's checksum. A receiver's
	 * check (the sum over message and checksum is 0xffff) accepts both,
	 * so both are right here. (UDP's zero is 0xffff already: 0x0000 there
	 * means "no checksum".)
	 */
	if (csum_at && fixed[csum_at] == 0 && fixed[csum_at + 1] == 0 &&
	    frame[csum_at] == 0xff && frame[csum_at + 1] == 0xff)
		fixed[csum_at] = fixed[csum_at + 1] = 0xff;
	for (size_t i = 0; i < len; i++)
		CHECK(fixed[i] == frame[i],
		      "the stack sent a frame with a wrong length or checksum: %zu bytes, "
		      "type %02x%02x, byte %zu is %02x where %02x was expected",
		      len, frame[12], frame[13], i, frame[i], fixed[i]);

	long at = net_frames_tcp_offset(frame, len);

	if (trace)
		trace_frame("out", frame, len, at);
	if (at < 0)
		return;
	const uint8_t *tcp = frame + at;
	size_t hlen = (size_t)(tcp[12] >> 4) * 4;
	size_t payload = len - (size_t)at - (hlen <= len - (size_t)at ? hlen : 0);
	struct flow *f = flow_of((uint16_t)(tcp[0] << 8 | tcp[1]), (uint16_t)(tcp[2] << 8 | tcp[3]),
				 true);

	f->next_seq = get32(tcp + 4) + (uint32_t)payload + ((tcp[13] & 0x02) ? 1 : 0) +
		      ((tcp[13] & 0x01) ? 1 : 0);
	if (tcp[13] & 0x10)
		f->ack = get32(tcp + 8);
}

static err_t link_output(struct netif *nif, struct pbuf *p)
{
	static uint8_t frame[NET_FRAME_MAX + 64];
	u16_t len = p->tot_len <= sizeof(frame) ? p->tot_len : (u16_t)sizeof(frame);

	(void)nif;
	CHECK(p->tot_len <= NET_FRAME_MAX, "the stack sent a frame of %u bytes", p->tot_len);
	pbuf_copy_partial(p, frame, len, 0);
	check_sent(frame, len);
	return ERR_OK;
}

/*
 * The kernel's netdev.c for udp_output.c (the datagram API's frames): the
 * room a frame is built in, and the frame checked as link_output checks
 * lwIP's.
 */
uint8_t *netdev_tx_room(struct netif *nif, size_t *room, bool *csum_offload)
{
	static uint8_t frame[NET_FRAME_MAX];

	(void)nif;
	*room = sizeof(frame);
	*csum_offload = false;
	return frame;
}

int netdev_output_locked(struct netif *nif, const void *frame, size_t len)
{
	(void)nif;
	CHECK(len <= NET_FRAME_MAX, "a built frame of %zu bytes", len);
	check_sent(frame, len);
	return 0;
}

static err_t netif_setup(struct netif *nif)
{
	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->mtu = 1500;
#if LWIP_ND6_ALLOW_RA_UPDATES
	nif->mtu6 = 1500;
#endif
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, our_mac, 6);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		     NETIF_FLAG_MLD6 | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = link_output;
	return ERR_OK;
}

/* ---- the application: sockets through the kernel's system calls ---- */

/*
 * A call through the kernel's syscall layer (sys_net.c, sys_files.c) on
 * the fake kernel; every answer must be a count or -errno.
 */
static long call(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long rc;

	CHECK(!fuzz_sys_core_locked(), "a system call made under lwIP's core lock");
	rc = fake_syscall(nr, a0, a1, a2, a3, a4, a5);
	CHECK(rc >= -4095, "system call %ld answered %ld: neither a count nor -errno", nr, rc);
	CHECK(!fuzz_sys_core_locked(), "system call %ld returned holding lwIP's core lock", nr);
	return rc;
}

/* A sockaddr_in (family 2) or sockaddr_in6 (family 10) in app.addr; its length. */
static long put_addr(int family, const uint8_t *ip, uint16_t port)
{
	uint16_t f = (uint16_t)family;

	memset(app.addr, 0, sizeof(app.addr));
	memcpy(app.addr, &f, sizeof(f));
	app.addr[2] = (uint8_t)(port >> 8);
	app.addr[3] = (uint8_t)port;
	if (family == SOCK_AF_INET) {
		memcpy(app.addr + 4, ip, 4);
		return 16;
	}
	memcpy(app.addr + 8, ip, 16);
	return 28;
}

static int open_socket(int family, int type)
{
	long fd = call(NR_SOCKET, family, type | SOCK_NONBLOCK, 0, 0, 0, 0);

	CHECK(fd >= 0, "socket(%d, %d) failed: %ld", family, type, fd);
	app.optval = 1;
	CHECK(call(NR_SETSOCKOPT, fd, SOCK_SOL_SOCKET, SOCK_SO_REUSEADDR, (long)&app.optval,
		   sizeof(app.optval), 0) == 0, "SO_REUSEADDR refused");
	return (int)fd;
}

/* A dual-stack socket ([::], IPV6_V6ONLY off) bound to port; listening for TCP. */
static int serve_on(int type, uint16_t port)
{
	static const uint8_t any6[16];
	int fd = open_socket(SOCK_AF_INET6, type);
	long len = put_addr(SOCK_AF_INET6, any6, port);

	CHECK(call(NR_BIND, fd, (long)app.addr, len, 0, 0, 0) == 0, "cannot bind port %u", port);
	if (type == SOCK_STREAM)
		CHECK(call(NR_LISTEN, fd, 16, 0, 0, 0, 0) == 0, "cannot listen on port %u", port);
	return fd;
}

static void add_conn(int fd, enum conn_kind kind)
{
	if (app.nconns == MAX_CONNS) {
		call(NR_CLOSE, fd, 0, 0, 0, 0, 0);
		return;
	}
	app.conns[app.nconns++] = (struct conn){ .fd = fd, .kind = kind };
}

static void close_conn(int i)
{
	CHECK(call(NR_CLOSE, app.conns[i].fd, 0, 0, 0, 0, 0) == 0, "close failed");
	app.conns[i] = app.conns[--app.nconns];
}

/* The active side: from port 40000 to 10.0.2.2:9000, non-blocking. */
static void open_active(void)
{
	static const uint8_t any4[4], peer[4] = { 10, 0, 2, 2 };
	int fd = open_socket(SOCK_AF_INET, SOCK_STREAM);
	long len = put_addr(SOCK_AF_INET, any4, ACTIVE_PORT), rc;

	CHECK(call(NR_BIND, fd, (long)app.addr, len, 0, 0, 0) == 0, "cannot bind the active side");
	len = put_addr(SOCK_AF_INET, peer, 9000);
	rc = call(NR_CONNECT, fd, (long)app.addr, len, 0, 0, 0);
	CHECK(rc == -EINPROGRESS, "connect answered %ld, not -EINPROGRESS", rc);
	add_conn(fd, CONN_ACTIVE);
}

static void accept_all(int listener, enum conn_kind kind)
{
	for (int n = 0; n < MAX_CONNS; n++) {
		long fd = call(NR_ACCEPT4, listener, 0, 0, SOCK_NONBLOCK, 0, 0);

		if (fd < 0) {
			/* EINVAL: the input stopped the listener (shutdown SHUT_RD, as Linux) */
			CHECK(fd == -EAGAIN || fd == -ENOMEM || (fd == -EINVAL && app.servers_changed),
			      "accept4 answered %ld", fd);
			return;
		}
		add_conn((int)fd, kind);
	}
}

/*
 * What a connection's application does after a frame: the active side
 * says hello once it is connected; the echo reads what came and writes it
 * back (unless told to leave it unread), and closes at the peer's FIN or
 * an error; the sink never reads. Whether conns[i] is still there.
 */
static bool serve_conn(int i, uint8_t flags)
{
	static const char hello[] = "hello from the active side\n";
	struct conn *c = &app.conns[i];
	long n;

	if (c->kind == CONN_ACTIVE && !c->hello_sent) {
		memcpy(app.buf, hello, sizeof(hello) - 1);
		n = call(NR_SENDTO, c->fd, (long)app.buf, sizeof(hello) - 1, SOCK_MSG_NOSIGNAL, 0, 0);
		CHECK(n <= (long)sizeof(hello) - 1, "send wrote more than asked");
		if (n > 0)
			c->hello_sent = true;
		else if (n != -EAGAIN) {
			close_conn(i); /* refused, reset, or timed out */
			return false;
		}
	}
	if (c->kind == CONN_SINK || (flags & NET_APP_NO_READ))
		return true;
	for (int round = 0; round < 8; round++) {
		n = call(NR_RECVFROM, c->fd, (long)app.buf, sizeof(app.buf), 0, 0, 0);
		CHECK(n <= (long)sizeof(app.buf), "recv read more than asked");
		if (n == -EAGAIN || (n == -ENOTCONN && c->kind == CONN_ACTIVE))
			return true;
		if (n <= 0) {
			close_conn(i); /* the peer's FIN, or the connection's error */
			return false;
		}
		long w = call(NR_SENDTO, c->fd, (long)app.buf, n, SOCK_MSG_NOSIGNAL, 0, 0);

		CHECK(w <= n, "send wrote more than asked");
	}
	return true;
}

/*
 * The UDP echo through the datagram API (Carapace's calls 500 and 501):
 * up to DGRAM_BATCH datagrams taken in one call, those with a source port
 * sent back in one, each answer checked against what the call promises.
 */
static void serve_udp_batch(void)
{
	uint8_t (*bufs)[1500] = app.dgram_buf;
	struct app_dgram *d = app.dgram;
	long n, m = 0;

	for (int i = 0; i < DGRAM_BATCH; i++)
		d[i] = (struct app_dgram){ .buf = (uint64_t)(uintptr_t)bufs[i], .len = sizeof(bufs[i]) };
	n = call(SYSCALL_NR_CARAPACE_DGRAM_RECV, app.udp, (long)d, DGRAM_BATCH, 0, 0, 0);
	if (n < 0) {
		CHECK(n == -EAGAIN, "the datagram API's receive answered %ld", n);
		return;
	}
	if (n == 0)
		return; /* shut down for reading (app_call) */
	CHECK(n >= 1 && n <= DGRAM_BATCH, "the datagram API's receive took %ld of %d", n,
	      DGRAM_BATCH);
	for (long i = 0; i < n; i++) {
		CHECK(d[i].len <= sizeof(bufs[i]) || (d[i].flags & SOCK_MSG_TRUNC),
		      "a datagram of %u bytes in %zu without MSG_TRUNC", d[i].len, sizeof(bufs[i]));
		CHECK(d[i].addrlen == 28 && (d[i].addr[0] | d[i].addr[1] << 8) == SOCK_AF_INET6,
		      "the datagram API gave an address of %u bytes", d[i].addrlen);
		if (d[i].len > sizeof(bufs[i]))
			d[i].len = sizeof(bufs[i]);
		if (d[i].addr[2] | d[i].addr[3]) /* source port 0: no reply (RFC 768) */
			d[m++] = d[i];
	}
	if (m) {
		long sent = call(SYSCALL_NR_CARAPACE_DGRAM_SEND, app.udp, (long)d, m, 0, 0, 0);

		CHECK(sent <= m, "the datagram API sent %ld of %ld", sent, m);
	}
}

static void serve_udp(void)
{
	for (int round = 0; round < 8; round++) {
		app.addrlen = sizeof(app.addr);
		long n = call(NR_RECVFROM, app.udp, (long)app.buf, sizeof(app.buf), 0, (long)app.addr,
			      (long)&app.addrlen);

		if (n < 0) {
			CHECK(n == -EAGAIN, "UDP recvfrom answered %ld", n);
			return;
		}
		if (n == 0 && app.addrlen == 0)
			return; /* shut down for reading (app_call): the end, no datagram */
		CHECK(app.addrlen == 28 && (app.addr[0] | app.addr[1] << 8) == SOCK_AF_INET6,
		      "recvfrom gave an address of %u bytes", app.addrlen);
		/* Source port 0: "no reply expected" (RFC 768). */
		if (app.addr[2] | app.addr[3])
			call(NR_SENDTO, app.udp, (long)app.buf, n, 0, (long)app.addr, app.addrlen);
	}
}

/* The application's turn after a frame, as the record's flags say. */
static void app_step(uint8_t flags)
{
	if (app.hold)
		return;
	accept_all(app.echo, CONN_ECHO);
	accept_all(app.sink, CONN_SINK);
	for (int i = app.nconns - 1; i >= 0; i--)
		serve_conn(i, flags);
	/* NET_APP_NO_READ, which leaves TCP's data unread, sends UDP's
	 * datagrams through the datagram API. */
	if (flags & NET_APP_NO_READ)
		serve_udp_batch();
	else
		serve_udp();
	if ((flags & NET_APP_SHUT_WR) && app.nconns)
		call(NR_SHUTDOWN, app.conns[app.nconns - 1].fd, SOCK_SHUT_WR, 0, 0, 0, 0);
	if ((flags & NET_APP_CLOSE) && app.nconns)
		close_conn(0); /* perhaps with data unread: lwIP resets */
}

/*
 * A record of fewer than 14 bytes carries no Ethernet header: it is one
 * more call of the application instead of a frame (NET_APP_CALL_MAX,
 * net_frames.h), on one of its sockets — a connection, a listener or the
 * UDP socket, as its second byte says. These are the calls the servers
 * above never make: options of each level with valid lengths, names,
 * msg calls with iovecs, names and control data, the stream API, reads
 * and writes, shutdowns each way, accept and accept4 with flags, and
 * connects of their own (blocking or not). Each answer must keep to its
 * room; the sockets made here are connections, closed with the rest.
 */
static int app_target(uint8_t sel)
{
	int n = app.nconns + 3;
	int i = sel % n;

	if (i < app.nconns)
		return app.conns[i].fd;
	i -= app.nconns;
	return i == 0 ? app.echo : i == 1 ? app.sink : app.udp;
}

/*
 * A blocking socket's waits end at its SO_RCVTIMEO/SO_SNDTIMEO: the fake
 * kernel's waits never block, but one without a deadline has no end
 * (waitqueue_sleep), as in the kernel when nothing would ever come: so
 * every blocking socket of app_call's gets 2 ms each way, and keeps a
 * limit (app_option).
 */
static void limit_waits(int fd)
{
	static const int64_t tv[2] = { 0, 2000 };

	memcpy(app.opt, tv, sizeof(tv));
	CHECK(call(NR_SETSOCKOPT, fd, SOCK_SOL_SOCKET, SOCK_SO_RCVTIMEO, (long)app.opt, 16, 0) == 0 &&
	      call(NR_SETSOCKOPT, fd, SOCK_SOL_SOCKET, SOCK_SO_SNDTIMEO, (long)app.opt, 16, 0) == 0,
	      "cannot limit a blocking socket's waits");
}

static bool is_blocking(int fd)
{
	for (int i = 0; i < app.nconns; i++)
		if (app.conns[i].fd == fd)
			return app.conns[i].blocking;
	return false;
}

static void app_option(int fd, uint8_t which, uint8_t how, bool set)
{
	static const struct { int level, name; } opts[] = {
		{ SOCK_SOL_SOCKET, SOCK_SO_REUSEADDR }, { SOCK_SOL_SOCKET, SOCK_SO_TYPE },
		{ SOCK_SOL_SOCKET, SOCK_SO_ERROR },     { SOCK_SOL_SOCKET, SOCK_SO_SNDBUF },
		{ SOCK_SOL_SOCKET, SOCK_SO_RCVBUF },    { SOCK_SOL_SOCKET, SOCK_SO_KEEPALIVE },
		{ SOCK_SOL_SOCKET, SOCK_SO_LINGER },    { SOCK_SOL_SOCKET, SOCK_SO_REUSEPORT },
		{ SOCK_SOL_SOCKET, SOCK_SO_RCVTIMEO },  { SOCK_SOL_SOCKET, SOCK_SO_SNDTIMEO },
		{ SOCK_SOL_SOCKET, SOCK_SO_ACCEPTCONN }, { SOCK_SOL_SOCKET, SOCK_SO_PROTOCOL },
		{ SOCK_SOL_SOCKET, SOCK_SO_DOMAIN },    { LX_IPPROTO_TCP, LX_TCP_NODELAY },
		{ LX_IPPROTO_IPV6, LX_IPV6_V6ONLY },    { LX_IPPROTO_IP, 1 /* IP_TOS */ },
		{ SOCK_SOL_SOCKET, 6 /* SO_BROADCAST */ }, { 17 /* UDP */, 1 },
	};
	/* the value: an int (0, 1, -1, large), a timeval, a linger */
	static const int64_t vals[][2] = {
		{ 1, 0 }, { 0, 0 }, { -1, 0 }, { 1 << 30, 0 }, { 0, 1000 }, { 2, 500000 },
		{ -1, 0 }, { 0, 1000000 }, { 1 | 5ll << 32, 0 }, { 4096, 0 },
	};
	static const uint32_t rooms[] = { 4, 8, 16, 2, 0, 64 };
	int level = opts[which % (sizeof(opts) / sizeof(opts[0]))].level;
	int name = opts[which % (sizeof(opts) / sizeof(opts[0]))].name;
	uint32_t room = rooms[(how >> 4) % (sizeof(rooms) / sizeof(rooms[0]))];

	if (set) {
		memcpy(app.opt, vals[how % (sizeof(vals) / sizeof(vals[0]))], 16);
		call(NR_SETSOCKOPT, fd, level, name, (long)app.opt, room, 0);
		if (level == SOCK_SOL_SOCKET && (name == SOCK_SO_RCVTIMEO || name == SOCK_SO_SNDTIMEO) &&
		    is_blocking(fd))
			limit_waits(fd); /* perhaps "forever" now */
		return;
	}
	memset(app.opt, 0xa5, sizeof(app.opt));
	app.optlen = room;
	if (call(NR_GETSOCKOPT, fd, level, name, (long)app.opt, (long)&app.optlen, 0) == 0)
		CHECK(app.optlen <= room, "getsockopt(%d, %d) answered %u bytes in %u", level, name,
		      app.optlen, room);
	for (size_t i = room; i < sizeof(app.opt); i++)
		CHECK(app.opt[i] == 0xa5, "getsockopt(%d, %d) wrote past its room of %u", level, name,
		      room);
}

/* A peer's address for a message or a connect: 10.0.2.2 or fd00::2, ports 7-10 and 9000. */
static long app_peer(uint8_t sel)
{
	static const uint8_t peer4[4] = { 10, 0, 2, 2 };
	static const uint8_t peer6[16] = { 0xfd, [15] = 2 };
	uint16_t port = (sel & 4) ? 9000 : 7 + (sel & 3);

	return (sel & 8) ? put_addr(SOCK_AF_INET6, peer6, port) : put_addr(SOCK_AF_INET, peer4, port);
}

static void app_msg(int fd, const uint8_t *b, bool send)
{
	static const int flags[] = { 0, SOCK_MSG_DONTWAIT, SOCK_MSG_PEEK, SOCK_MSG_TRUNC,
				     SOCK_MSG_WAITALL, SOCK_MSG_NOSIGNAL, SOCK_MSG_OOB, 0x8000 /* MORE */ };
	int nmsgs = (b[2] & 0x80) ? 2 : 1;
	int flag = flags[b[3] % (sizeof(flags) / sizeof(flags[0]))] |
		   (send ? SOCK_MSG_NOSIGNAL : SOCK_MSG_DONTWAIT);
	uint32_t namelen = 0;

	memset(app.msgs, 0, sizeof(app.msgs));
	for (int i = 0; i < 4; i++) /* iovecs of the buffer: 0, 1, 100 or 1400 bytes each */
		app.iov[i] = (struct app_iovec){ (uint64_t)(uintptr_t)(app.buf + i * 1024),
						 (uint64_t[]){ 0, 1, 100, 1400 }[(b[4] >> (2 * i)) & 3] };
	if (send) {
		for (size_t i = 0; i < sizeof(app.buf); i++)
			app.buf[i] = (uint8_t)i;
		if (b[2] & 1)
			namelen = (uint32_t)app_peer(b[5]);
	} else if (b[2] & 1) {
		namelen = (b[5] & 1) ? 8 : sizeof(app.addr); /* room for the name: short, or all */
	}
	for (int m = 0; m < nmsgs; m++) {
		struct app_msghdr *h = &app.msgs[m].hdr;

		h->iov = (uint64_t)(uintptr_t)app.iov;
		h->iovlen = 1 + ((b[2] >> 1) & 3);
		if (namelen) {
			h->name = (uint64_t)(uintptr_t)app.addr;
			h->namelen = namelen;
		}
		if (b[2] & 0x10) { /* control data: an SCM_RIGHTS header, or room for one */
			uint64_t cm[2] = { 20, (uint64_t)1 | (uint64_t)1 << 32 }; /* len, SOL_SOCKET, SCM_RIGHTS */

			memcpy(app.control, cm, sizeof(cm));
			memcpy(app.control + 16, &fd, sizeof(fd));
			h->control = (uint64_t)(uintptr_t)app.control;
			h->controllen = (b[2] & 0x20) ? sizeof(app.control) : 24;
		}
	}
	long r;

	if (nmsgs == 1) {
		r = call(send ? NR_SENDMSG : NR_RECVMSG, fd, (long)&app.msgs[0].hdr, flag, 0, 0, 0);
		if (r >= 0 && !send)
			CHECK(app.msgs[0].hdr.namelen <= SOCK_ADDR_MAX &&
			      app.msgs[0].hdr.controllen <= sizeof(app.control),
			      "recvmsg answered a name of %u bytes, control data of %lu",
			      app.msgs[0].hdr.namelen, (unsigned long)app.msgs[0].hdr.controllen);
	} else {
		app.timeout[0] = 0;
		app.timeout[1] = (b[5] & 4) ? 1000000 : -1; /* recvmmsg's: 1 ms, or a bad one */
		r = call(send ? NR_SENDMMSG : NR_RECVMMSG, fd, (long)app.msgs, nmsgs, flag,
			 !send && (b[5] & 2) ? (long)app.timeout : 0, 0);
		CHECK(r <= nmsgs, "%s answered %ld of %d messages", send ? "sendmmsg" : "recvmmsg",
		      r, nmsgs);
	}
}

static void app_streams(const uint8_t *b, bool send)
{
	int n = 1 + (b[2] & 3);

	for (int i = 0; i < n; i++) {
		int fd = (b[3] >> i) & 1 ? app_target(b[4 + i]) : (int)(b[4 + i] % 40) - 2;

		app.streams[i] = (struct app_stream){ (uint64_t)(uintptr_t)(app.buf + i * 1024),
						      (uint32_t[]){ 0, 1, 512, 1024 }[(b[8] >> (2 * i)) & 3],
						      fd, 0x7777 };
	}
	long r = call(send ? SYSCALL_NR_CARAPACE_STREAM_SEND : SYSCALL_NR_CARAPACE_STREAM_RECV,
		      (long)app.streams, n, 0, 0, 0, 0);

	if (r < 0)
		return;
	CHECK(r == n, "the stream API answered %ld of %d", r, n);
	for (int i = 0; i < n; i++)
		CHECK(app.streams[i].result <= (int64_t)app.streams[i].len &&
		      app.streams[i].result >= -4095,
		      "the stream API's entry %d answered %ld for %u bytes", i,
		      (long)app.streams[i].result, app.streams[i].len);
}

/* A connection of the application's own, to the peer: non-blocking or not, IPv4 or IPv6. */
static void app_connect(const uint8_t *b)
{
	int family = (b[2] & 8) ? SOCK_AF_INET6 : SOCK_AF_INET;
	int type = (b[2] & 0x10) ? SOCK_DGRAM : SOCK_STREAM;
	long fd = call(NR_SOCKET, family, type | ((b[2] & 1) ? 0 : SOCK_NONBLOCK) |
				  ((b[2] & 2) ? SOCK_CLOEXEC : 0), 0, 0, 0, 0);

	if (fd < 0)
		return;
	if (app.nconns == MAX_CONNS) {
		call(NR_CLOSE, fd, 0, 0, 0, 0, 0);
		return;
	}
	add_conn((int)fd, CONN_ACTIVE);
	if (b[2] & 1) {
		app.conns[app.nconns - 1].blocking = true;
		limit_waits((int)fd);
	}
	long len = app_peer(b[3] ^ (family == SOCK_AF_INET6 ? 8 : 0));

	call(NR_CONNECT, fd, (long)app.addr, len, 0, 0, 0);
	if (b[2] & 0x20) /* again: EALREADY, EISCONN, or the error */
		call(NR_CONNECT, fd, (long)app.addr, len, 0, 0, 0);
}

static void app_call(const uint8_t *frame, size_t len)
{
	uint8_t b[NET_APP_CALL_MAX] = { 0 };
	int fd;
	long r;

	memcpy(b, frame, len);
	fd = app_target(b[1]);
	/* The servers' sockets outlive the input: changed, they are made anew (reset) */
	if ((b[0] % 14 == 1 || b[0] % 14 == 7) && (fd == app.echo || fd == app.sink || fd == app.udp))
		app.servers_changed = true;
	switch (b[0] % 14) {
	case 0:
		app_option(fd, b[2], b[3], false);
		break;
	case 1:
		app_option(fd, b[2], b[3], true);
		break;
	case 2: /* getsockname, getpeername, with a room of 128, 16, 2 or 0 bytes */
		app.addrlen = (uint32_t[]){ sizeof(app.addr), 16, 2, 0 }[b[2] & 3];
		r = call((b[2] & 4) ? NR_GETPEERNAME : NR_GETSOCKNAME, fd, (long)app.addr,
			 (long)&app.addrlen, 0, 0, 0);
		CHECK(r != 0 || app.addrlen <= SOCK_ADDR_MAX, "a name of %u bytes", app.addrlen);
		break;
	case 3:
	case 4:
		app_msg(fd, b, b[0] % 14 == 3);
		break;
	case 5:
	case 6:
		app_streams(b, b[0] % 14 == 5);
		break;
	case 7:
		call(NR_SHUTDOWN, fd, b[2] % 4, 0, 0, 0, 0);
		break;
	case 8: { /* read, write, readv, writev: 2 iovecs, or 20 of 4 KiB (more than TCP_SND_BUF) */
		int n = (b[2] & 4) ? 20 : 2;

		app.iov[0] = (struct app_iovec){ (uint64_t)(uintptr_t)app.buf, 100 };
		app.iov[1] = (struct app_iovec){ (uint64_t)(uintptr_t)(app.buf + 1024), 2000 };
		for (int i = 0; n == 20 && i < n; i++)
			app.iov[i] = (struct app_iovec){ (uint64_t)(uintptr_t)app.buf, sizeof(app.buf) };
		r = b[2] & 2 ? call((b[2] & 1) ? NR_WRITEV : NR_READV, fd, (long)app.iov, n, 0, 0, 0)
			     : call((b[2] & 1) ? NR_WRITE : NR_READ, fd, (long)app.buf,
				    (b[2] & 4) ? 3000 : 10, 0, 0, 0);
		CHECK(r <= (n == 20 ? 20 * (long)sizeof(app.buf) : 3000), "read or write moved %ld bytes", r);
		break;
	}
	case 9: { /* accept (a blocking connection) or accept4 with flags, the peer's address out */
		int listener = (b[1] & 1) ? app.sink : app.echo;

		app.addrlen = (uint32_t[]){ sizeof(app.addr), 16, 0, 3 }[b[2] & 3];
		r = (b[2] & 4) ? call(NR_ACCEPT, listener, (long)app.addr, (long)&app.addrlen, 0, 0, 0)
			       : call(NR_ACCEPT4, listener, (b[2] & 8) ? (long)app.addr : 0,
				      (b[2] & 8) ? (long)&app.addrlen : 0,
				      (b[2] & 0x10 ? SOCK_NONBLOCK : 0) | (b[2] & 0x20 ? SOCK_CLOEXEC : 0) |
				      (b[2] & 0x40 ? 1 : 0), 0, 0);
		if (r >= 0 && app.nconns < MAX_CONNS && (b[2] & 4 || !(b[2] & 0x10))) {
			add_conn((int)r, (b[1] & 1) ? CONN_SINK : CONN_ECHO);
			app.conns[app.nconns - 1].blocking = true;
			limit_waits((int)r);
		} else if (r >= 0) {
			add_conn((int)r, (b[1] & 1) ? CONN_SINK : CONN_ECHO);
		}
		break;
	}
	case 10:
		app_connect(b);
		break;
	case 11: /* sendto a peer's address, recvfrom with the source out */
		if (b[2] & 1) {
			long alen = app_peer(b[3]);

			call(NR_SENDTO, fd, (long)app.buf, (b[2] & 2) ? 1400 : 5, SOCK_MSG_NOSIGNAL,
			     (long)app.addr, alen);
		} else {
			app.addrlen = (b[2] & 2) ? 4 : sizeof(app.addr);
			call(NR_RECVFROM, fd, (long)app.buf, (b[2] & 4) ? 1 : sizeof(app.buf),
			     (b[2] & 8) ? SOCK_MSG_PEEK : 0, (long)app.addr, (long)&app.addrlen);
		}
		break;
	case 12: /* close a connection the application made or took */
		if (app.nconns)
			close_conn(b[1] % app.nconns);
		break;
	case 13: /* hold the servers (what comes waits: connections, data, datagrams), or let go */
		app.hold = b[1] & 1;
		break;
	}
}

static void open_servers(void)
{
	app.echo = serve_on(SOCK_STREAM, 80);
	app.sink = serve_on(SOCK_STREAM, 81);
	app.udp = serve_on(SOCK_DGRAM, 7);
}

/*
 * Every socket of the input closed, what waits in the listeners and the
 * UDP socket taken (or, when the input set an option of theirs or shut one
 * down, the servers made anew, so that the next input finds them as
 * set_up made them).
 */
static void app_reset(void)
{
	app.hold = false;
	while (app.nconns)
		close_conn(app.nconns - 1);
	if (app.servers_changed) { /* what waits in them goes with them */
		CHECK(call(NR_CLOSE, app.echo, 0, 0, 0, 0, 0) == 0 &&
		      call(NR_CLOSE, app.sink, 0, 0, 0, 0, 0) == 0 &&
		      call(NR_CLOSE, app.udp, 0, 0, 0, 0, 0) == 0, "cannot close the servers");
		return; /* reset opens them again, once every connection is gone */
	}
	for (int listener = 0; listener < 2; listener++) {
		long fd;

		while ((fd = call(NR_ACCEPT4, listener ? app.sink : app.echo, 0, 0, 0, 0, 0)) >= 0)
			call(NR_CLOSE, fd, 0, 0, 0, 0, 0);
	}
	app.addrlen = sizeof(app.addr);
	while (call(NR_RECVFROM, app.udp, (long)app.buf, sizeof(app.buf), 0, (long)app.addr,
		    (long)&app.addrlen) >= 0)
		app.addrlen = sizeof(app.addr);
}

static void set_addresses(void)
{
	ip6_addr_t global;
	struct eth_addr peer;
	ip4_addr_t peer_ip;

	for (int i = 2; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		netif_ip6_addr_set_state(&netif, i, IP6_ADDR_INVALID);
	IP6_ADDR(&global, PP_HTONL(0xfd000000ul), 0, 0, PP_HTONL(0x15ul));
	netif_ip6_addr_set(&netif, 1, &global);
	netif_ip6_addr_set_state(&netif, 0, IP6_ADDR_PREFERRED);
	netif_ip6_addr_set_state(&netif, 1, IP6_ADDR_PREFERRED);
	memcpy(peer.addr, peer_mac, 6);
	IP4_ADDR(&peer_ip, 10, 0, 2, 2);
	etharp_add_static_entry(&peer_ip, &peer);
	netif.mtu = 1500;
#if LWIP_ND6_ALLOW_RA_UPDATES
	netif.mtu6 = 1500;
#endif
	reachable_time = LWIP_ND6_REACHABLE_TIME;
	retrans_timer = LWIP_ND6_RETRANS_TIMER;
}

/*
 * What the tcpip thread would do with the messages posted to it (the
 * loopback interface's polls; tcpip_thread_handle_msg): with core locking
 * every other kind runs in its caller, so another kind is a failure.
 */
static void run_tcpip_messages(void)
{
	void *m;

	LOCK_TCPIP_CORE();
	while (fuzz_sys_tcpip_fetch(&m)) {
		struct tcpip_msg *msg = m;

		CHECK(msg->type == TCPIP_MSG_CALLBACK || msg->type == TCPIP_MSG_CALLBACK_STATIC,
		      "a message of kind %d for lwIP's tcpip thread", (int)msg->type);
		msg->msg.cb.function(msg->msg.cb.ctx);
		if (msg->type == TCPIP_MSG_CALLBACK)
			memp_free(MEMP_TCPIP_MSG_API, msg);
	}
	UNLOCK_TCPIP_CORE();
}

static void set_up(void)
{
	struct classifier_config cfg = { .key = { 1, 2, 3, 4 }, .mtu = 1500 };
	ip4_addr_t ip, mask, gw;

	fake_kernel_init(FAKE_SCHED_NEVER_BLOCK);
	sys_net_register((syscall_handler_fn *)fake_env()->kernel_handlers);
	inet_socket_register();
	fake_user_memory(&app, sizeof(app), &app, sizeof(app));
	/* SIGPIPE ignored, as in fuzz_syscall_prog: app_call's writes have no MSG_NOSIGNAL */
	app.sigaction[0] = 1; /* SIG_IGN */
	if (call(NR_RT_SIGACTION, 13, (long)app.sigaction, 0, 8, 0, 0) != 0)
		panic("cannot ignore SIGPIPE");
	if (classifier_init(&cfg))
		panic("classifier_init failed");
	tcpip_init(NULL, NULL); /* lwip_init, the core lock; its thread is not run */
	LOCK_TCPIP_CORE();
	IP4_ADDR(&ip, 10, 0, 2, 15);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 2, 2);
	if (!netif_add(&netif, &ip, &mask, &gw, NULL, netif_setup, ethernet_input))
		panic("netif_add failed");
	netif_create_ip6_linklocal_address(&netif, 1);
	netif_set_default(&netif);
	netif_set_up(&netif);
	set_addresses();
	UNLOCK_TCPIP_CORE();
	open_servers();
}

/*
 * Back to the state after set_up: every socket of the input closed, every
 * connection aborted, the caches emptied, the addresses and limits router
 * advertisements may change put back, the clock moved on past every
 * timer, and TCP's timer at the same phase (its slow half runs every
 * other call: one more call when the last one ran it, which tcp_ticks
 * tells).
 */
static void reset(void)
{
	app_reset();
	run_tcpip_messages();
	LOCK_TCPIP_CORE();
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	etharp_cleanup_netif(&netif);
	nd6_cleanup_netif(&netif);
	set_addresses();
	now_ms += 600000;
	sys_check_timeouts();
	u32_t ticks = tcp_ticks;

	tcp_tmr();
	if (tcp_ticks != ticks)
		tcp_tmr();
	UNLOCK_TCPIP_CORE();
	run_tcpip_messages();
	if (app.servers_changed) {
		open_servers();
		app.servers_changed = false;
		run_tcpip_messages();
	}
	CHECK(fuzz_sys_tcpip_pending() == 0, "work was left for lwIP's tcpip thread");
	memset(flows, 0, sizeof(flows));
	random_state = 1;
}

/* Sequence and acknowledgement numbers from what the stack sent, as flags ask. */
static void fix_numbers(uint8_t *frame, size_t len, uint8_t flags)
{
	long at = net_frames_tcp_offset(frame, len);

	if (at < 0 || !(flags & (NET_FIX_ACK | NET_FIX_SEQ)))
		return;
	uint8_t *tcp = frame + at;
	struct flow *f = flow_of((uint16_t)(tcp[2] << 8 | tcp[3]), (uint16_t)(tcp[0] << 8 | tcp[1]),
				 false);

	if (!f)
		return;
	if (flags & NET_FIX_ACK) {
		net_frames_csum_update32(tcp + 16, get32(tcp + 8), f->next_seq);
		put32(tcp + 8, f->next_seq);
	}
	if (flags & NET_FIX_SEQ) {
		net_frames_csum_update32(tcp + 16, get32(tcp + 4), f->ack);
		put32(tcp + 4, f->ack);
	}
}

/*
 * A received frame as the kernel takes it (netdev.c, net_input.c): one
 * flat pbuf, the classifier first; a connection's frame waits in its
 * socket's channel, the others go to lwIP as the tcpip thread would run
 * them. Then the clock, the timers, and the application's turn.
 */
static void receive(const struct net_record *r)
{
	struct classify_result res;
	struct pbuf *p;

	if (r->len <= NET_APP_CALL_MAX) {
		if (trace)
			fprintf(stderr, "app: call %u\n", r->len ? r->frame[0] % 14 : 0);
		app_call(r->frame, r->len);
		run_tcpip_messages();
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)r->len, PBUF_RAM);

	if (!p)
		panic("pbuf_alloc failed");
	memcpy(p->payload, r->frame, r->len);
	fix_numbers(p->payload, r->len, r->flags);
	p->if_idx = netif_get_index(&netif);
	enum classify_verdict verdict = classify(p->payload, r->len, p, &res);

	if (trace) {
		trace_frame("in", p->payload, r->len, net_frames_tcp_offset(p->payload, r->len));
		if (verdict == CLASSIFY_DROP)
			fprintf(stderr, "in: dropped by the classifier: %s\n",
				classify_drop_name(res.reason));
		if (verdict == CLASSIFY_CHANNEL)
			fprintf(stderr, "in: into a socket's channel\n");
	}
	if (verdict == CLASSIFY_DROP)
		pbuf_free(p);
	LOCK_TCPIP_CORE();
	if (verdict == CLASSIFY_STACK && netif.input(p, &netif) != ERR_OK)
		pbuf_free(p);
	netif_poll(&netif);
	now_ms += NET_TICK_MS[NET_TICK(r->flags)];
	sys_check_timeouts();
	UNLOCK_TCPIP_CORE();
	run_tcpip_messages();
	app_step(r->flags);
	run_tcpip_messages();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct net_record r;
	size_t at = 0;

	if (!ready) {
		trace = getenv("NET_TRACE") != NULL;
		set_up();
		reset();
		ready = true;
	}
	open_active();
	for (int n = 0; n < MAX_FRAMES_PER_INPUT && net_record_next(data, size, &at, &r); n++)
		receive(&r);
	reset();
	return 0;
}
static size_t libfuzzer_bytes(uint8_t *buf, size_t len, size_t cap, unsigned seed)
{
	(void)seed;
	return LLVMFuzzerMutate(buf, len, cap);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	return net_frames_mutate(data, size, max_size, seed, libfuzzer_bytes);
}
