/*
 * Shared by the audit's attack programs (audit/README.md). Each attack
 * prints "audit: ..." lines while it works and exactly one line
 * "AUDIT-SUCCESS: WHAT" when it reaches its goal, so that the audit can tell
 * an attack that succeeded from one that merely crashed.
 */
#ifndef AUDIT_ATTACK_H
#define AUDIT_ATTACK_H

#include <stdio.h>
#include <unistd.h>

/* Hides a value from the optimiser, so an overflow is not folded away or
 * turned into a compile-time FORTIFY check. */
#define OPAQUE(x) ({ __typeof__(x) v_ = (x); __asm__ volatile("" : "+r"(v_)); v_; })

/* Prints the marker and ends the run with status 0 at once: whatever state
 * the attack left behind must not get a say after the goal was reached. */
static inline void __attribute__((noreturn)) audit_success(const char *what)
{
	printf("AUDIT-SUCCESS: %s\n", what);
	fflush(stdout);
	_exit(0);
}

/* Progress lines reach the console before a defence stops the run. */
#define AUDIT_SAY(...) do { printf("audit: " __VA_ARGS__); printf("\n"); fflush(stdout); } while (0)

/* Machine code that returns 42: mov $42, %eax; ret. */
static const unsigned char audit_shellcode[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

#endif
