/*
 * Shellcode on the stack: the attacker's machine code (return 42) copied
 * into a stack array and jumped to. Named defence: W^X (the stack is not
 * executable: violation=wx, an instruction fetch from a non-executable
 * page). No boot option makes stacks executable.
 */
#include <string.h>
#include "attack.h"

int main(void)
{
	unsigned char code[64];
	int (*run)(void);

	memcpy(code, audit_shellcode, sizeof(audit_shellcode));
	run = OPAQUE((int (*)(void))(void *)code);
	AUDIT_SAY("shellcode-stack: jumping to %p", (void *)code);
	if (run() == 42)
		audit_success("shellcode on the stack executed");
	return 0;
}
