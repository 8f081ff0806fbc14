/* Recognising musl's a_crash hlt in interrupted code (carapace/libc_crash.h). */
#include <carapace/libc_crash.h>

#define RFLAGS_CF (1u << 0)
#define RFLAGS_PF (1u << 2)
#define RFLAGS_ZF (1u << 6)
#define RFLAGS_SF (1u << 7)
#define RFLAGS_OF (1u << 11)

bool x86_condition_holds(unsigned cond, uint64_t rflags)
{
	bool cf = rflags & RFLAGS_CF, pf = rflags & RFLAGS_PF, zf = rflags & RFLAGS_ZF;
	bool sf = rflags & RFLAGS_SF, of = rflags & RFLAGS_OF;
	bool holds;

	/* Conditions come in pairs: an odd code is the even one negated. */
	switch (cond >> 1) {
	case 0: holds = of; break;               /* o */
	case 1: holds = cf; break;               /* b */
	case 2: holds = zf; break;               /* e */
	case 3: holds = cf || zf; break;         /* be */
	case 4: holds = sf; break;               /* s */
	case 5: holds = pf; break;               /* p */
	case 6: holds = sf != of; break;         /* l */
	default: holds = zf || sf != of; break;  /* le */
	}
	return (cond & 1) ? !holds : holds;
}

bool libc_hlt_executed(const struct libc_hlt_site *sites, uint64_t count,
		       uint64_t hlt_offset, uint64_t rflags)
{
	uint64_t lo = 0, hi = count;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (sites[mid].offset == hlt_offset) {
			uint32_t cond = sites[mid].cond;

			if (cond == LIBC_HLT_ONLY_PATH)
				return true;
			/* The jump over the hlt was not taken: its condition failed. */
			return cond < LIBC_HLT_ONLY_PATH && !x86_condition_holds(cond, rflags);
		}
		if (sites[mid].offset < hlt_offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
