/*
 * net_quiesce: waiting, when the application ends, for what it sent to
 * arrive. A Linux process that writes a reply and exits leaves the kernel
 * to deliver it; here the machine powers off with the application, and
 * doing that at once lost replies still queued in lwIP or the device's
 * ring (curl: "transfer closed with N bytes remaining", 1 run in ~15 of
 * tests/net/test_http.py). See kernel/net/README.md, "At exit".
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/net.h>
#include <carapace/netdev.h>
#include <carapace/thread.h>

#include <lwip/priv/tcp_priv.h>
#include <lwip/tcpip.h>
#include "net_impl.h"

/* How often the wait looks again: a frame's round trip under TCG is ~1 ms. */
#define QUIESCE_POLL_NS 1000000ull

/*
 * Whether every TCP connection has had all its data and its FIN
 * acknowledged by the peer. Under the core lock. A connection still
 * establishing or waiting for the peer's FIN has nothing of ours in flight.
 */
static bool tcp_all_acknowledged(void)
{
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (pcb->unsent || pcb->unacked || (pcb->flags & TF_FIN))
			return false;
	return true;
}

/* Whether every device has handed back every frame it was given. */
static bool devices_sent_all(void)
{
	for (unsigned i = 0, n = netdev_count(); i < n; i++) {
		struct netdev *dev = netdev_iface(i)->dev;

		if (dev->tx_in_flight && dev->tx_in_flight(dev) != 0)
			return false;
	}
	return true;
}

bool net_quiesce(uint64_t timeout_ns)
{
	uint64_t deadline = clock_ns() + timeout_ns;

	if (!net_started())
		return true;
	for (;;) {
		bool quiet;

		LOCK_TCPIP_CORE();
		quiet = tcp_all_acknowledged();
		UNLOCK_TCPIP_CORE();
		if (quiet && devices_sent_all())
			return true;
		if (clock_ns() >= deadline)
			return false;
		thread_sleep_ns(QUIESCE_POLL_NS);
	}
}
