/*
 * Stack clash: one large alloca moves the stack pointer past the end of the
 * main stack (1 MiB, APP_STACK_SIZE in libc/app.c) and its guard page, and
 * the program writes at the bottom of the array: into whatever lies below
 * the stack. Built with -fstack-clash-protection (audit/Makefile.inc: the
 * compiler then touches every page on the way down, so the guard cannot be
 * jumped). Named defence: the stack's guard page (violation=stack-guard).
 * With guards=off the stack has no guard, but with ASLR on nothing lies
 * below it either (each stack is at a random page of a 2^32-page area):
 * the first probe under the stack faults as a plain page fault. With
 * aslr=off too the stacks are placed side by side and the write lands in
 * the stack below (audit/matrix.py says why no variant does better).
 */
#include <alloca.h>
#include <stdint.h>
#include "attack.h"

#define MAIN_STACK_BYTES (1024 * 1024)
#define OVERSHOOT (8 * 1024)

__attribute__((noinline)) static void clash(size_t bytes)
{
	volatile char *array = alloca(bytes);

	array[0] = 'X';
	if (array[0] == 'X')
		audit_success("byte written below the main stack, past its guard");
}

int main(void)
{
	char here;

	AUDIT_SAY("stack-clash: alloca of %d bytes from %p", MAIN_STACK_BYTES + OVERSHOOT,
		  (void *)&here);
	clash(OPAQUE((size_t)(MAIN_STACK_BYTES + OVERSHOOT)));
	return 0;
}
