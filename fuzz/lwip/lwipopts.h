/*
 * lwIP's options for the host harnesses (fuzz/fuzz_net.c): the kernel's own
 * (kernel/net/lwip/lwipopts.h, reached with #include_next: the harness's
 * include path has fuzz/lwip first and kernel/net/lwip last, after the
 * system headers, so that the kernel's stdlib.h shim is not seen), so the
 * protocols, windows, queue bounds and "no reassembly" fuzzed are the
 * kernel's. Only how lwIP runs differs: one thread, no operating system
 * (NO_SYS: the harness feeds frames and moves the clock itself), the C
 * library's heap (ASan watches every pbuf and segment), and no netconn
 * API, which needs threads (the kernel's socket layer above it is not in
 * this harness).
 */
#ifndef CARAPACE_FUZZ_LWIPOPTS_H
#define CARAPACE_FUZZ_LWIPOPTS_H

#include_next <lwipopts.h>

#undef NO_SYS
#define NO_SYS 1
/* Nothing runs beside the harness: no protection, no core lock to check. */
#define SYS_LIGHTWEIGHT_PROT 0
#undef LWIP_TCPIP_CORE_LOCKING
#define LWIP_TCPIP_CORE_LOCKING 0
#undef LWIP_ASSERT_CORE_LOCKED
#undef LWIP_NETCONN
#define LWIP_NETCONN 0
#undef LWIP_SO_RCVTIMEO
#undef LWIP_SO_SNDTIMEO
#undef LWIP_SO_RCVBUF

#undef mem_clib_malloc
#undef mem_clib_free
#undef mem_clib_calloc
#define mem_clib_malloc malloc
#define mem_clib_free free
#define mem_clib_calloc calloc

/* A static ARP entry for the peer, so that replies leave at once. */
#define ETHARP_SUPPORT_STATIC_ENTRIES 1

#endif
