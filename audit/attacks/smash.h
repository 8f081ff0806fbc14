/*
 * The stack-smashing attacks' vulnerable function and payload: a 16-byte
 * array copied into byte by byte (no FORTIFY call to stop it), and an
 * overflow that fills every word from the array up to the return address
 * with one value (so the canary's slot gets it) and puts the target in the
 * return address.
 */
#ifndef AUDIT_SMASH_H
#define AUDIT_SMASH_H

#include <stdint.h>
#include "attack.h"

static size_t return_slot_offset;

/* Called once with n == 0 to learn where its return address lies (what an
 * attacker reads from the binary's disassembly). */
__attribute__((noinline)) static void vulnerable(const unsigned char *input, size_t n)
{
	char buf[16];
	unsigned char *p = OPAQUE((unsigned char *)buf);

	return_slot_offset = (size_t)((char *)__builtin_frame_address(0) + 8 - buf);
	for (size_t i = 0; i < n; i++)
		p[i] = input[i];
}

/* Overflows vulnerable()'s array: canary_guess in every word, target in the
 * return address. Returns only if the overwritten return was not taken. */
static void smash(uint64_t canary_guess, uint64_t target)
{
	uint64_t payload[16];
	size_t words;

	vulnerable(NULL, 0);
	words = return_slot_offset / 8;
	for (size_t i = 0; i < words; i++)
		payload[i] = canary_guess;
	payload[words] = target;
	AUDIT_SAY("smash: return address %zu bytes past the buffer, target 0x%lx",
		  return_slot_offset, (unsigned long)target);
	vulnerable((const unsigned char *)payload, (words + 1) * 8);
}

#endif
