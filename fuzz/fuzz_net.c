/*
 * Fuzzes the network input path: the packet classifier (kernel/net/) and,
 * behind it, lwIP 2.1.3 with the kernel's options (fuzz/lwip/lwipopts.h),
 * through a fake network interface. Each input is a list of received
 * frames (fuzz/net_frames.h); a structure-aware mutator
 * (LLVMFuzzerCustomMutator, net_frames.c) fixes lengths and checksums
 * after most mutations, so that frames get past the checks into ARP, ICMP,
 * neighbour discovery, UDP and TCP's states.
 *
 * What is listening, set up once: a TCP echo server on port 80 and a TCP
 * sink on 81 (it never opens its window again), both on IPv4 and IPv6, and
 * a UDP echo on 7. For each input, an active connection from port 40000
 * to 10.0.2.2:9000 opens too. The interface is 10.0.2.15/24 and fd00::15
 * (and its link-local address), MAC 52:54:00:12:34:56; the peer 10.0.2.2
 * has a static ARP entry at 52:55:0a:00:02:02. Initial sequence numbers
 * are 0x10000000 plus the local port, so that seeds
 * (fuzz/make_net_corpus.py) complete handshakes; a frame's flags can also
 * take its sequence and acknowledgement numbers from what the stack sent.
 * Time moves only as the input says (each record's tick).
 *
 * Checked: lwIP's own assertions (a panic here), ASan and UBSan over lwIP
 * and the classifier, and every frame the stack sends: it must pass the
 * classifier's checks (fragments aside) and carry correct lengths and
 * checksums. After each input every connection is aborted and the caches
 * are emptied, so that an input replays alone.
 *
 * Not here: the kernel's socket layer (kernel/net/inet_socket.c, on
 * lwIP's netconn API and the kernel's threads) and the channels.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/classifier.h>

#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/init.h>
#include <lwip/ip_addr.h>
#include <lwip/nd6.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/nd6_priv.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <lwip/udp.h>
#include <netif/ethernet.h>

#include "net_frames.h"

#define CHECK(cond, ...) do { if (!(cond)) panic(__VA_ARGS__); } while (0)
#define MAX_FRAMES_PER_INPUT 256
#define ISN_BASE 0x10000000u
#define ACTIVE_PORT 40000
#define FLOWS 16

/* libFuzzer's; absent from the AFL++ and coverage builds, which never call the mutator. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 }; /* QEMU's user network */
static struct netif netif;
static u32_t now_ms;
static u32_t random_state;
static struct tcp_pcb *active;
/* NET_TRACE=1 in the environment: each frame in and out on stderr. */
static bool trace;

/* What the stack last sent on each TCP flow (by its ports). */
static struct flow {
	uint16_t local, remote;
	uint32_t next_seq, ack;
	bool used;
} flows[FLOWS];

/* lwIP's assertions (arch/cc.h) and the harness's own checks end here. */
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_net: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
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
	if (classify(frame, len, NULL, &res) == CLASSIFY_DROP)
		CHECK(res.reason == CLASSIFY_DROP_IP_FRAGMENT,
		      "the stack sent a frame the classifier drops (%s)",
		      classify_drop_name(res.reason));
	memcpy(fixed, frame, len);
	net_frames_fix(fixed, len);
	CHECK(memcmp(fixed, frame, len) == 0,
	      "the stack sent a frame with a wrong length or checksum");

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

