/* Interrupt dispatch (the vectors and irq_register: carapace/arch.h). */
#ifndef CARAPACE_IRQ_H
#define CARAPACE_IRQ_H

#include <stdint.h>

#include <carapace/arch.h>

#include "trap.h"

/*
 * Called by trap_handler for vectors >= VEC_IRQ_BASE. A vector with no
 * handler is reported (violation=cpu-exception, "unexpected interrupt").
 */
void irq_dispatch(struct trap_frame *f);

#endif
