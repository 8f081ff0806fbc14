/*
 * <setjmp.h>: musl's, with longjmp and siglongjmp going through
 * __longjmp_chk, which refuses a jump down the stack into a frame that
 * has returned (carapace-fortify.h, libc/fortify/longjmp_chk.c).
 */
#include_next <setjmp.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_SETJMP_H)
#define CARAPACE_FORTIFY_SETJMP_H

_Noreturn void __longjmp_chk(jmp_buf, int);
#define longjmp(env, val) __longjmp_chk(env, val)
#define _longjmp(env, val) __longjmp_chk(env, val)
#define siglongjmp(env, val) __longjmp_chk(env, val)

#endif
