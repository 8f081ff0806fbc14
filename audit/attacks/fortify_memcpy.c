/*
 * FORTIFY, memcpy: the program copies a name of the attacker's length into
 * a 16-byte global; the bytes past it land in the next global, the role.
 * Named defence: FORTIFY (__memcpy_chk: violation=fortify). Succeeds built
 * with _FORTIFY_SOURCE=0. The two globals are adjacent in .bss; the attack
 * targets whichever lies higher.
 */
#include <string.h>
#include "fortify_target.h"

int main(void)
{
	char payload[128];
	size_t n = fortify_payload(payload, sizeof(payload));

	AUDIT_SAY("fortify-memcpy: copying %zu bytes into %zu", n, sizeof(field_a));
	INTO_LOWER_FIELD(memcpy(dst, payload, OPAQUE(n)));
	fortify_check();
	return 0;
}
