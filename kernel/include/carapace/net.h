/*
 * net: the network stack as a whole (kernel/net/README.md): lwIP on its
 * tcpip thread, the loopback interface, and the devices of netdev.h.
 *
 * The stack starts on first need, not at every boot: when a network
 * device registers, or when net_start is called (the sockets layer's
 * first socket, the tests). A boot with neither pays nothing for it.
 */
#ifndef CARAPACE_NET_H
#define CARAPACE_NET_H

struct boot_options;

/*
 * Keeps the boot options ip= and gw= for the first device, and starts the
 * stack if a device registered before the scheduler ran. Once, from
 * kmain, with the scheduler running.
 */
void net_init(const struct boot_options *options);

/*
 * Starts lwIP's tcpip thread and the loopback interface (lo0: 127.0.0.1,
 * ::1), and attaches the devices registered so far; does nothing when the
 * stack runs already. Thread context, after net_init.
 */
void net_start(void);

/* AF_INET and AF_INET6 sockets on lwIP (inet_socket.c): registers their
 * socket() with the socket layer. From net_init. */
void inet_socket_register(void);

#endif
