/*
 * classifier: the first code that reads a received Ethernet frame
 * (portable: kernel/net/, also built into the host tests and fuzzers).
 *
 * classify() validates every header the frame carries (Ethernet, ARP,
 * IPv4, IPv6 and its extension headers, ICMP, ICMPv6, IGMP, TCP, UDP)
 * against the frame's length and against each other, then gives one of
 * three verdicts:
 *   CLASSIFY_DROP     the frame is malformed or refused by policy; the
 *                     result names the reason, and the caller frees it;
 *   CLASSIFY_CHANNEL  a frame of an established TCP connection or of a
 *                     bound UDP socket: its handle is now in that
 *                     socket's channel, whose reader processes it;
 *   CLASSIFY_STACK    everything else valid: the stack's normal input.
 * A frame that fails validation never gets STACK or CHANNEL. What is
 * checked, and each choice, is in kernel/net/README.md, "The packet
 * classifier".
 *
 * Channels live in a hash table keyed by the flow with SipHash-2-4 under a
 * per-boot secret key; classify() looks them up lock-free in an RCU read
 * section, channel_open and channel_close take a lock.
 */
#ifndef CARAPACE_CLASSIFIER_H
#define CARAPACE_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/ring.h>
#include <carapace/siphash.h>

#define CLASSIFIER_KEY_LEN SIPHASH_KEY_LEN
#define CLASSIFIER_DEFAULT_MTU 1500
#define CLASSIFIER_BUCKETS 256     /* channel table: a power of two */
#define CLASSIFIER_IPV6_EXT_MAX 8  /* extension headers walked before a drop */

/*
 * Drop reasons: X(ENUM_SUFFIX, "counter-name"). The names are stable: the
 * /proc file, the exit print and the tests use them.
 */
#define CLASSIFY_DROP_REASONS(X)                                          \
	X(ETH_SHORT, "eth-short")                                         \
	X(ETH_TOO_LONG, "eth-too-long")                                   \
	X(ETH_SRC_MULTICAST, "eth-src-multicast")                         \
	X(VLAN_TAGGED, "vlan-tagged")                                     \
	X(ETHERTYPE_UNSUPPORTED, "ethertype-unsupported")                 \
	X(ARP_SHORT, "arp-short")                                         \
	X(ARP_BAD_HEADER, "arp-bad-header")                               \
	X(ARP_BAD_OP, "arp-bad-op")                                       \
	X(IPV4_SHORT, "ipv4-short")                                       \
	X(IPV4_BAD_VERSION, "ipv4-bad-version")                           \
	X(IPV4_BAD_IHL, "ipv4-bad-ihl")                                   \
	X(IPV4_BAD_TOTAL_LENGTH, "ipv4-bad-total-length")                 \
	X(IPV4_BAD_CHECKSUM, "ipv4-bad-checksum")                         \
	X(IPV6_SHORT, "ipv6-short")                                       \
	X(IPV6_BAD_VERSION, "ipv6-bad-version")                           \
	X(IPV6_BAD_PAYLOAD_LENGTH, "ipv6-bad-payload-length")             \
	X(IPV6_BAD_EXT_HEADER, "ipv6-bad-ext-header")                     \
	X(IPV6_TOO_MANY_EXT_HEADERS, "ipv6-too-many-ext-headers")         \
	X(IP_BAD_SOURCE, "ip-bad-source")                                 \
	X(IP_PROTOCOL_UNSUPPORTED, "ip-protocol-unsupported")             \
	X(IP_BAD_FRAGMENT, "ip-bad-fragment")                             \
	X(IP_FRAGMENT, "ip-fragment")                                     \
	X(ICMP_SHORT, "icmp-short")                                       \
	X(ICMPV6_SHORT, "icmpv6-short")                                   \
	X(IGMP_SHORT, "igmp-short")                                       \
	X(TCP_SHORT, "tcp-short")                                         \
	X(TCP_BAD_DATA_OFFSET, "tcp-bad-data-offset")                     \
	X(TCP_BAD_OPTIONS, "tcp-bad-options")                             \
	X(TCP_BAD_FLAGS, "tcp-bad-flags")                                 \
	X(UDP_SHORT, "udp-short")                                         \
	X(UDP_BAD_LENGTH, "udp-bad-length")                               \
	X(PORT_ZERO, "port-zero")

