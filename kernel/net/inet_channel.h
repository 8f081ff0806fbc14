/*
 * A connected TCP socket's net channel (inet_channel.c, README.md "Net
 * channels"): the packet classifier puts the connection's frames in the
 * channel's ring, and the socket's own reader runs them through lwIP.
 * For inet_socket.c only.
 */
#ifndef CARAPACE_INET_CHANNEL_H
#define CARAPACE_INET_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include <carapace/classifier.h>
#include <lwip/ip_addr.h>

struct netconn;

struct inet_channel {
	struct channel ch;
	void **slots;  /* the ring's memory; NULL while no channel is open */
	bool datagrams; /* a UDP socket's (udp_channel.c): never run by drain */
	struct netconn *conn; /* TCP: the connection whose frames these are */
};

/*
 * Opens the channel of conn's TCP connection, established, so that its
 * data and acknowledgements reach the classifier's ring instead of lwIP's
 * thread; wake(ch) is called after each frame pushed (must not sleep).
 * Does nothing, and the frames keep the normal path, when netchannels=off,
 * for a loopback connection (its frames never pass the classifier), when
 * the flow has a channel already or memory is short.
 */
void inet_channel_open(struct inet_channel *c, struct netconn *conn, channel_wake_fn wake,
		       void *owner);
/*
 * Frames a receive runs before it looks for data again: under half of a
 * connection's receive mailbox (128 pbufs, lwipopts.h), so that a batch of
 * data frames never finds it full (lwIP would keep the refused data and
 * drop the segments after it until TCP sends them again).
 */
#define INET_CHANNEL_BATCH 48

/*
 * Runs up to max of the frames waiting in the channel (SIZE_MAX: all)
 * through lwIP, in this thread; the count run, 0 when it was empty.
 */
size_t inet_channel_drain(struct inet_channel *c, size_t max);
/* Closes the channel (a grace period), then runs what was left in it. */
void inet_channel_close(struct inet_channel *c);
/*
 * For both kinds of socket's channels. inet_channel_start opens c's
 * channel for key with a ring of slots frames: false (the frames keep the
 * normal path) when memory is short or the flow has a channel already.
 * inet_channel_stop closes it (a grace period), then runs what was left
 * through lwIP's input (to_lwip) or frees it. inet_channel_input_locked
 * hands one frame to lwIP's input in this thread, under the core lock.
 */
struct pbuf;
bool inet_channel_start(struct inet_channel *c, const struct flow_key *key, size_t slots,
			channel_wake_fn wake, void *owner);
void inet_channel_stop(struct inet_channel *c, bool to_lwip);
void inet_channel_input_locked(struct pbuf *p);
/* Whether c has an open channel. */
bool inet_channel_is_open(const struct inet_channel *c);

/*
 * UDP (udp_channel.c). A datagram taken straight from its frame: the
 * payload is len bytes at off in p, which the socket frees once read.
 */
struct udp_datagram {
	struct pbuf *p;  /* NULL: none */
	uint16_t off, len;
	ip_addr_t from;
	uint16_t port;
};

/*
 * Opens, or moves to its new flow, the channel of conn's UDP pcb as it is
 * bound and connected now: a bound socket's datagrams (from anyone, or
 * from its peer once connected) reach the ring. Call after a bind, a
 * connect or disconnect, and a send that bound the pcb. Frames the old
 * flow's ring held go through lwIP's input. Nothing when netchannels=off,
 * unbound, on a loopback address, when another socket has the flow, or
 * memory is short: the socket keeps lwIP's path.
 */
void udp_channel_update(struct inet_channel *c, struct netconn *conn, channel_wake_fn wake,
			void *owner);
/*
 * The next datagram for conn from the ring, true when d was filled in.
 * Frames this path does not take run through lwIP's input (they may then
 * wait in conn's mailbox); a bad checksum, or a connected socket's
 * datagram from another peer, is dropped and counted.
 */
bool udp_channel_next(struct inet_channel *c, struct netconn *conn, struct udp_datagram *d);
/* Closes the channel (a grace period) and frees the frames left in it. */
void udp_channel_close(struct inet_channel *c);

/*
 * udp_output.c: pcb's datagram of len bytes at app (application memory,
 * range-checked by the caller) to to:port as one frame built here and
 * handed to the driver, under lwIP's core lock. 1 sent; 0 not this
 * path's (IPv6, not unicast, ARP has no entry yet, over the MTU, a socket
 * bound to another address or a device): send it through lwIP; -EFAULT
 * the copy faulted, -EIO the driver refused it (nothing sent either way).
 */
struct udp_pcb;
int udp_output_frame(struct udp_pcb *pcb, const ip_addr_t *to, uint16_t port, const void *app,
		     size_t len);

#endif
