/*
 * net_input: the first code that reads a received frame (issue 13's packet
 * classifier sits here). netdev_receive has checked only the frame's
 * length against the Ethernet header and the device's MTU.
 *
 * Until the classifier is wired in, this entry sends every frame down
 * lwIP's normal input path, where lwIP's own header checks are the only
 * ones; the classifier's verdicts (drop with a reason, a socket's channel,
 * the stack) replace this body.
 */
#include "net_impl.h"

enum net_path net_input(struct netdev *dev, const void *frame, size_t len)
{
	(void)dev;
	(void)frame;
	(void)len;
	return NET_PATH_STACK;
}
