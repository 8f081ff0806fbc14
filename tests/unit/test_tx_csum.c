/*
 * Tests for transmit checksum offload: what the virtio-net driver writes
 * for a frame whose TCP or UDP checksum the device is to compute
 * (virtio_net_tx_csum, kernel/dev/virtio_net_check.c, on kernel/net/
 * l4_csum.c), and the software sum of a packet looped to self
 * (l4_csum_fill). The device is played here as the virtio spec says
 * (5.1.6.2): sum from csum_start to the end, store the complement at
 * csum_start + csum_offset. The result must equal an RFC 793/768/8200
 * checksum computed the slow way from an explicit pseudo-header, so a
 * wrong start, offset or pseudo-header sum fails.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/l4_csum.h>
#include <carapace/virtio_net.h>

#define ETH_HLEN 14

/* The slow, obvious sum of big-endian 16-bit words (a lone byte padded). */
static uint32_t slow_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	return sum;
}

static uint16_t slow_fold_invert(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The checksum the packet must carry: pseudo-header, then the segment with its field 0. */
static uint16_t reference(const uint8_t *ip, size_t start, size_t l4_len, uint8_t proto,
			  size_t field)
{
	uint8_t seg[2048];
	uint8_t tail[4] = { 0, proto, (uint8_t)(l4_len >> 8), (uint8_t)l4_len };
	bool v6 = ip[0] >> 4 == 6;
	uint32_t sum = slow_sum(ip + (v6 ? 8 : 12), v6 ? 32 : 8, 0);
	uint16_t r;

	sum = slow_sum(tail, sizeof(tail), sum);
	memcpy(seg, ip + start, l4_len);
	seg[field] = seg[field + 1] = 0;
	r = slow_fold_invert(slow_sum(seg, l4_len, sum));
	return proto == 17 && r == 0 ? 0xffff : r;
}

/* An Ethernet frame of a TCP/IPv4 segment with payload bytes, into f; its length. */
static size_t tcp4_frame(uint8_t *f, size_t payload)
{
	size_t ip_len = 20 + 20 + payload;

	memset(f, 0, ETH_HLEN + ip_len);
	f[12] = 0x08, f[13] = 0x00;
	f[14] = 0x45, f[16] = (uint8_t)(ip_len >> 8), f[17] = (uint8_t)ip_len;
	f[20] = 0x40; /* don't fragment: not a fragment */
	f[22] = 64, f[23] = 6;
	memcpy(f + 26, (uint8_t[]){ 10, 0, 2, 15, 10, 0, 2, 2 }, 8);
	f[34] = 0x2b, f[35] = 0xcb, f[36] = 0xc3, f[37] = 0x50; /* ports 11211, 50000 */
	f[46] = 0x50, f[47] = 0x18; /* data offset 5, PSH ACK */
	f[48] = 0xff, f[49] = 0xff;
	f[50] = 0xaa, f[51] = 0x55; /* a stale checksum the driver must replace */
	for (size_t i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(i * 7 + 3);
	return ETH_HLEN + ip_len;
}

/* An Ethernet frame of a UDP/IPv6 datagram with an odd payload length. */
static size_t udp6_frame(uint8_t *f, size_t payload)
{
	size_t l4 = 8 + payload;

	memset(f, 0, ETH_HLEN + 40 + l4);
	f[12] = 0x86, f[13] = 0xdd;
	f[14] = 0x60, f[18] = (uint8_t)(l4 >> 8), f[19] = (uint8_t)l4, f[20] = 17, f[21] = 64;
	f[22] = 0xfe, f[23] = 0x80, f[37] = 0x15;                   /* fe80::15 */
	f[38] = 0x20, f[39] = 0x01, f[40] = 0x0d, f[41] = 0xb8, f[53] = 2; /* 2001:db8::2 */
	f[54] = 0x2b, f[55] = 0xcb, f[56] = 0xd4, f[57] = 0x31;
	f[58] = (uint8_t)(l4 >> 8), f[59] = (uint8_t)l4;
	for (size_t i = 0; i < payload; i++)
		f[62 + i] = (uint8_t)(0xf0 ^ i);
	return ETH_HLEN + 40 + l4;
}

/* The device's side of NEEDS_CSUM (virtio 1.x, 5.1.6.2). */
static void device_completes(uint8_t *f, size_t len, const struct virtio_net_hdr *h)
{
	uint16_t c = slow_fold_invert(slow_sum(f + h->csum_start, len - h->csum_start, 0));

	f[h->csum_start + h->csum_offset] = (uint8_t)(c >> 8);
	f[h->csum_start + h->csum_offset + 1] = (uint8_t)c;
}

static uint16_t field_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void test_tcp4_header(void **state)
{
	uint8_t f[2048];
	struct virtio_net_hdr h;

	(void)state;
	for (size_t payload = 0; payload < 1400; payload += 233) {
		size_t len = tcp4_frame(f, payload);

		memset(&h, 0, sizeof(h));
		assert_true(virtio_net_tx_csum(f, len, &h));
		assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(h.csum_start, 34);
		assert_int_equal(h.csum_offset, 16);
		assert_int_equal(h.gso_type, 0);
		device_completes(f, len, &h);
		assert_int_equal(field_at(f + 50), reference(f + ETH_HLEN, 20, 20 + payload, 6, 16));
	}
}

static void test_udp6_header(void **state)
{
	uint8_t f[2048];
	struct virtio_net_hdr h;

	(void)state;
	for (size_t payload = 1; payload < 1400; payload += 211) {
		size_t len = udp6_frame(f, payload);

		memset(&h, 0, sizeof(h));
		assert_true(virtio_net_tx_csum(f, len, &h));
		assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(h.csum_start, 54);
		assert_int_equal(h.csum_offset, 6);
		device_completes(f, len, &h);
		assert_int_equal(field_at(f + 60), reference(f + ETH_HLEN, 40, 8 + payload, 17, 6));
	}
}

/* Frames whose checksum lwIP computed: left exactly as they were. */
static void test_not_offloaded(void **state)
{
	uint8_t f[2048], before[2048];
	struct virtio_net_hdr h, zero = { 0 };
	size_t len;

	(void)state;
	for (int c = 0; c < 9; c++) {
		len = c < 6 ? tcp4_frame(f, 100) : udp6_frame(f, 100);
		switch (c) {
		case 0: f[23] = 1; break;             /* ICMP */
		case 1: f[21] = 0x01; break;          /* a fragment at offset 8 */
		case 2: f[20] = 0x20; break;          /* the first fragment: more follow */
		case 3: f[17] += 1; break;            /* total length past the frame */
		case 4: f[12] = 0x08, f[13] = 0x06; break; /* ARP */
		case 5: f[14] = 0x44; break;          /* IHL 4: under the least header */
		case 6: f[20] = 44; break;            /* a fragment header */
		case 7: f[19] = 7; break;             /* payload shorter than a UDP header */
		case 8: f[14] = 0x45; break;          /* IPv6 ethertype, an IPv4 header */
		}
		memcpy(before, f, len);
		memset(&h, 0, sizeof(h));
		assert_false(virtio_net_tx_csum(f, len, &h));
		assert_memory_equal(&h, &zero, sizeof(h));
		assert_memory_equal(f, before, len);
	}
	assert_false(virtio_net_tx_csum(f, ETH_HLEN, &h));
}

/* A packet looped to self: summed whole in software, the same sum. */
static void test_fill(void **state)
{
	uint8_t f[2048];
	size_t len;

	(void)state;
	len = tcp4_frame(f, 301);
	l4_csum_fill(f + ETH_HLEN, len - ETH_HLEN);
	assert_int_equal(field_at(f + 50), reference(f + ETH_HLEN, 20, 20 + 301, 6, 16));
	len = udp6_frame(f, 77);
	l4_csum_fill(f + ETH_HLEN, len - ETH_HLEN);
	assert_int_equal(field_at(f + 60), reference(f + ETH_HLEN, 40, 8 + 77, 17, 6));
}

/* A received UDP datagram's checksum, checked by a channel's reader. */
static void test_udp_received(void **state)
{
	uint8_t f[2048];
	size_t len;

	(void)state;
	len = udp6_frame(f, 77);
	l4_csum_fill(f + ETH_HLEN, len - ETH_HLEN);
	assert_true(l4_csum_udp_ok(f + ETH_HLEN, f + 54, 8 + 77));
	f[62 + 10] ^= 0x40; /* one bit of the payload */
	assert_false(l4_csum_udp_ok(f + ETH_HLEN, f + 54, 8 + 77));
	f[62 + 10] ^= 0x40;
	f[23] ^= 1; /* the source address: the pseudo-header counts */
	assert_false(l4_csum_udp_ok(f + ETH_HLEN, f + 54, 8 + 77));
	f[23] ^= 1;
	f[60] = f[61] = 0; /* none: refused over IPv6 */
	assert_false(l4_csum_udp_ok(f + ETH_HLEN, f + 54, 8 + 77));
	/* IPv4 (the TCP frame made UDP): a sum, then none, which IPv4 allows. */
	len = tcp4_frame(f, 40);
	f[23] = 17;
	f[38] = 0, f[39] = 60; /* UDP length: the IP payload, 20 + 40 */
	f[40] = f[41] = 0;
	l4_csum_fill(f + ETH_HLEN, len - ETH_HLEN);
	assert_int_equal(field_at(f + 40), reference(f + ETH_HLEN, 20, 60, 17, 6));
	assert_true(l4_csum_udp_ok(f + ETH_HLEN, f + 34, 60));
	f[80] ^= 1;
	assert_false(l4_csum_udp_ok(f + ETH_HLEN, f + 34, 60));
	f[40] = f[41] = 0;
	assert_true(l4_csum_udp_ok(f + ETH_HLEN, f + 34, 60));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4_header),
		cmocka_unit_test(test_udp6_header),
		cmocka_unit_test(test_not_offloaded),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_udp_received),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
