/*
 * __longjmp_chk: longjmp that refuses to jump down the stack. A jmp_buf
 * may only take the thread back to a frame that is still live, which on a
 * downward-growing stack lies above the caller's frame; a target below it
 * is a frame that has returned (a stale or forged jmp_buf) and ends the
 * run. The one exception, as in glibc: a thread running on its signal
 * stack (sigaltstack) may jump back to its ordinary stack, wherever that
 * is. Carapace has no other stack switch an application could use.
 *
 * The saved stack pointer is word 6 of the buffer (x86_64: rbx, rbp,
 * r12-r15, rsp, rip), stored plainly by musl's setjmp. The host unit tests
 * run glibc's setjmp, which scrambles it with the thread's pointer guard
 * (%fs:0x30: xor, then rotate left 17); that case is undone here.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

#include "fortify.h"

#define JMPBUF_RSP 6

static uintptr_t saved_stack_pointer(const void *env)
{
	uintptr_t sp = ((const uintptr_t *)env)[JMPBUF_RSP];
#ifdef __GLIBC__
	uintptr_t guard;

	__asm__("mov %%fs:0x30, %0" : "=r"(guard));
	sp = ((sp >> 17) | (sp << (64 - 17))) ^ guard;
#endif
	return sp;
}

static int on_signal_stack(void)
{
	stack_t ss;

	return sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK);
}

void __longjmp_chk(jmp_buf env, int val)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	FORTIFY_CHECK(saved_stack_pointer(env) > here || on_signal_stack());
	longjmp(env, val);
}
