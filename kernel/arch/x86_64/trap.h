/* The register frame that entry.S builds for trap_handler. */
#ifndef CARAPACE_TRAP_H
#define CARAPACE_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_DE   0
#define VEC_NMI  2
#define VEC_BP   3
#define VEC_UD   6
#define VEC_DF   8
#define VEC_GP  13
#define VEC_PF  14
#define VEC_MC  18

/* Page-fault error code bits. */
#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_USER    0x4
#define PF_RSVD    0x8
#define PF_FETCH   0x10

void trap_handler(struct trap_frame *f);
/* An NMI: the hang report (nmi.c); returns only while another report is printed. */
void nmi_handler(struct trap_frame *f);
/* Reports f as a CPU exception (or an unexpected interrupt) and powers off. */
__attribute__((noreturn)) void trap_report(struct trap_frame *f);

#endif
