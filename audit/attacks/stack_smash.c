/*
 * Stack buffer overflow to win(), the return address known.
 *
 * The attacker knows win()'s address (a leak: the program's own &win) and
 * guesses the stack canary as the constant OSv uses (0x12345678abcdef; musl
 * zeroes its second byte: 0x12345678ab00ef). The overflow fills the frame
 * from the buffer up to the return address with the guessed canary and puts
 * win() in the return address. Named defence: the random canary
 * (violation=stack-canary). Succeeds under canary=constant.
 */
#include <stdint.h>
#include "smash.h"

#define CONSTANT_CANARY 0x12345678ab00efUL

__attribute__((noinline, force_align_arg_pointer)) static void win(void)
{
	audit_success("control flow hijacked to win()");
}

int main(void)
{
	AUDIT_SAY("stack-smash: win at %p (leaked), canary guessed 0x%lx", (void *)&win,
		  CONSTANT_CANARY);
	smash(CONSTANT_CANARY, (uint64_t)(uintptr_t)&win);
	AUDIT_SAY("stack-smash: returned normally");
	return 0;
}
