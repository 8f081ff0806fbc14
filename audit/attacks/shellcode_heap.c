/*
 * Shellcode on the heap: the attacker's machine code (return 42) copied
 * into a malloc'd block and jumped to. Named defence: W^X (heap pages are
 * not executable: violation=wx). No boot option makes the heap executable.
 */
#include <stdlib.h>
#include <string.h>
#include "attack.h"

int main(void)
{
	unsigned char *code = malloc(64);
	int (*run)(void);

	memcpy(code, audit_shellcode, sizeof(audit_shellcode));
	run = OPAQUE((int (*)(void))(void *)code);
	AUDIT_SAY("shellcode-heap: jumping to %p", (void *)code);
	if (run() == 42)
		audit_success("shellcode on the heap executed");
	return 0;
}
