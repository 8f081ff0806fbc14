/*
 * Stack clash: one large alloca moves the stack pointer past the end of the
 * main stack (1 MiB, APP_STACK_SIZE in libc/app.c) and its guard page, and
 * the program writes at the bottom of the array: into whatever lies below
 * the stack. Built with -fstack-clash-protection (audit/files.mk: the
 * compiler then touches every page on the way down, so the guard cannot be
 * jumped). Named defence: the stack's guard page (violation=stack-guard).
 * ASLR stops it too: with ASLR on nothing lies below the stack, guard or no
 * guard (each stack is at a random page of a 2^32-page area), and the first
 * probe under the stack faults as a plain page fault; an application can
 * neither map memory there nor choose where a stack goes, so no leaked
 * address helps. The guard's proof is therefore the pair aslr=off (the guard
 * stops it) and guards=off+aslr=off, where the stacks lie side by side and
 * the write lands in the stack below (audit/matrix.py).
 */
#include <alloca.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "attack.h"

#define MAIN_STACK_BYTES (1024 * 1024)
#define OVERSHOOT (8 * 1024)
#define PAGE 4096

/*
 * With ASLR on, what the clash needs is memory right below the stack. The
 * attacker knows where the stack is (its own locals) and asks for the pages
 * the alloca will reach; the kernel must refuse (mmap stays in the
 * application's area of the low half), which the log shows in every cell.
 * Either way the attack goes on: the answer only explains the cell.
 */
static void ask_for_memory_below(uintptr_t here)
{
	uintptr_t end = (here & ~(uintptr_t)(PAGE - 1)) - MAIN_STACK_BYTES; /* under the stack */
	uintptr_t start = end - OVERSHOOT - PAGE;
	void *got = mmap((void *)start, end - start, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (got == MAP_FAILED)
		AUDIT_SAY("stack-clash: mmap of [%p, %p) below the main stack refused: %s",
			  (void *)start, (void *)end, strerror(errno));
	else
		AUDIT_SAY("stack-clash: mmap of [%p, %p) below the main stack granted at %p",
			  (void *)start, (void *)end, got);
}

__attribute__((noinline)) static void clash(size_t bytes)
{
	volatile char *array = alloca(bytes);

	AUDIT_SAY("stack-clash: writing at %p", (void *)array);
	array[0] = 'X';
	if (array[0] == 'X')
		audit_success("byte written below the bottom of the main stack");
}

int main(void)
{
	char here;

	AUDIT_SAY("stack-clash: alloca of %d bytes from %p", MAIN_STACK_BYTES + OVERSHOOT,
		  (void *)&here);
	ask_for_memory_below((uintptr_t)&here);
	clash(OPAQUE((size_t)(MAIN_STACK_BYTES + OVERSHOOT)));
	return 0;
}
