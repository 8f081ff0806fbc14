/*
 * The classifier's entry point: validate (frame_check.c), pick the path,
 * hand a flow's frame to its channel (channel.c), count.
 *
 * The counters are plain atomics, not per-CPU: a device's receive queue is
 * served on one CPU at a time, so their cache lines stay with that CPU,
 * and a reader needs no sum over CPUs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>

#include "classifier_impl.h"

#define TCP_FLAGS_OFFSET 13
#define TCP_FIN_SYN_RST 0x07
#define ETH_GROUP_BIT 0x01 /* in the destination MAC's first byte */
#define IP_MIN_MTU 68 /* RFC 791: every host takes 68-byte packets */
#define IP_MAX_MTU 65535

struct classifier_state classifier = {
	.mtu = CLASSIFIER_DEFAULT_MTU,
	.lock = SPINLOCK_INIT,
};

#define NAME_OF(suffix, name) name,
static const char *const drop_names[CLASSIFY_DROP_COUNT] = {
	CLASSIFY_DROP_REASONS(NAME_OF)
};
static const char *const path_names[CLASSIFY_PATH_COUNT] = {
	CLASSIFY_PATHS(NAME_OF)
};
static const char *const channel_drop_names[CHANNEL_DROP_COUNT] = {
	CHANNEL_DROP_REASONS(NAME_OF)
};
#undef NAME_OF

const char *classify_drop_name(enum classify_drop reason)
{
	return (unsigned)reason < CLASSIFY_DROP_COUNT ? drop_names[reason] : "unknown";
}

const char *classify_path_name(enum classify_path path)
{
	return (unsigned)path < CLASSIFY_PATH_COUNT ? path_names[path] : "unknown";
}

int classifier_init(const struct classifier_config *cfg)
{
	size_t mtu = cfg->mtu ? cfg->mtu : CLASSIFIER_DEFAULT_MTU;

	if (mtu < IP_MIN_MTU || mtu > IP_MAX_MTU)
		return -EINVAL;
	if (__atomic_load_n(&classifier.channels, __ATOMIC_ACQUIRE) != 0)
		return -EBUSY;
	memcpy(classifier.key, cfg->key, CLASSIFIER_KEY_LEN);
	classifier.mtu = mtu;
	classifier.fragments_to_stack = cfg->fragments_to_stack;
	classifier.rcu = cfg->rcu;
	for (size_t i = 0; i < CLASSIFY_PATH_COUNT; i++)
		__atomic_store_n(&classifier.paths[i], 0, __ATOMIC_RELAXED);
	for (size_t i = 0; i < CLASSIFY_DROP_COUNT; i++)
		__atomic_store_n(&classifier.drops[i], 0, __ATOMIC_RELAXED);
	for (size_t i = 0; i < CHANNEL_DROP_COUNT; i++)
		__atomic_store_n(&classifier.channel_drops[i], 0, __ATOMIC_RELAXED);
	return 0;
}

/* A flow's frame into its channel's ring; the path it took. */
static enum classify_path channel_push(struct channel *ch, void *handle)
{
	bool pushed;

	/* One producer at a time: a second CPU backs off to the stack. */
	if (__atomic_exchange_n(&ch->producing, 1, __ATOMIC_ACQUIRE))
		return CLASSIFY_PATH_CHANNEL_BUSY;
	pushed = ring_push(&ch->ring, handle);
	__atomic_store_n(&ch->producing, 0, __ATOMIC_RELEASE);
	if (!pushed)
		return CLASSIFY_PATH_CHANNEL_FULL;
	if (ch->wake)
		ch->wake(ch);
	return CLASSIFY_PATH_CHANNEL;
}

/*
 * Whether a valid frame may go to a channel: TCP with none of SYN, FIN,
 * RST (those change the connection's state: the stack's thread sees
 * them), or UDP; never a fragment (has_flow is false for those).
 */
static bool channel_candidate(const uint8_t *frame, const struct classify_result *out)
{
	if (!out->has_flow || __atomic_load_n(&classifier.channels, __ATOMIC_RELAXED) == 0)
		return false;
	if (out->flow.protocol == FLOW_TCP)
		return (frame[out->l4_offset + TCP_FLAGS_OFFSET] & TCP_FIN_SYN_RST) == 0;
	/* UDP to a group MAC (broadcast, multicast): the stack's, which knows
	 * the groups joined and which sockets share the datagram. */
	return (frame[0] & ETH_GROUP_BIT) == 0;
}

