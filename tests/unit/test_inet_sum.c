/*
 * carapace/inet_sum.h (lwIP's LWIP_CHKSUM) against the sum of RFC 1071 taken
 * the slow way, two bytes at a time, for every alignment and length up to
 * a frame and more, and against known checksums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <carapace/inet_sum.h>

/* The memory-order words' sum, folded; a lone last byte as a word's first byte. */
static uint16_t slow_sum(const unsigned char *p, int len)
{
	uint32_t sum = 0;

	for (int i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] | p[i + 1] << 8);
	if (len & 1)
		sum += p[len - 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_matches_slow_sum(void **unused)
{
	static unsigned char buf[2100];
	uint32_t x = 12345;

	(void)unused;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (int off = 0; off < 8; off++)
		for (int len = 0; len <= 2048; len++)
			assert_int_equal(inet_sum(buf + off, len), slow_sum(buf + off, len));
}

static void test_all_ones(void **unused)
{
	static unsigned char ff[4096];

	(void)unused;
	for (size_t i = 0; i < sizeof(ff); i++)
		ff[i] = 0xff;
	/* Carries all the way round: a sum of 0xffff words stays 0xffff. */
	assert_int_equal(inet_sum(ff, sizeof(ff)), 0xffff);
	assert_int_equal(inet_sum(ff + 1, 8), 0xffff);
	assert_int_equal(inet_sum(ff + 1, 7), 0x00ff); /* the lone byte is a word 0x00ff */
	assert_int_equal(inet_sum(ff, 0), 0);
}

/* An IPv4 header whose checksum (0xb861) is known: its sum is all ones. */
static void test_ipv4_header(void **unused)
{
	const unsigned char hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

	(void)unused;
	assert_int_equal(inet_sum(hdr, sizeof(hdr)), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_slow_sum),
		cmocka_unit_test(test_all_ones),
		cmocka_unit_test(test_ipv4_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
