/*
 * Network devices and the stack above them (kernel/net/). A driver fills a
 * struct netdev and registers it; it hands each received Ethernet frame to
 * netdev_receive, and the stack sends frames through its transmit.
 */
#ifndef CARAPACE_NETDEV_H
#define CARAPACE_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#define NETDEV_ETH_HEADER  14    /* destination, source, EtherType */
#define NETDEV_MAX_FRAME   1514  /* an Ethernet frame of MTU 1500, without the FCS */

struct netdev {
	uint8_t mac[6];
	uint16_t mtu;
	/*
	 * Sends one Ethernet frame (copied before it returns). 0; -EMSGSIZE
	 * (longer than the MTU allows, or shorter than an Ethernet header);
	 * -ENOBUFS (the device's queue is full: dropped); -EIO (the device is
	 * gone).
	 */
	int (*transmit)(struct netdev *dev, const void *frame, size_t len);
	void *priv; /* the driver's */
};

/* Makes dev known to the stack. 0, or a negative errno. */
int netdev_register(struct netdev *dev);

/*
 * A frame dev received, from the driver's thread (never from an interrupt
 * handler): the stack copies what it keeps before returning.
 */
void netdev_receive(struct netdev *dev, const void *frame, size_t len);

#endif