/* A valid frame: its path, pushed into a channel when it has one. */
static enum classify_path route(const uint8_t *frame, void *handle, struct classify_result *out)
{
	const struct classifier_rcu *rcu = classifier.rcu;
	enum classify_path path = CLASSIFY_PATH_STACK;
	struct channel *ch;

	if (out->fragment && !classifier.fragments_to_stack) {
		out->reason = CLASSIFY_DROP_IP_FRAGMENT;
		return CLASSIFY_PATH_DROP;
	}
	if (!channel_candidate(frame, out))
		return CLASSIFY_PATH_STACK;
	if (rcu)
		rcu->read_lock();
	ch = channel_lookup(&out->flow);
	if (ch) {
		path = channel_push(ch, handle);
		if (path == CLASSIFY_PATH_CHANNEL)
			out->channel = ch;
	}
	if (rcu)
		rcu->read_unlock();
	return path;
}

enum classify_verdict classify(const uint8_t *frame, size_t len, void *handle,
			       struct classify_result *out)
{
	enum classify_drop reason = frame_check(frame, len, classifier.mtu, out);

	out->channel = NULL;
	out->reason = reason;
	out->path = reason == FRAME_VALID ? route(frame, handle, out) : CLASSIFY_PATH_DROP;
	__atomic_fetch_add(&classifier.paths[out->path], 1, __ATOMIC_RELAXED);
	if (out->path == CLASSIFY_PATH_DROP) {
		__atomic_fetch_add(&classifier.drops[out->reason], 1, __ATOMIC_RELAXED);
		out->verdict = CLASSIFY_DROP;
	} else {
		out->verdict = out->path == CLASSIFY_PATH_CHANNEL ? CLASSIFY_CHANNEL : CLASSIFY_STACK;
	}
	return out->verdict;
}

void classifier_counters_read(struct classifier_counters *c)
{
	c->frames = 0;
	for (size_t i = 0; i < CLASSIFY_PATH_COUNT; i++) {
		c->paths[i] = __atomic_load_n(&classifier.paths[i], __ATOMIC_RELAXED);
		c->frames += c->paths[i];
	}
	for (size_t i = 0; i < CLASSIFY_DROP_COUNT; i++)
		c->drops[i] = __atomic_load_n(&classifier.drops[i], __ATOMIC_RELAXED);
	c->channels_open = __atomic_load_n(&classifier.channels, __ATOMIC_RELAXED);
	for (size_t i = 0; i < CHANNEL_DROP_COUNT; i++)
		c->channel_drops[i] = __atomic_load_n(&classifier.channel_drops[i], __ATOMIC_RELAXED);
}

void classifier_count_channel_drop(enum channel_drop reason)
{
	if ((unsigned)reason < CHANNEL_DROP_COUNT)
		__atomic_fetch_add(&classifier.channel_drops[reason], 1, __ATOMIC_RELAXED);
}

/* Appends one line; *used grows by the line's whole length even past len. */
static void format_line(char *buf, size_t len, size_t *used, const char *prefix,
			const char *name, uint64_t value)
{
	size_t room = *used < len ? len - *used : 0;
	int n = fmt_snprintf(room ? buf + *used : NULL, room, "%s%s %llu\n", prefix, name,
			     (unsigned long long)value);

	*used += (size_t)n;
}

int classifier_counters_format(char *buf, size_t len)
{
	struct classifier_counters c;
	size_t used = 0;

	classifier_counters_read(&c);
	if (len)
		buf[0] = '\0';
	format_line(buf, len, &used, "", "frames", c.frames);
	format_line(buf, len, &used, "", "channels-open", c.channels_open);
	for (size_t i = 0; i < CLASSIFY_PATH_COUNT; i++)
		format_line(buf, len, &used, "path-", path_names[i], c.paths[i]);
	for (size_t i = 0; i < CLASSIFY_DROP_COUNT; i++)
		format_line(buf, len, &used, "drop-", drop_names[i], c.drops[i]);
	for (size_t i = 0; i < CHANNEL_DROP_COUNT; i++)
		format_line(buf, len, &used, "channel-drop-", channel_drop_names[i], c.channel_drops[i]);
	return (int)used;
}
