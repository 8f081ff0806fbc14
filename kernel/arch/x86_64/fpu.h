/*
 * FPU/SSE/AVX state. The kernel itself never touches vector registers
 * (-mgeneral-regs-only), so this state belongs to whatever application code
 * a thread runs, and is saved and restored only on a context switch.
 */
#ifndef CARAPACE_FPU_H
#define CARAPACE_FPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Before fpu_init_cpu: false keeps to FXSAVE even where the CPU lists XSAVE
 * (boot option fpu=fxsave, for hypervisors that list XSAVE but cannot run it).
 */
void fpu_allow_xsave(bool allow);
/* Enables SSE and, where present, XSAVE with every state the CPU has (per CPU). */
void fpu_init_cpu(void);
/* Bytes a save area needs (64-byte aligned). */
size_t fpu_area_size(void);
/* Fills a new area with the initial state (default control words). */
void fpu_area_init(void *area);
void fpu_save(void *area);
void fpu_restore(const void *area);
/* "xsave" or "fxsave", for the boot log. */
const char *fpu_method(void);

#endif
