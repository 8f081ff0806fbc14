/* Fixed-point exponential decay for the scheduler (see carapace/decay.h). */
#include <stdint.h>

#include <carapace/decay.h>

#define FRACTION_STEPS 64

/* 2^(i/64) in Q32, i = 0..63 (generated; 2^32 is 1.0). */
static const uint64_t exp2_fraction_q32[FRACTION_STEPS] = {
	0x100000000ull, 0x102c9a3e7ull, 0x1059b0d31ull, 0x108745187ull,
	0x10b5586d0ull, 0x10e3ec32dull, 0x111301d01ull, 0x11429aaebull,
	0x1172b83c8ull, 0x11a35beb7ull, 0x11d487317ull, 0x12063b886ull,
	0x12387a6e7ull, 0x126b4565eull, 0x129e9df52ull, 0x12d285a6eull,
	0x1306fe0a3ull, 0x133c08b26ull, 0x1371a7374ull, 0x13a7db34eull,
	0x13dea64c1ull, 0x14160a21full, 0x144e08606ull, 0x1486a2b5cull,
	0x14bfdad53ull, 0x14f9b276aull, 0x15342b56aull, 0x156f4736bull,
	0x15ab07dd5ull, 0x15e76f15bull, 0x16247eb04ull, 0x166238825ull,
	0x16a09e668ull, 0x16dfb23c6ull, 0x171f75e8full, 0x175feb564ull,
	0x17a11473full, 0x17e2f336dull, 0x182589995ull, 0x1868d99b4ull,
	0x18ace5423ull, 0x18f1ae991ull, 0x193737b0dull, 0x197d829feull,
	0x19c49182aull, 0x1a0c667b6ull, 0x1a5503b24ull, 0x1a9e6b558ull,
	0x1ae89f996ull, 0x1b33a2b85ull, 0x1b7f76f30ull, 0x1bcc1e905ull,
	0x1c199bdd8ull, 0x1c67f12e5ull, 0x1cb720dcfull, 0x1d072d4a0ull,
	0x1d5818dd0ull, 0x1da9e603eull, 0x1dfc97338ull, 0x1e502ee79ull,
	0x1ea4afa2aull, 0x1efa1bee6ull, 0x1f50765b7ull, 0x1fa7c181aull,
};

uint64_t decay_scale_q32(uint64_t dt_ns)
{
	uint64_t whole = dt_ns / DECAY_HALF_LIFE_NS;
	uint64_t part = (dt_ns % DECAY_HALF_LIFE_NS) * FRACTION_STEPS / DECAY_HALF_LIFE_NS;

	if (whole > 31)
		return UINT64_MAX;
	return exp2_fraction_q32[part] << whole;
}

uint64_t decay_charge(uint64_t ns, uint64_t scale_q32)
{
	unsigned __int128 v = ((unsigned __int128)ns * scale_q32) >> 32;

	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

uint64_t decay_rescale(uint64_t value, uint64_t from_q32, uint64_t to_q32)
{
	unsigned __int128 v;

	if (from_q32 == 0)
		return UINT64_MAX;
	v = (unsigned __int128)value * to_q32 / from_q32;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}
