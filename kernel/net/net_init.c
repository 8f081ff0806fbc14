/*
 * net_init and net_start: lwIP's start (carapace/net.h). lwip_init runs
 * inside tcpip_init, which also makes the loopback interface
 * (LWIP_HAVE_LOOPIF: lo0 with 127.0.0.1 and ::1) and starts the tcpip
 * thread; the devices registered before then are attached after it.
 *
 * The start waits for a need (a device, a socket, a test): under TCG its
 * first kernel heap allocations and thread cost milliseconds, which a
 * boot without a network should not pay.
 */
#include <stdbool.h>

#include <carapace/classifier.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ifinfo.h>
#include <carapace/mutex.h>
#include <carapace/net.h>
#include <carapace/options.h>
#include <carapace/panic.h>
#include <carapace/power.h>
#include <carapace/thread.h>

#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/tcpip.h>
#include "net_impl.h"

static struct net_static_config static_config;
static bool booted;  /* net_init ran: threads can be made (atomic) */
static bool started; /* under start_lock */
static bool channels_off; /* netchannels=off; set before any socket exists */
static struct mutex start_lock = MUTEX_INIT;

bool net_booted(void)
{
	return __atomic_load_n(&booted, __ATOMIC_ACQUIRE);
}

bool net_channels_enabled(void)
{
	return !channels_off;
}

void net_init(const struct boot_options *options)
{
	static_config = (struct net_static_config){
		.set = options->net_static,
		.ip = options->net_ip,
		.gw = options->net_gw_set ? options->net_gw : 0,
		.prefix = options->net_prefix,
	};
	channels_off = options->netchannels_off;
	__atomic_store_n(&booted, true, __ATOMIC_RELEASE);
	inet_socket_register(); /* socket(AF_INET/AF_INET6) starts the stack */
	netlink_socket_register(); /* AF_NETLINK's NETLINK_ROUTE */
	net_ifinfo_init();         /* the interfaces for ioctls and netlink */
	/* A thread that sent frames tells their device before it sleeps. */
	sched_set_block_hook(netdev_flush);
	if (netdev_count() > 0)
		net_start();
}

/* Under "verbose", the classifier's counters end the run's output. */
static void print_counters_at_exit(int status)
{
	(void)status;
	classifier_print_counters();
}

bool net_started(void)
{
	return __atomic_load_n(&started, __ATOMIC_ACQUIRE);
}

void net_start(void)
{
	struct netif *lo;
	uint64_t t0;

	if (!net_booted())
		panic("net_start before net_init");
	mutex_lock(&start_lock);
	if (started) {
		mutex_unlock(&start_lock);
		return;
	}
	t0 = clock_ns();
	/*
	 * No wait for the tcpip thread to run: its mailbox and the core lock
	 * exist once tcpip_init returns, and that is all callers need.
	 */
	net_input_init();
	tcpip_init(NULL, NULL);
	/*
	 * lwIP's loopback has no broadcast flag: 127.255.255.255 was sent as
	 * a unicast no one took. With it, as on Linux, a send there needs
	 * SO_BROADCAST and reaches the sockets bound to its port.
	 */
	LOCK_TCPIP_CORE();
	if ((lo = netif_find("lo0")))
		netif_set_flags(lo, NETIF_FLAG_BROADCAST);
	UNLOCK_TCPIP_CORE();
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	if (console_verbose && !power_on_exit(print_counters_at_exit))
		kprintf("net: no exit hook left: the classifier's counters will not be printed\n");
	klog("net: lwIP %s up in %llu us: lo0 127.0.0.1 ::1\n", LWIP_VERSION_STRING,
	     (unsigned long long)((clock_ns() - t0) / 1000));
	netdev_start(&static_config);
	mutex_unlock(&start_lock);
}
