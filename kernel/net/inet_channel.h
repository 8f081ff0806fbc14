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

struct netconn;

struct inet_channel {
	struct channel ch;
	void **slots;  /* the ring's memory; NULL while no channel is open */
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
/* Whether c has an open channel. */
bool inet_channel_is_open(const struct inet_channel *c);

#endif
