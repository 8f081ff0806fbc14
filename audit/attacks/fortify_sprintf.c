/* FORTIFY, sprintf: as fortify_memcpy.c, through sprintf("%s") (__sprintf_chk). */
#include <stdio.h>
#include "fortify_target.h"

int main(void)
{
	char payload[128];
	size_t n = fortify_payload(payload, sizeof(payload));

	AUDIT_SAY("fortify-sprintf: formatting %zu bytes into %zu", n, sizeof(field_a));
	INTO_LOWER_FIELD(sprintf(dst, "%s", OPAQUE((char *)payload)));
	fortify_check();
	return 0;
}
