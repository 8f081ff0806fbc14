/*
 * The context switch. Only the callee-saved registers need saving: the
 * switch is a function call as far as the compiler is concerned, and the
 * FPU state and FS base are handled in C around it (sched.c).
 *
 * void arch_switch(uint64_t *save_rsp, uint64_t new_rsp)
 */
	.text
	.globl arch_switch
arch_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/*
 * A new thread's first "return" from arch_switch lands here with its start
 * function in r12 and argument in r13 (set up by arch_thread_stack_init).
 */
	.globl arch_thread_start
arch_thread_start:
	xorl %ebp, %ebp         /* backtraces stop here */
	movq %r12, %rdi
	movq %r13, %rsi
	call sched_thread_entry
	ud2
