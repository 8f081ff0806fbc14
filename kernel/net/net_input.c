/*
 * net_input: hands a received frame to the packet classifier, the first
 * code that reads it (carapace/classifier.h, README.md "The packet
 * classifier"). netdev_receive has checked only the frame's length against
 * the Ethernet header and the device's MTU, and copied it into p.
 *
 * The pbuf is the classifier's frame handle: on CLASSIFY_CHANNEL the
 * channel's ring owns it and the socket's reader runs it through lwIP
 * (TCP) or reads the datagram from it (UDP, udp_channel.c); on
 * CLASSIFY_DROP it is freed here; on CLASSIFY_STACK the caller queues it
 * for lwIP's tcpip thread.
 */
#include <carapace/classifier.h>
#include <carapace/panic.h>

#include <lwip/pbuf.h>
#include "net_impl.h"

/*
 * Once, from net_start, before any device is attached: a fresh key for
 * the flow hash, and fragments dropped, since lwIP reassembles none
 * (lwipopts.h). The classifier's own length limit is the largest MTU a
 * device may have; each device's own limit is checked before it.
 */
void net_input_init(void)
{
	int rc = classifier_kernel_init(NETDEV_MTU_MAX, false);

	if (rc)
		panic("net: the packet classifier did not start (%d)", rc);
}

enum net_path net_input(struct netdev *dev, struct pbuf *p)
{
	struct classify_result res;

	(void)dev;
	switch (classify(p->payload, p->len, p, &res)) {
	case CLASSIFY_CHANNEL:
		return NET_PATH_CHANNEL;
	case CLASSIFY_STACK:
		return NET_PATH_STACK;
	case CLASSIFY_DROP:
		break;
	}
	pbuf_free(p);
	return NET_PATH_DROP;
}
