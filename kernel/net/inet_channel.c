/*
 * Net channels for TCP sockets (README.md, "Net channels"), OSv's design:
 * once a connection is established, the packet classifier pushes its
 * frames (data and acknowledgements: none with SYN, FIN or RST) into the
 * socket's channel from the driver's thread, and whoever next reads,
 * writes or polls the socket runs them through lwIP in its own thread,
 * under lwIP's core lock. lwIP's tcpip thread then sees only the frames
 * that change a connection's state, and a receive costs no switch to it.
 *
 * Kernel only. The socket's calls all run under the VFS lock, so the ring
 * has one consumer at a time, as it must.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/memory.h>

#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/api.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <netif/ethernet.h>

#include "inet_channel.h"
#include "net_impl.h"

/*
 * Frames a channel holds before the classifier sends the flow's next ones
 * to lwIP's thread (path-channel-full): a receive window of 128 KiB is
 * about 90 full frames, and the slots cost 2 KiB a connection.
 */
#define INET_CHANNEL_SLOTS 256

/* The flow as the classifier sees a received frame: local is its destination. */
static bool flow_of(const struct tcp_pcb *pcb, struct flow_key *key)
{
	memset(key, 0, sizeof(*key));
	key->protocol = FLOW_TCP;
	key->local_port = pcb->local_port;
	key->remote_port = pcb->remote_port;
	if (IP_IS_V4(&pcb->local_ip)) {
		key->family = FLOW_IPV4;
		memcpy(key->local_addr, &ip_2_ip4(&pcb->local_ip)->addr, 4);
		memcpy(key->remote_addr, &ip_2_ip4(&pcb->remote_ip)->addr, 4);
	} else {
		key->family = FLOW_IPV6;
		memcpy(key->local_addr, ip_2_ip6(&pcb->local_ip)->addr, 16);
		memcpy(key->remote_addr, ip_2_ip6(&pcb->remote_ip)->addr, 16);
	}
	/* Loopback frames go from lwIP to lwIP: no classifier, no channel. */
	return !ip_addr_isloopback(&pcb->local_ip);
}

void inet_channel_open(struct inet_channel *c, struct netconn *conn, channel_wake_fn wake,
		       void *owner)
{
	struct flow_key key;
	bool usable;

	if (c->slots || !net_channels_enabled())
		return;
	LOCK_TCPIP_CORE();
	usable = conn->pcb.tcp && conn->pcb.tcp->state == ESTABLISHED &&
		 flow_of(conn->pcb.tcp, &key);
	UNLOCK_TCPIP_CORE();
	/* Not opened (-EEXIST): an older socket of the same four-tuple still has one. */
	if (usable && inet_channel_start(c, &key, INET_CHANNEL_SLOTS, wake, owner))
		c->conn = conn;
}

bool inet_channel_start(struct inet_channel *c, const struct flow_key *key, size_t slots,
			channel_wake_fn wake, void *owner)
{
	if (!(c->slots = kmalloc(slots * sizeof(void *))))
		return false;
	if (channel_open(&c->ch, key, c->slots, slots, wake, owner)) {
		kfree(c->slots);
		c->slots = NULL;
		return false;
	}
	return true;
}

bool inet_channel_is_open(const struct inet_channel *c)
{
	return c->slots != NULL;
}

void inet_channel_input_locked(struct pbuf *p)
{
	struct netif *netif = netif_get_by_index(p->if_idx);

	if (netif)
		ethernet_input(p, netif); /* takes p, always */
	else
		pbuf_free(p);
}

/*
 * Up to max of the ring's frames through lwIP's input, as tcpip_thread
 * would run them; the count run. Each frame is the channel's connection's:
 * tcp_input looks at that pcb first (tcp_input_hint, kernel/net/lwip/
 * patches/tcp_in.c.patch) rather than walk every active connection. The
 * hint is read again for each frame: one may have ended the connection
 * (lwIP then cleared the netconn's pcb).
 */
static size_t run_frames(struct inet_channel *c, size_t max)
{
	void *frame;
	size_t n = 0;

	if (max == 0 || !channel_pop(&c->ch, &frame))
		return 0;
	LOCK_TCPIP_CORE();
	do {
		tcp_input_hint = c->conn ? c->conn->pcb.tcp : NULL;
		inet_channel_input_locked(frame);
	} while (++n < max && channel_pop(&c->ch, &frame));
	tcp_input_hint = NULL;
	UNLOCK_TCPIP_CORE();
	return n;
}

size_t inet_channel_drain(struct inet_channel *c, size_t max)
{
	return c->slots && !c->datagrams ? run_frames(c, max) : 0;
}

void inet_channel_stop(struct inet_channel *c, bool to_lwip)
{
	void *frame;

	if (!c->slots)
		return;
	channel_close(&c->ch);
	/* No classify() can push now. */
	if (to_lwip)
		run_frames(c, SIZE_MAX);
	while (channel_pop(&c->ch, &frame))
		pbuf_free(frame);
	kfree(c->slots);
	c->slots = NULL;
	c->conn = NULL;
}

void inet_channel_close(struct inet_channel *c)
{
	/* What is left is this connection's last acknowledgements and data,
	 * which lwIP still answers. */
	inet_channel_stop(c, true);
}
