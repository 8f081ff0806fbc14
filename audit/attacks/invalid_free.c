/*
 * Invalid free: free() of a pointer into the middle of a live block (a
 * parser frees where its cursor stopped), then an allocation of the same
 * size; if it returns memory inside the live block, the two overlap and a
 * write to the new one changes the old one. Named defence: the hardened
 * heap (violation=invalid-free). Under heap=musl, mallocng's own
 * consistency checks usually crash on it first.
 */
#include <stdlib.h>
#include <string.h>
#include "attack.h"

#define BLOCK 200

static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

int main(void)
{
	char *record = do_malloc(BLOCK), *other;

	memset(record, 'u', BLOCK);
	AUDIT_SAY("invalid-free: freeing %p, 32 bytes into a live block", (void *)(record + 32));
	do_free(OPAQUE(record + 32));
	other = do_malloc(BLOCK - 32);
	AUDIT_SAY("invalid-free: the next block is at %p", (void *)other);
	if (other && other >= record && other < record + BLOCK) {
		memset(other, 'A', 8);
		if (record[other - record] == 'A')
			audit_success("byte written: a new allocation overlaps a live block");
	}
	AUDIT_SAY("invalid-free: not stopped, not reached");
	return 0;
}
