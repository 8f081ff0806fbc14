/*
 * lwIP's hooks (LWIP_HOOK_FILENAME in lwipopts.h): the TCP initial
 * sequence number comes from the kernel's random generator
 * (kernel/net/sys_arch.c), never from lwIP's predictable counter.
 */
#ifndef CARAPACE_LWIP_NET_HOOKS_H
#define CARAPACE_LWIP_NET_HOOKS_H

#include <lwip/ip_addr.h>

u32_t net_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
		  const ip_addr_t *remote_ip, u16_t remote_port);
#define LWIP_HOOK_TCP_ISN               net_tcp_isn

#endif
