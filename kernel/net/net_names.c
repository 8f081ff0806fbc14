/*
 * Name resolution's files (README.md, "Name resolution"): the text of
 * /etc/hosts and /etc/resolv.conf, made at each read (kernel/fs/mount.c
 * mounts them), so that musl's getaddrinfo finds localhost, the guest's
 * own name, and the DNS servers DHCP gave.
 *
 * lwIP is built without DNS, so its DHCP neither asks for nor keeps the
 * DNS server option (6); the parse hook (net_hooks.h) hands it here for
 * each acknowledgement (DHCPACK), and the first device's last one wins.
 * QEMU's user network sends it in every answer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>
#include <carapace/net.h>

#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/prot/dhcp.h>
#include "net_impl.h"

#define DNS_SERVERS_MAX 3 /* musl reads at most three (MAXNS) */
#define DHCP_OPTION_DNS 6

/* Network byte order; 0 past the last. Written by lwIP's thread, read by
 * readers of the file: each word on its own is atomic. */
static uint32_t dns_servers[DNS_SERVERS_MAX];

void net_dhcp_option(struct netif *netif, u8_t msg_type, u8_t option, u8_t len, struct pbuf *p,
		     u16_t offset)
{
	uint32_t found[DNS_SERVERS_MAX] = { 0 };
	struct net_iface *first = netdev_iface(0);
	size_t n = len / 4 < DNS_SERVERS_MAX ? len / 4 : DNS_SERVERS_MAX;

	if (option != DHCP_OPTION_DNS || msg_type != DHCP_ACK || !first || netif != &first->netif)
		return;
	/* A length that is not whole addresses is malformed: keep the old list. */
	if (len == 0 || len % 4 || pbuf_copy_partial(p, found, (u16_t)(n * 4), offset) != n * 4)
		return;
	for (size_t i = 0; i < DNS_SERVERS_MAX; i++)
		__atomic_store_n(&dns_servers[i], found[i], __ATOMIC_RELAXED);
}

/* Appends one line naming an IPv4 address (network order) as snprintf
 * would, after at characters; the total length so far. */
static int put_ip4(char *buf, size_t len, int at, const char *before, uint32_t ip, const char *after)
{
	const uint8_t *a = (const uint8_t *)&ip;
	size_t off = (size_t)at < len ? (size_t)at : len;

	return at + fmt_snprintf(buf + off, len - off, "%s%u.%u.%u.%u%s\n", before, a[0], a[1],
				 a[2], a[3], after);
}

int net_resolv_conf_format(char *buf, size_t len)
{
	int at = fmt_snprintf(buf, len, "# Carapace: the DNS servers of the first device's DHCP lease\n");
	bool any = false;

	for (size_t i = 0; i < DNS_SERVERS_MAX; i++) {
		uint32_t s = __atomic_load_n(&dns_servers[i], __ATOMIC_RELAXED);

		if (s == 0)
			continue;
		at = put_ip4(buf, len, at, "nameserver ", s, "");
		any = true;
	}
	if (!any) {
		size_t off = (size_t)at < len ? (size_t)at : len;

		at += fmt_snprintf(buf + off, len - off,
				   "# none yet (no lease, ip= given, or no DNS option)\n");
	}
	return at;
}

int net_hosts_format(char *buf, size_t len)
{
	struct net_iface *first = netdev_iface(0);
	int at = fmt_snprintf(buf, len, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");

	if (first && __atomic_load_n(&first->attached, __ATOMIC_ACQUIRE)) {
		uint32_t ip = __atomic_load_n(&ip_2_ip4(&first->netif.ip_addr)->addr, __ATOMIC_RELAXED);

		if (ip != 0)
			at = put_ip4(buf, len, at, "", ip, "\tcarapace");
	}
	return at;
}
