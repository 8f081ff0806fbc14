/*
 * Double free leading to two allocations returning the same block: free(p),
 * allocate until the block comes back as q (a live object), free(p) again
 * (which frees q's block), allocate until it comes back as r: q and r are
 * then one block, and a write to r changes q. Named defence: the hardened
 * heap (the second free of a block still in quarantine:
 * violation=double-free). Succeeds under heap=musl.
 */
#include <stdlib.h>
#include <string.h>
#include "attack.h"

#define BLOCK 24
#define TRIES 4096

static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

/* Allocates (and keeps) blocks until one is at target; NULL after TRIES. */
static char *allocate_until(char *target)
{
	for (int i = 0; i < TRIES; i++) {
		char *block = do_malloc(BLOCK);

		if (block == target)
			return block;
	}
	return NULL;
}

int main(void)
{
	char *before = do_malloc(BLOCK); /* live neighbours: musl keeps the group mapped */
	char *p = do_malloc(BLOCK), *q, *r;
	char *after = do_malloc(BLOCK);

	AUDIT_SAY("%s: live neighbours at %p and %p", "double-free", (void *)before, (void *)after);
	do_free(p);
	q = allocate_until(p);
	AUDIT_SAY("double-free: the freed block %s as q", q ? "came back" : "did not come back");
	if (q)
		strcpy(q, "user");
	do_free(OPAQUE(p)); /* the dangling pointer freed again */
	r = allocate_until(p);
	if (q && r) {
		strcpy(r, "admin");
		if (strcmp(q, "admin") == 0)
			audit_success("two live allocations share one block (q == r)");
	}
	AUDIT_SAY("double-free: not stopped, not reached");
	return 0;
}
