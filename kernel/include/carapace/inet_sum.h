/*
 * The Internet checksum's ones' complement sum (RFC 1071) of len bytes at
 * data, as lwIP's LWIP_CHKSUM wants it: the 16-bit words as they lie in
 * memory (so the result is in network order), folded, not inverted, with a
 * lone last byte as the first byte of a word. Any alignment: the words are
 * read unaligned, eight bytes at a time, into a 64-bit sum of 32-bit halves
 * (2^16 is 1 modulo 0xffff, so a sum of 32-bit words folds to the sum of
 * the 16-bit ones). lwIP's own version reads two bytes a step; a server's
 * 1 KiB responses spent 4,500 instructions an operation in it under TCG.
 */
#ifndef CARAPACE_INET_SUM_H
#define CARAPACE_INET_SUM_H

#include <stdint.h>

typedef uint64_t __attribute__((aligned(1), may_alias)) inet_sum_u64;
typedef uint32_t __attribute__((aligned(1), may_alias)) inet_sum_u32;
typedef uint16_t __attribute__((aligned(1), may_alias)) inet_sum_u16;

static inline uint16_t inet_sum(const void *data, int len)
{
	const unsigned char *p = (const unsigned char *)data;
	uint64_t sum = 0;

#if defined(__x86_64__)
	/*
	 * 32 bytes a step as four 64-bit adds, each carry added back by the
	 * next (adc; lea and dec leave the carry alone): a ones' complement
	 * sum modulo 2^64 - 1, which 0xffff divides, so it folds to the same
	 * 16 bits. Under TCG seven instructions where the C loop below takes
	 * about twenty (a reply's UDP checksum was 865 instructions).
	 */
	if (len >= 32) {
		uint64_t blocks = (uint64_t)len / 32;

		__asm__("clc\n"
			"1:\n\t"
			"adcq 0(%[p]), %[sum]\n\t"
			"adcq 8(%[p]), %[sum]\n\t"
			"adcq 16(%[p]), %[sum]\n\t"
			"adcq 24(%[p]), %[sum]\n\t"
			"leaq 32(%[p]), %[p]\n\t"
			"decq %[n]\n\t"
			"jnz 1b\n\t"
			"adcq $0, %[sum]"
			: [sum] "+r"(sum), [p] "+r"(p), [n] "+r"(blocks)
			:
			: "cc", "memory");
		len %= 32;
		/* Room for the tail's additions below: 33 bits at most. */
		sum = (sum & 0xffffffffu) + (sum >> 32);
	}
#else
	for (; len >= 32; p += 32, len -= 32) {
		for (int i = 0; i < 4; i++) {
			uint64_t w = ((const inet_sum_u64 *)p)[i];

			sum += (uint32_t)w;
			sum += w >> 32;
		}
	}
#endif
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w = *(const inet_sum_u64 *)p;

		sum += (uint32_t)w;
		sum += w >> 32;
	}
	if (len >= 4) {
		sum += *(const inet_sum_u32 *)p;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		sum += *(const inet_sum_u16 *)p;
		p += 2;
		len -= 2;
	}
	if (len > 0)
		sum += *p; /* little-endian: the first byte of a word is its low byte */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif
