/*
 * chacha20: the ChaCha20 block function and stream cipher of RFC 8439
 * (section 2.3: a 256-bit key, a 32-bit block counter and a 96-bit nonce
 * give 64 bytes of key stream). Portable: the kernel's random generator
 * (aslr/csprng.c) is built on it, and the host tests check it against the
 * RFC's test vectors.
 */
#ifndef CARAPACE_CHACHA20_H
#define CARAPACE_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

#define CHACHA20_KEY_SIZE   32
#define CHACHA20_NONCE_SIZE 12
#define CHACHA20_BLOCK_SIZE 64

/* One 64-byte block of key stream (RFC 8439 2.3), serialized little-endian. */
void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		    const uint8_t nonce[CHACHA20_NONCE_SIZE],
		    uint8_t out[CHACHA20_BLOCK_SIZE]);

/*
 * Encryption (RFC 8439 2.4): out = in XOR the key stream from block
 * `counter` on. in and out may be the same buffer; in may be NULL, then out
 * receives the key stream itself.
 */
void chacha20_xor(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
		  const uint8_t nonce[CHACHA20_NONCE_SIZE], const uint8_t *in,
		  uint8_t *out, size_t len);

#endif
