/*
 * siphash: SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed hash of
 * short inputs (portable).
 *
 * A hash table whose keys come from the network must not let the sender
 * choose collisions; with a secret 128-bit key, finding inputs that share
 * a bucket is as hard as guessing the key. The packet classifier's channel
 * table uses it (carapace/classifier.h).
 */
#ifndef CARAPACE_SIPHASH_H
#define CARAPACE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

/* The 64-bit SipHash-2-4 of len bytes at data under key. */
uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
