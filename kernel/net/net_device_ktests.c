/*
 * In-kernel tests that need a real network device (the launcher's --net
 * user): test=net-dhcp and test=net-tcp-echo.
 *
 * test=net-tcp-echo: TCP over the first network device, end to end. With
 * the launcher's --net user --forward tcp:HOSTPORT:7, a host program
 * connects to 127.0.0.1:HOSTPORT, QEMU carries it to the guest's port 7,
 * and this test echoes every byte back through lwIP's netconn API until
 * the peer closes, which it does once it has every byte back
 * (tests/net/test_tcp.py checks them). Prints
 * "listening" once the device has its address and the port accepts, then
 * what it echoed; 0 when at least one byte went both ways.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/net.h>
#include <carapace/thread.h>

#include <lwip/api.h>
#include <lwip/dhcp.h>
#include <lwip/tcpip.h>
#include "net_impl.h"

#define MS               1000000ull
#define ADDRESS_TIMEOUT_MS 20000

struct address_text {
	char ip[IP4ADDR_STRLEN_MAX], mask[IP4ADDR_STRLEN_MAX], gw[IP4ADDR_STRLEN_MAX];
};

/*
 * Waits up to ADDRESS_TIMEOUT_MS for iface to have an IPv4 address and a
 * gateway (DHCP's lease, or ip= and gw= at once); fills text when it has.
 */
static bool wait_for_address(struct net_iface *iface, struct address_text *text)
{
	uint64_t t0 = clock_ns();
	bool bound = false;

	for (;;) {
		LOCK_TCPIP_CORE();
		bound = !ip4_addr_isany(netif_ip4_addr(&iface->netif)) &&
			!ip4_addr_isany(netif_ip4_gw(&iface->netif));
		if (bound) {
			ip4addr_ntoa_r(netif_ip4_addr(&iface->netif), text->ip, sizeof(text->ip));
			ip4addr_ntoa_r(netif_ip4_netmask(&iface->netif), text->mask,
				       sizeof(text->mask));
			ip4addr_ntoa_r(netif_ip4_gw(&iface->netif), text->gw, sizeof(text->gw));
		}
		UNLOCK_TCPIP_CORE();
		if (bound || clock_ns() - t0 >= ADDRESS_TIMEOUT_MS * MS)
			return bound;
		thread_sleep_ns(50 * MS);
	}
}

#define ECHO_PORT        7
#define ACCEPT_TIMEOUT_MS 90000
#define IO_TIMEOUT_MS    30000

/* Writes all of p's bytes to conn, however many calls it takes. */
static err_t write_all(struct netconn *conn, struct pbuf *p)
{
	for (struct pbuf *q = p; q != NULL; q = q->next) {
		size_t done = 0, n;

		while (done < q->len) {
			err_t err = netconn_write_partly(conn, (uint8_t *)q->payload + done,
							 q->len - done, NETCONN_COPY, &n);

			if (err != ERR_OK)
				return err;
			done += n;
		}
	}
	return ERR_OK;
}

static int ktest_net_tcp_echo(void)
{
	struct netconn *listener, *conn = NULL;
	uint64_t bytes = 0, t0;
	err_t err;
	struct pbuf *p;

	struct net_iface *iface = netdev_iface(0);
	struct address_text text;

	if (iface == NULL) {
		kprintf("net-tcp-echo: no network device (the launcher's --net)\n");
		return 1;
	}
	if (!wait_for_address(iface, &text)) {
		kprintf("net-tcp-echo: no address in %d s\n", ADDRESS_TIMEOUT_MS / 1000);
		return 1;
	}
	listener = netconn_new(NETCONN_TCP);
	if (listener == NULL || netconn_bind(listener, IP4_ADDR_ANY, ECHO_PORT) != ERR_OK ||
	    netconn_listen(listener) != ERR_OK) {
		kprintf("net-tcp-echo: cannot listen on port %d\n", ECHO_PORT);
		return 1;
	}
	netconn_set_recvtimeout(listener, ACCEPT_TIMEOUT_MS);
	kprintf("net-tcp-echo: listening on %s port %d\n", text.ip, ECHO_PORT);
	err = netconn_accept(listener, &conn);
	netconn_delete(listener);
	if (err != ERR_OK) {
		kprintf("net-tcp-echo: no connection in %d s (lwIP error %d)\n",
			ACCEPT_TIMEOUT_MS / 1000, err);
		return 1;
	}
	netconn_set_recvtimeout(conn, IO_TIMEOUT_MS);
	netconn_set_sendtimeout(conn, IO_TIMEOUT_MS);
	t0 = clock_ns();
	while ((err = netconn_recv_tcp_pbuf(conn, &p)) == ERR_OK) {
		bytes += p->tot_len;
		err = write_all(conn, p);
		pbuf_free(p);
		if (err != ERR_OK)
			break;
	}
	netconn_close(conn);
	netconn_delete(conn);
	/* ERR_CLSD: the peer closed its side, the normal end. */
	kprintf("net-tcp-echo: echoed %llu bytes in %llu ms, ended by %s\n",
		(unsigned long long)bytes, (unsigned long long)((clock_ns() - t0) / 1000000),
		err == ERR_CLSD ? "the peer's close" : "an error");
	return bytes > 0 && err == ERR_CLSD ? 0 : 1;
}
KTEST("net-tcp-echo", ktest_net_tcp_echo);

/*
 * test=net-dhcp: the first network device (the launcher's --net user) gets
 * an IPv4 address, a netmask and a gateway from DHCP (QEMU's server) within
 * 20 s; prints them. With ip= it reports the static address instead.
 */
static int ktest_net_dhcp(void)
{
	struct net_iface *iface = netdev_iface(0);
	struct address_text text;
	uint64_t t0 = clock_ns();

	if (iface == NULL) {
		kprintf("net-dhcp: no network device (the launcher's --net)\n");
		return 1;
	}
	if (!wait_for_address(iface, &text)) {
		kprintf("net-dhcp: no address and gateway in %d s FAILED\n",
			ADDRESS_TIMEOUT_MS / 1000);
		return 1;
	}
	kprintf("net-dhcp: %c%c%u %s netmask %s gateway %s by %s after %llu ms\n",
		iface->netif.name[0], iface->netif.name[1], iface->netif.num, text.ip, text.mask,
		text.gw, dhcp_supplied_address(&iface->netif) ? "DHCP" : "ip= option",
		(unsigned long long)((clock_ns() - t0) / MS));
	return 0;
}
KTEST("net-dhcp", ktest_net_dhcp);