#define CLASSIFY_DROP_ENUM(suffix, name) CLASSIFY_DROP_##suffix,
enum classify_drop {
	CLASSIFY_DROP_REASONS(CLASSIFY_DROP_ENUM)
	CLASSIFY_DROP_COUNT
};
#undef CLASSIFY_DROP_ENUM

enum classify_verdict {
	CLASSIFY_DROP,
	CLASSIFY_STACK,
	CLASSIFY_CHANNEL,
};

/*
 * Where a frame went, finer than the verdict: every classified frame is
 * counted under exactly one path. CHANNEL_FULL and CHANNEL_BUSY are frames
 * of an open channel that went to the stack instead (verdict STACK): its
 * ring was full, or another CPU was pushing into it at that moment.
 */
#define CLASSIFY_PATHS(X)                    \
	X(STACK, "stack")                    \
	X(CHANNEL, "channel")                \
	X(CHANNEL_FULL, "channel-full")      \
	X(CHANNEL_BUSY, "channel-busy")      \
	X(DROP, "drop")

#define CLASSIFY_PATH_ENUM(suffix, name) CLASSIFY_PATH_##suffix,
enum classify_path {
	CLASSIFY_PATHS(CLASSIFY_PATH_ENUM)
	CLASSIFY_PATH_COUNT
};
#undef CLASSIFY_PATH_ENUM

/*
 * Frames a channel took (counted under path-channel) that its reader then
 * dropped: a UDP checksum that does not hold (the classifier leaves
 * checksums to the reader), a connected socket's datagram from another
 * peer. X(ENUM_SUFFIX, "counter-name"), stable names as above.
 */
#define CHANNEL_DROP_REASONS(X)                   \
	X(UDP_BAD_CHECKSUM, "udp-bad-checksum")   \
	X(UDP_NOT_PEER, "udp-not-peer")

#define CHANNEL_DROP_ENUM(suffix, name) CHANNEL_DROP_##suffix,
enum channel_drop {
	CHANNEL_DROP_REASONS(CHANNEL_DROP_ENUM)
	CHANNEL_DROP_COUNT
};
#undef CHANNEL_DROP_ENUM

#define FLOW_IPV4 4
#define FLOW_IPV6 6
#define FLOW_TCP 6
#define FLOW_UDP 17

/*
 * A flow as this host sees it: local is the frame's destination, remote
 * its source. Ports in host byte order, addresses as on the wire; an IPv4
 * address fills the first 4 bytes and the other 12 are zero. Zero the
 * whole struct before filling it: flows compare byte for byte.
 *
 * A bound UDP socket that takes datagrams from anyone has a wildcard
 * remote (address all zero, port 0), and may have a wildcard local address
 * too (bound to the any address); TCP channels are exact.
 */
struct flow_key {
	uint8_t family;   /* FLOW_IPV4 or FLOW_IPV6 */
	uint8_t protocol; /* FLOW_TCP or FLOW_UDP */
	uint16_t local_port, remote_port;
	uint8_t local_addr[16], remote_addr[16];
};

struct channel;
/* Called after each frame pushed, in the receive context: must not sleep. */
typedef void (*channel_wake_fn)(struct channel *ch);

/*
 * A flow's channel: the caller owns the memory (and the ring's slot
 * array), fills nothing in itself, and keeps both until channel_close has
 * returned. The fields are the classifier's.
 */
struct channel {
	struct channel *next;  /* the bucket's chain, published under RCU */
	struct flow_key key;
	struct ring ring;      /* frame handles; the producer is classify() */
	int producing;         /* 1 while a classify() pushes: one producer */
	channel_wake_fn wake;
	void *owner;           /* the caller's (its socket) */
};

/* What classify() found. Offsets are from the frame's first byte. */
struct classify_result {
	enum classify_verdict verdict;
	enum classify_path path;
	enum classify_drop reason;   /* CLASSIFY_DROP only */
	struct channel *channel;     /* CLASSIFY_CHANNEL only */
	uint16_t ethertype;          /* 0 when the frame is too short for one */
	uint8_t protocol;            /* IP's upper protocol, 0 for ARP */
	bool fragment;               /* an IPv4 or IPv6 fragment */
	bool has_flow;               /* a TCP or UDP packet, not a fragment */
	struct flow_key flow;        /* when has_flow */
	size_t l3_offset, l4_offset; /* valid once the header was validated */
	size_t packet_end;           /* end of the IP packet (ARP: 42): bytes
					past it are Ethernet padding */
};

