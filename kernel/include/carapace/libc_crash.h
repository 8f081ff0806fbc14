/*
 * libc_crash: recognising musl's crash idiom in ring 0.
 *
 * musl's a_crash() is a single `hlt`. In ring 3 that traps; in ring 0 it
 * only waits for the next interrupt, after which the corrupted code would
 * carry on. The build lists every hlt in musl's text (scripts/gen-libc-hlts,
 * into the image's .ksyms); the interrupt path asks whether the code it
 * interrupted had just executed one of them, and then reports
 * violation=libc-crash (kernel/arch/x86_64/traps.c).
 *
 * An interrupt that arrives right after a hlt may also have come in as the
 * code reached the next instruction another way: musl's
 * `if (bad) a_crash();` is `jcc next; hlt; next:`, so the good path lands
 * there too. Each site says how to tell: either nothing else leads to the
 * next instruction, or the jump's condition, which held on the jump's path
 * and failed on the hlt's, is read in the saved flags (a jump and a hlt
 * change no flag).
 */
#ifndef CARAPACE_LIBC_CRASH_H
#define CARAPACE_LIBC_CRASH_H

#include <stdbool.h>
#include <stdint.h>

/* Only the hlt leads to the next instruction. */
#define LIBC_HLT_ONLY_PATH 16

struct libc_hlt_site {
	uint32_t offset; /* of the hlt, from __libc_text_start */
	uint32_t cond;   /* the jump-over's x86 condition code (0..15), or LIBC_HLT_ONLY_PATH */
};

/*
 * Whether code interrupted with the flags rflags, at the instruction right
 * after offset hlt_offset (from __libc_text_start), had executed the hlt
 * there: a listed site whose condition fails. sites is sorted by offset.
 */
bool libc_hlt_executed(const struct libc_hlt_site *sites, uint64_t count,
		       uint64_t hlt_offset, uint64_t rflags);

/* Whether x86 condition code cond (0..15, as in Jcc) holds for rflags. */
bool x86_condition_holds(unsigned cond, uint64_t rflags);

#endif
