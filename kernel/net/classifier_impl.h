/*
 * Shared by the classifier's files only (kernel/net/classifier.c,
 * frame_check.c, channel.c); the public API is carapace/classifier.h.
 */
#ifndef CLASSIFIER_IMPL_H
#define CLASSIFIER_IMPL_H

#include <carapace/classifier.h>
#include <carapace/spinlock.h>

/* frame_check returns this when the frame is valid. */
#define FRAME_VALID CLASSIFY_DROP_COUNT

struct classifier_state {
	uint8_t key[CLASSIFIER_KEY_LEN];
	size_t mtu;
	bool fragments_to_stack;
	const struct classifier_rcu *rcu;

	struct spinlock lock; /* channel_open and channel_close */
	struct channel *buckets[CLASSIFIER_BUCKETS];
	unsigned channels;    /* open channels, read without the lock */
	/* Of which UDP channels, by the lookup step that finds them
	 * (UDP_KEY_*): a step with none is skipped, and its SipHash with it. */
	unsigned udp_keys[3];

	uint64_t paths[CLASSIFY_PATH_COUNT];
	uint64_t drops[CLASSIFY_DROP_COUNT];
	uint64_t channel_drops[CHANNEL_DROP_COUNT];
};

extern struct classifier_state classifier;

/*
 * Validates frame and fills out's offsets, ethertype, protocol, fragment
 * and flow; returns FRAME_VALID or the drop reason. Reads nothing past
 * frame + len; writes only *out.
 */
enum classify_drop frame_check(const uint8_t *frame, size_t len, size_t mtu,
			       struct classify_result *out);

/*
 * The open channel that takes out's flow, or NULL: for TCP the exact flow,
 * for UDP the exact flow, else the local address and port with any remote,
 * else the port on any local address. Inside an RCU read section.
 */
struct channel *channel_lookup(const struct flow_key *flow);

#endif
