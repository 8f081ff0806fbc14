/*
 * lwIP's options for the host harnesses (fuzz/fuzz_net.c): the kernel's own
 * (kernel/net/lwip/lwipopts.h, reached with #include_next: the harness's
 * include path has fuzz/lwip first and kernel/net/lwip last, after the
 * system headers, so that the kernel's stdlib.h shim is not seen), so the
 * protocols, windows, queue bounds, "no reassembly", the netconn API and
 * core locking fuzzed are the kernel's. Only two things differ: the C
 * library's heap (ASan watches every pbuf and segment), and lwIP's
 * operating-system layer, which is fuzz/lwip/sys_arch_host.c (one thread,
 * nothing waits) instead of the kernel's threads.
 */
#ifndef CARAPACE_FUZZ_LWIPOPTS_H
#define CARAPACE_FUZZ_LWIPOPTS_H

#include_next <lwipopts.h>

#undef mem_clib_malloc
#undef mem_clib_free
#undef mem_clib_calloc
#define mem_clib_malloc malloc
#define mem_clib_free free
#define mem_clib_calloc calloc

/* A static ARP entry for the peer, so that replies leave at once. */
#define ETHARP_SUPPORT_STATIC_ENTRIES 1

#endif
