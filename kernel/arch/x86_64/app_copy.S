/*
 * Copies to and from application memory (carapace/app_copy.h). The
 * instructions that touch the application's memory are listed in
 * app_copy_faults; a page fault there on a low-half address
 * (traps.c, trap_fix_app_access) resumes at app_copy_failed, which
 * returns -EFAULT. Nothing is on the stack at those instructions, so the
 * fix-up's ret returns to the caller.
 */
#define EFAULT 14

	.text
/* int app_copy(void *dst, const void *src, size_t n) */
	.globl app_copy
app_copy:
	/*
	 * Eight bytes a step, then the rest: TCG runs a rep instruction one
	 * element per pass through its translated block, so a byte-wise copy
	 * of a 1 KiB value was 1,024 passes.
	 */
	movq %rdx, %rcx
	shrq $3, %rcx
app_copy_movsq:
	rep movsq
	movq %rdx, %rcx
	andq $7, %rcx
app_copy_movs:
	rep movsb
	xorl %eax, %eax
	ret

/* int app_zero(void *dst, size_t n) */
	.globl app_zero
app_zero:
	movq %rsi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
app_zero_stosq:
	rep stosq
	movq %rsi, %rcx
	andq $7, %rcx
app_zero_stos:
	rep stosb
	ret

/* int app_load_u32(const uint32_t *src, uint32_t *value) */
	.globl app_load_u32
app_load_u32:
app_load_u32_mov:
	movl (%rdi), %eax
	movl %eax, (%rsi)
	xorl %eax, %eax
	ret

	.globl app_copy_failed
app_copy_failed:
	movl $-EFAULT, %eax
	ret

/* The instructions whose fault on application memory is an -EFAULT. */
	.section .rodata
	.balign 8
	.globl app_copy_faults
app_copy_faults:
	.quad app_copy_movsq
	.quad app_copy_movs
	.quad app_zero_stosq
	.quad app_zero_stos
	.quad app_load_u32_mov
	.quad 0
