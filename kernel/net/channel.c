/*
 * The channel table: CLASSIFIER_BUCKETS chains of channels, the bucket
 * picked by SipHash-2-4 of the flow under the per-boot key, so a sender
 * who does not know the key cannot aim many flows at one chain (OSv XORs
 * the address and port fields, and anyone can choose flows that collide).
 *
 * Readers (classify) walk a chain inside an RCU read section and take no
 * lock. Writers hold classifier.lock, link a filled-in channel at the head
 * of its chain with one release store, and unlink one with one store to
 * its predecessor; the unlinked channel keeps its next pointer, so a
 * reader standing on it walks on. channel_close then waits a grace period,
 * after which no reader can hold the channel and its memory is the
 * caller's again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/wire.h>

#include "classifier_impl.h"

_Static_assert(sizeof(struct flow_key) == 38, "struct flow_key has padding");
_Static_assert((CLASSIFIER_BUCKETS & (CLASSIFIER_BUCKETS - 1)) == 0,
	       "CLASSIFIER_BUCKETS is a power of two");

#define FLOW_HASH_HEADER 6 /* family, protocol and the two ports */

static const uint8_t zero_addr[16];

uint64_t classifier_flow_hash(const struct flow_key *key)
{
	uint8_t buf[FLOW_HASH_HEADER + 32];
	size_t alen = key->family == FLOW_IPV4 ? 4 : 16;

	/* Bytes in a fixed order, so the hash does not depend on the ABI. */
	buf[0] = key->family;
	buf[1] = key->protocol;
	buf[2] = (uint8_t)(key->local_port >> 8);
	buf[3] = (uint8_t)key->local_port;
	buf[4] = (uint8_t)(key->remote_port >> 8);
	buf[5] = (uint8_t)key->remote_port;
	wire_copy_addr(buf + FLOW_HASH_HEADER, key->local_addr, alen);
	wire_copy_addr(buf + FLOW_HASH_HEADER + alen, key->remote_addr, alen);
	return siphash24(classifier.key, buf, FLOW_HASH_HEADER + 2 * alen);
}

unsigned classifier_bucket(const struct flow_key *key)
{
	return (unsigned)(classifier_flow_hash(key) & (CLASSIFIER_BUCKETS - 1));
}

static bool remote_is_wildcard(const struct flow_key *key)
{
	return key->remote_port == 0 && memcmp(key->remote_addr, zero_addr, 16) == 0;
}

/* The rules of carapace/classifier.h's channel_open, one by one. */
static bool key_is_valid(const struct flow_key *key)
{
	bool remote_any = remote_is_wildcard(key);

	if (key->family != FLOW_IPV4 && key->family != FLOW_IPV6)
		return false;
	if (key->protocol != FLOW_TCP && key->protocol != FLOW_UDP)
		return false;
	if (key->family == FLOW_IPV4 &&
	    (memcmp(key->local_addr + 4, zero_addr, 12) || memcmp(key->remote_addr + 4, zero_addr, 12)))
		return false;
	if (key->local_port == 0)
		return false;
	if (key->protocol == FLOW_TCP)
		return key->remote_port != 0 && !remote_any &&
		       memcmp(key->local_addr, zero_addr, 16) != 0;
	/* UDP: an exact remote, or none at all; any local address only then. */
	if (!remote_any && key->remote_port == 0)
		return false;
	return remote_any || memcmp(key->local_addr, zero_addr, 16) != 0;
}

static struct channel *find_in_bucket(const struct flow_key *key)
{
	struct channel *ch = __atomic_load_n(&classifier.buckets[classifier_bucket(key)],
					     __ATOMIC_ACQUIRE);

	for (; ch; ch = __atomic_load_n(&ch->next, __ATOMIC_ACQUIRE))
		if (memcmp(&ch->key, key, sizeof(*key)) == 0)
			return ch;
	return NULL;
}

/* The lookup step that finds a UDP key: classifier.udp_keys' index. */
enum { UDP_KEY_EXACT, UDP_KEY_LOCAL, UDP_KEY_ANY };

static unsigned udp_key_kind(const struct flow_key *key)
{
	if (!remote_is_wildcard(key))
		return UDP_KEY_EXACT;
	return memcmp(key->local_addr, zero_addr, 16) ? UDP_KEY_LOCAL : UDP_KEY_ANY;
}

static bool udp_keys_of(unsigned kind)
{
	return __atomic_load_n(&classifier.udp_keys[kind], __ATOMIC_RELAXED) != 0;
}

/*
 * A step is skipped while no channel of its kind is open: a server bound
 * to the any address costs one hash a datagram, not three. A channel
 * opening meanwhile may miss a frame or two, which take the stack's path.
 */
struct channel *channel_lookup(const struct flow_key *flow)
{
	struct flow_key any;
	struct channel *ch;

	if (flow->protocol != FLOW_UDP)
		return find_in_bucket(flow);
	if (udp_keys_of(UDP_KEY_EXACT) && (ch = find_in_bucket(flow)))
		return ch;
	any = *flow;
	any.remote_port = 0;
	memset(any.remote_addr, 0, sizeof(any.remote_addr));
	if (udp_keys_of(UDP_KEY_LOCAL) && (ch = find_in_bucket(&any)))
		return ch;
	if (!udp_keys_of(UDP_KEY_ANY))
		return NULL;
	memset(any.local_addr, 0, sizeof(any.local_addr));
	return find_in_bucket(&any);
}

int channel_open(struct channel *ch, const struct flow_key *key, void **slots,
		 size_t capacity, channel_wake_fn wake, void *owner)
{
	struct channel **head = &classifier.buckets[classifier_bucket(key)];

	if (!key_is_valid(key) || capacity == 0 || (capacity & (capacity - 1)) != 0)
		return -EINVAL;
	spin_lock(&classifier.lock);
	/* Checked before ch is touched: it may be that open channel itself. */
	if (find_in_bucket(key)) {
		spin_unlock(&classifier.lock);
		return -EEXIST;
	}
	ring_init(&ch->ring, slots, capacity);
	ch->key = *key;
	ch->producing = 0;
	ch->wake = wake;
	ch->owner = owner;
	ch->next = *head;
	__atomic_store_n(head, ch, __ATOMIC_RELEASE);
	__atomic_fetch_add(&classifier.channels, 1, __ATOMIC_RELEASE);
	if (key->protocol == FLOW_UDP)
		__atomic_fetch_add(&classifier.udp_keys[udp_key_kind(key)], 1, __ATOMIC_RELAXED);
	spin_unlock(&classifier.lock);
	return 0;
}

int channel_close(struct channel *ch)
{
	struct channel **link;

	spin_lock(&classifier.lock);
	link = &classifier.buckets[classifier_bucket(&ch->key)];
	while (*link && *link != ch)
		link = &(*link)->next;
	if (!*link) {
		spin_unlock(&classifier.lock);
		return -ENOENT;
	}
	__atomic_store_n(link, ch->next, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&classifier.channels, 1, __ATOMIC_RELEASE);
	if (ch->key.protocol == FLOW_UDP)
		__atomic_fetch_sub(&classifier.udp_keys[udp_key_kind(&ch->key)], 1, __ATOMIC_RELAXED);
	spin_unlock(&classifier.lock);
	if (classifier.rcu)
		classifier.rcu->synchronize();
	return 0;
}

bool channel_pop(struct channel *ch, void **handle)
{
	return ring_pop(&ch->ring, handle);
}
