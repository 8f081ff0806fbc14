/*
 * Stack buffer overflow to win(), the return address guessed (ASLR).
 *
 * The attacker has the canary (a leak: it reads it, as a format-string read
 * would) but not win()'s address: it uses the address win() had in an
 * earlier boot with aslr=off, given as argv[1] (the audit finds it with
 * `stack_guess leak` under aslr=off). Named defence: ASLR: the hijacked
 * return lands where win() is not, and faults at exactly the guessed
 * address. `stack_guess leak` prints "audit: win=0x..." and exits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "smash.h"

__attribute__((noinline, force_align_arg_pointer)) static void win(void)
{
	audit_success("control flow hijacked to win() at the guessed address");
}

int main(int argc, char **argv)
{
	uint64_t canary, guess;

	if (argc > 1 && strcmp(argv[1], "leak") == 0) {
		printf("audit: win=%p\n", (void *)&win);
		return 0;
	}
	if (argc < 2) {
		printf("usage: stack_guess leak | stack_guess 0xWIN\n");
		return 2;
	}
	guess = strtoull(argv[1], NULL, 0);
	__asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
	AUDIT_SAY("stack-guess: guessing win at 0x%lx (it is at %p), canary leaked", guess, (void *)&win);
	smash(canary, guess);
	AUDIT_SAY("stack-guess: returned normally");
	return 0;
}
