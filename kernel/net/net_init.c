/*
 * net_init: lwIP's start at boot (carapace/net.h). lwip_init runs inside
 * tcpip_init, which also makes the loopback interface (LWIP_HAVE_LOOPIF:
 * lo0 with 127.0.0.1 and ::1) and starts the tcpip thread; the devices
 * registered before then are attached after it.
 */
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/net.h>
#include <carapace/options.h>
#include <carapace/sem.h>

#include "lwip/init.h"
#include "lwip/tcpip.h"
#include "net_impl.h"

/* Runs on the tcpip thread once it is ready for work. */
static void tcpip_ready(void *arg)
{
	sem_up(arg);
}

void net_init(const struct boot_options *options)
{
	struct net_static_config config = {
		.set = options->net_static,
		.ip = options->net_ip,
		.gw = options->net_gw_set ? options->net_gw : 0,
		.prefix = options->net_prefix,
	};
	struct sem ready;
	uint64_t t0 = clock_ns();

	sem_init(&ready, 0);
	tcpip_init(tcpip_ready, &ready);
	sem_down(&ready);
	klog("net: lwIP %s up in %llu us: lo0 127.0.0.1 ::1\n", LWIP_VERSION_STRING,
	     (unsigned long long)((clock_ns() - t0) / 1000));
	netdev_start(&config);
}
