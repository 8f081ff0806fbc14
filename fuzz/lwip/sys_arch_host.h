/*
 * What fuzz/lwip/sys_arch_host.c (lwIP's operating-system layer for
 * fuzz_net, one thread) tells the harness.
 */
#ifndef CARAPACE_FUZZ_SYS_ARCH_HOST_H
#define CARAPACE_FUZZ_SYS_ARCH_HOST_H

#include <stdbool.h>

/* Whether lwIP's core lock is held now. */
bool fuzz_sys_core_locked(void);
/* Messages posted for the tcpip thread, which the harness does not run. */
unsigned fuzz_sys_tcpip_pending(void);
/* The oldest of them, taken off its mailbox; false when there is none. */
bool fuzz_sys_tcpip_fetch(void **msg);

#endif
