/*
 * The input of fuzz_net (fuzz/fuzz_net.c): a list of received frames, and
 * the structure-aware mutator that keeps them parseable.
 *
 * An input is records, one frame each:
 *
 *   flags (1 byte)  bit 0: set the TCP acknowledgement number to the next
 *                   sequence number the stack sent on that flow; bit 1: set
 *                   the TCP sequence number to the one it acknowledged last
 *                   (so a frame stays in the window after mutation);
 *                   bits 2-4: the clock moves on by TICK_MS[n] afterwards;
 *                   then the application's turn (fuzz_net.c), where bit 5
 *                   leaves the data unread (and UDP's echo answers through
 *                   the datagram API), bit 6 shuts down the newest
 *                   connection's sending side, bit 7 closes the oldest
 *   length (2 bytes, little-endian, at most NET_FRAME_MAX)
 *   the frame (Ethernet header on); a "frame" of at most NET_APP_CALL_MAX
 *                   bytes (no room for an Ethernet header) is no frame but
 *                   one more call of the application (fuzz_net.c, app_call:
 *                   its first byte the call, the others its arguments), the
 *                   flags byte then unused
 *
 * A last record cut short is ignored. net_frames_fix rewrites a frame's
 * IPv4 total length and header checksum, IPv6 payload length, UDP length
 * and the TCP, UDP, ICMP and ICMPv6 checksums to match its bytes; the
 * mutator calls it on most (not all) frames it changes, so that mutated
 * frames get past the checks at the front of each layer and into what is
 * behind them, while a bad length or checksum still comes up.
 */
#ifndef CARAPACE_FUZZ_NET_FRAMES_H
#define CARAPACE_FUZZ_NET_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define NET_FRAME_MAX      1514
#define NET_RECORD_HEADER  3
#define NET_FIX_ACK        0x01
#define NET_FIX_SEQ        0x02
#define NET_TICK(flags)    (((flags) >> 2) & 7)
#define NET_APP_NO_READ    0x20
#define NET_APP_SHUT_WR    0x40
#define NET_APP_CLOSE      0x80
#define NET_APP_CALL_MAX   13

extern const uint32_t NET_TICK_MS[8];

struct net_record {
	uint8_t flags;
	const uint8_t *frame;
	size_t len;
};

/* The next record at *at of data[0..size); 0 when none is left. */
int net_record_next(const uint8_t *data, size_t size, size_t *at, struct net_record *out);

/*
 * Rewrites the lengths and checksums of frame[0..len) to match it; returns
 * where the upper-layer (TCP, UDP, ICMP, ICMPv6) checksum it wrote is in
 * frame, or 0 when it wrote none.
 */
size_t net_frames_fix(uint8_t *frame, size_t len);

/* Where frame's TCP header is, or -1 (IPv4 or IPv6 without extension headers). */
long net_frames_tcp_offset(const uint8_t *frame, size_t len);

/* One's-complement checksum update for a 32-bit field changed from old to new. */
void net_frames_csum_update32(uint8_t csum[2], uint32_t old_value, uint32_t new_value);

/*
 * The mutator: data[0..size) in a buffer of max bytes, mutated in place;
 * returns the new size. bytes_mutate changes buf[0..len) within cap bytes
 * and returns the new length (libFuzzer's LLVMFuzzerMutate, or AFL++'s
 * mutator's own); seed drives every choice.
 */
typedef size_t (*net_bytes_mutate_fn)(uint8_t *buf, size_t len, size_t cap, unsigned seed);
size_t net_frames_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
			 net_bytes_mutate_fn bytes_mutate);

#endif