/* ---- what listens ---- */

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	bool sink = arg != NULL;

	(void)err;
	if (!p) {
		if (pcb == active)
			active = NULL; /* closed: lwIP frees it when it is done */
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	if (!sink) {
		for (struct pbuf *q = p; q; q = q->next)
			if (q->len && tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
				break;
		tcp_recved(pcb, p->tot_len);
		tcp_output(pcb);
	}
	pbuf_free(p);
	return ERR_OK;
}

static err_t accept_conn(void *arg, struct tcp_pcb *pcb, err_t err)
{
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	tcp_arg(pcb, arg);
	tcp_recv(pcb, echo_recv);
	return ERR_OK;
}

static void listen_on(u16_t port, void *arg)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);

	if (!pcb || tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK || !(pcb = tcp_listen(pcb)))
		panic("cannot listen on port %u", port);
	tcp_arg(pcb, arg);
	tcp_accept(pcb, accept_conn);
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		     u16_t port)
{
	(void)arg;
	if (port != 0) /* source port 0: "no reply expected" (RFC 768) */
		udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

static void active_error(void *arg, err_t err)
{
	(void)arg, (void)err;
	active = NULL; /* lwIP has freed it */
}

static err_t active_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	static const char hello[] = "hello from the active side\n";

	(void)arg, (void)err;
	tcp_write(pcb, hello, sizeof(hello) - 1, 0);
	tcp_output(pcb);
	return ERR_OK;
}

static void open_active(void)
{
	ip_addr_t peer = IPADDR4_INIT_BYTES(10, 0, 2, 2);

	active = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!active || tcp_bind(active, IP_ANY_TYPE, ACTIVE_PORT) != ERR_OK)
		panic("cannot bind the active connection");
	tcp_err(active, active_error);
	tcp_recv(active, echo_recv);
	if (tcp_connect(active, &peer, 9000, active_connected) != ERR_OK)
		panic("cannot connect the active connection");
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

static void set_up(void)
{
	struct classifier_config cfg = { .key = { 1, 2, 3, 4 }, .mtu = 1500 };
	ip4_addr_t ip, mask, gw;

	if (classifier_init(&cfg))
		panic("classifier_init failed");
	lwip_init();
	IP4_ADDR(&ip, 10, 0, 2, 15);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 2, 2);
	if (!netif_add(&netif, &ip, &mask, &gw, NULL, netif_setup, ethernet_input))
		panic("netif_add failed");
	netif_create_ip6_linklocal_address(&netif, 1);
	netif_set_default(&netif);
	netif_set_up(&netif);
	set_addresses();
	listen_on(80, NULL);
	listen_on(81, &netif); /* any non-NULL argument: the sink */
	struct udp_pcb *udp = udp_new_ip_type(IPADDR_TYPE_ANY);

	if (!udp || udp_bind(udp, IP_ANY_TYPE, 7) != ERR_OK)
		panic("cannot bind UDP port 7");
	udp_recv(udp, udp_echo, NULL);
}

/*
 * Back to the state after set_up: every connection aborted, the caches
 * emptied, the addresses and limits router advertisements may change put
 * back, the clock moved on past every timer, and TCP's timer at the same
 * phase (its slow half runs every other call: one more call when the
 * last one ran it, which tcp_ticks tells).
 */
static void reset(void)
{
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	if (active) /* bound, never connected */
		tcp_close(active);
	active = NULL;
	etharp_cleanup_netif(&netif);
	nd6_cleanup_netif(&netif);
	set_addresses();
	now_ms += 600000;
	sys_check_timeouts();
	u32_t ticks = tcp_ticks;

	tcp_tmr();
	if (tcp_ticks != ticks)
		tcp_tmr();
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

static void receive(const struct net_record *r)
{
	static uint8_t frame[NET_FRAME_MAX];
	struct classify_result res;

	memcpy(frame, r->frame, r->len);
	fix_numbers(frame, r->len, r->flags);
	enum classify_verdict verdict = classify(frame, r->len, NULL, &res);

	if (trace) {
		trace_frame("in", frame, r->len, net_frames_tcp_offset(frame, r->len));
		if (verdict == CLASSIFY_DROP)
			fprintf(stderr, "in: dropped by the classifier: %s\n",
				classify_drop_name(res.reason));
	}
	if (verdict == CLASSIFY_STACK) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)r->len, PBUF_POOL);

		if (!p)
			panic("pbuf_alloc failed");
		pbuf_take(p, frame, (u16_t)r->len);
		if (netif.input(p, &netif) != ERR_OK)
			pbuf_free(p);
	}
	netif_poll(&netif);
	now_ms += NET_TICK_MS[NET_TICK(r->flags)];
	sys_check_timeouts();
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
