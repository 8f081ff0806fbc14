/*
 * For in-kernel tests of a driver without the TCP/IP stack: the first
 * registered device, and a tap that sees every received frame in place of
 * the stack. Kernel-only, kernel/net/ and its tests.
 */
#ifndef CARAPACE_NETDEV_TAP_H
#define CARAPACE_NETDEV_TAP_H

#include <stdint.h>

#include <carapace/netdev.h>

/* The first device registered, or NULL. */
struct netdev *netdev_first(void);

/*
 * Frames netdev_receive gets go to fn(dev, frame, len, arg) instead of the
 * stack (NULL: back to the stack). For one test at a time.
 */
typedef void (*netdev_tap_fn)(struct netdev *dev, const void *frame, size_t len, void *arg);
void netdev_set_tap(netdev_tap_fn fn, void *arg);

/* Frames received with neither a tap nor a stack to take them. */
uint64_t netdev_unclaimed_frames(void);

#endif
