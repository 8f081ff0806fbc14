/*
 * The registry of network devices and the hand-over of received frames.
 * Until the TCP/IP stack is there, a frame nobody taps is counted and
 * dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/netdev.h>
#include <carapace/spinlock.h>

#include "netdev_tap.h"

#define NETDEV_MAX 4

static struct netdev *devices[NETDEV_MAX];
static unsigned device_count;
static struct spinlock devices_lock;

struct tap {
	netdev_tap_fn fn;
	void *arg;
};
static struct tap tap;
static uint64_t unclaimed;

int netdev_register(struct netdev *dev)
{
	int rc = 0;

	spin_lock(&devices_lock);
	if (device_count == NETDEV_MAX)
		rc = -ENOSPC;
	else
		devices[device_count++] = dev;
	spin_unlock(&devices_lock);
	if (rc == 0)
		klog("net: device %u, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u\n",
		     device_count - 1, dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3],
		     dev->mac[4], dev->mac[5], dev->mtu);
	return rc;
}

struct netdev *netdev_first(void)
{
	return __atomic_load_n(&device_count, __ATOMIC_ACQUIRE) ? devices[0] : NULL;
}

void netdev_set_tap(netdev_tap_fn fn, void *arg)
{
	/* The argument first: a receiver that sees the new fn sees its arg. */
	__atomic_store_n(&tap.arg, arg, __ATOMIC_RELEASE);
	__atomic_store_n(&tap.fn, fn, __ATOMIC_RELEASE);
}

uint64_t netdev_unclaimed_frames(void)
{
	return __atomic_load_n(&unclaimed, __ATOMIC_RELAXED);
}

void netdev_receive(struct netdev *dev, const void *frame, size_t len)
{
	netdev_tap_fn fn = __atomic_load_n(&tap.fn, __ATOMIC_ACQUIRE);

	if (fn) {
		fn(dev, frame, len, __atomic_load_n(&tap.arg, __ATOMIC_ACQUIRE));
		return;
	}
	__atomic_fetch_add(&unclaimed, 1, __ATOMIC_RELAXED);
}
