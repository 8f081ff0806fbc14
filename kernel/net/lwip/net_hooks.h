/*
 * lwIP's hooks (LWIP_HOOK_FILENAME in lwipopts.h): the TCP initial
 * sequence number comes from the kernel's random generator
 * (kernel/net/sys_arch.c), never from lwIP's predictable counter; and
 * the DHCP options lwIP does not keep itself go to net_names.c, which
 * takes the DNS servers for /etc/resolv.conf.
 */
#ifndef CARAPACE_LWIP_NET_HOOKS_H
#define CARAPACE_LWIP_NET_HOOKS_H

#include <lwip/ip_addr.h>

u32_t net_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
		  const ip_addr_t *remote_ip, u16_t remote_port);
#define LWIP_HOOK_TCP_ISN               net_tcp_isn

struct netif;
struct pbuf;
void net_dhcp_option(struct netif *netif, u8_t msg_type, u8_t option, u8_t len, struct pbuf *p,
		     u16_t offset);
/*
 * The interface is the one the answer came in on (what dhcp_recv itself
 * uses): the netif lwIP passes the hook, ip_current_netif(), was found to
 * be lo0 for QEMU's DHCP answers.
 */
#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, len, pbuf, offset) \
	do {                                                                                        \
		(void)(msg);                                                                        \
		net_dhcp_option(ip_current_input_netif(), msg_type, option, len, pbuf, offset);    \
	} while (0)

#endif
