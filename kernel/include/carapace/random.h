/*
 * Random bytes for the kernel: getrandom(), /dev/urandom, /dev/random.
 * For now straight from RDRAND (checked for failure); the ChaCha20 CSPRNG
 * of aslr/ (a later issue) will take over, seeded from RDSEED/RDRAND.
 */
#ifndef CARAPACE_RANDOM_H
#define CARAPACE_RANDOM_H

#include <stddef.h>

void random_bytes(void *buf, size_t len);

#endif
