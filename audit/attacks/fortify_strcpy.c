/* FORTIFY, strcpy: as fortify_memcpy.c, through strcpy (__strcpy_chk). */
#include <string.h>
#include "fortify_target.h"

int main(void)
{
	char payload[128];
	size_t n = fortify_payload(payload, sizeof(payload));

	AUDIT_SAY("fortify-strcpy: copying %zu bytes into %zu", n, sizeof(field_a));
	INTO_LOWER_FIELD(strcpy(dst, OPAQUE((char *)payload)));
	fortify_check();
	return 0;
}