/*
 * The read side and grace period of RCU. The kernel passes its own
 * (kernel/net/classifier_kernel.c); the host tests a stand-in. NULL means
 * one thread does everything (fuzzers, benchmarks).
 */
struct classifier_rcu {
	void (*read_lock)(void);
	void (*read_unlock)(void);
	void (*synchronize)(void);
};

struct classifier_config {
	uint8_t key[CLASSIFIER_KEY_LEN]; /* the per-boot secret of the flow hash */
	size_t mtu;                      /* largest IP packet; 0: 1500 */
	bool fragments_to_stack;         /* false: drop fragments (ip-fragment) */
	const struct classifier_rcu *rcu;
};

/*
 * Sets the key and policy and zeroes the counters. -EINVAL for an MTU
 * under 68 or over 65535, -EBUSY while a channel is open.
 */
int classifier_init(const struct classifier_config *cfg);

/*
 * Classifies one received frame. handle is what a channel's reader gets
 * from channel_pop (the driver's buffer): on CLASSIFY_CHANNEL the channel
 * owns it, otherwise the caller still does. out->channel may be read only
 * by the caller that also keeps the channel from closing. Never blocks;
 * safe in an interrupt handler. Any number of callers at once.
 */
enum classify_verdict classify(const uint8_t *frame, size_t len, void *handle,
			       struct classify_result *out);

/*
 * Opens a channel for key with a ring of capacity slots (a power of two).
 * 0; -EINVAL for a bad key or capacity (TCP keys must be exact, a UDP
 * wildcard is the whole remote side, a wildcard local address needs a
 * wildcard remote); -EEXIST when that flow has a channel already. Thread
 * context; not from classify's wake callback.
 */
int channel_open(struct channel *ch, const struct flow_key *key, void **slots,
		 size_t capacity, channel_wake_fn wake, void *owner);
/*
 * Takes the channel out of the table and waits until no classify() can
 * still push into it. Frames left in its ring stay there for the caller
 * to pop and free. 0, or -ENOENT when it was not open. Thread context.
 */
int channel_close(struct channel *ch);
/* The channel's one reader: the next frame handle, false when empty. */
bool channel_pop(struct channel *ch, void **handle);

/* The flow hash and the bucket it picks under the current key (tests). */
uint64_t classifier_flow_hash(const struct flow_key *key);
unsigned classifier_bucket(const struct flow_key *key);

struct classifier_counters {
	uint64_t frames; /* the sum of paths[] */
	uint64_t paths[CLASSIFY_PATH_COUNT];
	uint64_t drops[CLASSIFY_DROP_COUNT]; /* sums to paths[DROP] */
	uint64_t channels_open;
	uint64_t channel_drops[CHANNEL_DROP_COUNT]; /* after path-channel */
};

/* A channel's reader dropped a frame it had popped (any context). */
void classifier_count_channel_drop(enum channel_drop reason);

/* A snapshot of the counters (each read atomically, not all at once). */
void classifier_counters_read(struct classifier_counters *c);
/*
 * The counters as text, one "name value" line each: frames, channels-open,
 * path-NAME for each path, drop-NAME for each reason, channel-drop-NAME
 * for each reader's reason (every line, zeros too, in the enums' order). As snprintf: writes at most len-1 characters
 * and a NUL, returns the length the whole text has.
 */
int classifier_counters_format(char *buf, size_t len);
/* A buffer that always holds that whole text. */
#define CLASSIFIER_COUNTERS_TEXT_MAX 2048

const char *classify_drop_name(enum classify_drop reason);
const char *classify_path_name(enum classify_path path);

/*
 * Kernel only (kernel/net/classifier_kernel.c): classifier_init with a key
 * from the kernel's generator and the kernel's RCU (rcu_init is called
 * here). mtu 0 is 1500. 0 or a negative errno. Once per boot: once it has
 * succeeded, later calls return 0 and change nothing.
 */
int classifier_kernel_init(size_t mtu, bool fragments_to_stack);
/* The counters through kprintf, "classifier: name value" per line. */
void classifier_print_counters(void);

#endif
