/*
 * Use after free: a request block is freed but its pointer kept; the
 * program then creates session objects of the same size (each "user");
 * the attacker writes "admin" through the dangling pointer; if the freed
 * block was handed out again, a live session changed. The program then
 * carries on serving (allocations and frees). Named defence: the hardened
 * heap (quarantine: the block is not handed out again soon; and zeroing: the
 * write is found when it is, violation=use-after-free). Succeeds under
 * heap=musl.
 */
#include <stdlib.h>
#include <string.h>
#include "attack.h"

#define BLOCK 24
#define SESSIONS 1024
#define CYCLES 20000 /* enough frees to cycle any quarantine */

static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

static char *sessions[SESSIONS];

int main(void)
{
	char *before = do_malloc(BLOCK); /* live neighbours: musl keeps the group mapped */
	char *request = do_malloc(BLOCK);
	char *after = do_malloc(BLOCK);
	char *dangling = OPAQUE(request);

	AUDIT_SAY("%s: live neighbours at %p and %p", "use-after-free", (void *)before, (void *)after);
	do_free(request);
	for (int i = 0; i < SESSIONS; i++) {
		sessions[i] = do_malloc(BLOCK);
		strcpy(sessions[i], "user");
	}
	AUDIT_SAY("use-after-free: writing through the dangling %p", (void *)dangling);
	memcpy(dangling, "admin", 6);
	for (int i = 0; i < SESSIONS; i++)
		if (strcmp(sessions[i], "admin") == 0)
			audit_success("byte written: a live session became admin through a freed pointer");
	AUDIT_SAY("use-after-free: no session reached; serving on");
	for (int i = 0; i < CYCLES; i++)
		do_free(do_malloc(BLOCK));
	AUDIT_SAY("use-after-free: not stopped, not reached");
	return 0;
}
