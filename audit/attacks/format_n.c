/*
 * Format string %n write: the program prints a user-supplied greeting
 * template with printf(template, name), expecting "%s"; the attacker's
 * template makes printf write the number 42 through the name pointer.
 * Named defence: FORTIFY (__printf_chk refuses %n in a writable format:
 * violation=fortify). Succeeds when built with _FORTIFY_SOURCE=0.
 */
#include <string.h>
#include "attack.h"

int main(void)
{
	char template[64];
	int name[4] = { 0 };

	/* 42 characters, then %n: the count (42) goes to the first argument. */
	strcpy(template, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%n\n");
	AUDIT_SAY("format-n: printf with an attacker's template");
	printf(OPAQUE((char *)template), name);
	fflush(stdout);
	if (name[0] == 42)
		audit_success("byte written: %n stored 42 through the program's pointer");
	AUDIT_SAY("format-n: nothing written (name[0]=%d)", name[0]);
	return 0;
}
