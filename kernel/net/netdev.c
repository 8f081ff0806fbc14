/*
 * The network devices, until the TCP/IP stack takes them (branch lwip's
 * kernel/net/netdev.c replaces this file): netdev_register keeps the
 * device, and every frame handed over is counted as arriving before the
 * stack took the device, then dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/netdev.h>
#include <carapace/spinlock.h>

static struct netdev *devices[NETDEV_MAX];
static struct netdev_stats stats[NETDEV_MAX];
static unsigned device_count;
static struct spinlock devices_lock;

static int index_of(const struct netdev *dev)
{
	unsigned n = __atomic_load_n(&device_count, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (devices[i] == dev)
			return (int)i;
	return -1;
}

int netdev_register(struct netdev *dev)
{
	int rc = 0;

	if ((dev->mac[0] & 1) || !(dev->mac[0] | dev->mac[1] | dev->mac[2] | dev->mac[3] |
				   dev->mac[4] | dev->mac[5]) ||
	    dev->mtu < NETDEV_MTU_MIN || dev->mtu > NETDEV_MTU_MAX || dev->transmit == NULL)
		return -EINVAL;
	spin_lock(&devices_lock);
	if (index_of(dev) >= 0)
		rc = -EEXIST;
	else if (device_count == NETDEV_MAX)
		rc = -ENOSPC;
	else
		__atomic_store_n(&devices[device_count++], dev, __ATOMIC_RELEASE);
	spin_unlock(&devices_lock);
	if (rc == 0)
		klog("net: en%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u (no stack yet)\n",
		     device_count - 1, dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3],
		     dev->mac[4], dev->mac[5], dev->mtu);
	return rc;
}

void netdev_receive(struct netdev *dev, const void *frame, size_t len)
{
	int i = index_of(dev);

	(void)frame, (void)len;
	if (i < 0)
		return;
	__atomic_fetch_add(&stats[i].rx_frames, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stats[i].rx_not_attached, 1, __ATOMIC_RELAXED);
}

void netdev_get_stats(const struct netdev *dev, struct netdev_stats *out)
{
	int i = index_of(dev);

	*out = (struct netdev_stats){ 0 };
	if (i >= 0) {
		out->rx_frames = __atomic_load_n(&stats[i].rx_frames, __ATOMIC_RELAXED);
		out->rx_not_attached = __atomic_load_n(&stats[i].rx_not_attached, __ATOMIC_RELAXED);
	}
}
