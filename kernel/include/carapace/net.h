/*
 * net: the network stack as a whole (kernel/net/README.md): lwIP on its
 * tcpip thread, the loopback interface, and the devices of netdev.h.
 */
#ifndef CARAPACE_NET_H
#define CARAPACE_NET_H

struct boot_options;

/*
 * Starts lwIP's tcpip thread and the loopback interface (127.0.0.1, ::1),
 * then attaches the devices registered so far. The boot options ip= and
 * gw= are kept for the first device. Once, from kmain, with the scheduler
 * running.
 */
void net_init(const struct boot_options *options);

#endif
