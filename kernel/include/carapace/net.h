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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * Waits, at most timeout_ns, until the first network device has its IPv4
 * address: at once with no device or with ip=; with DHCP, until the lease.
 * For the application's start, so that its first connect finds a route
 * (kernel/net/README.md, "Before the application starts"). True when the
 * address is there or none is awaited. Thread context, after net_init.
 */
bool net_wait_address(uint64_t timeout_ns);

/*
 * Waits until the stack has delivered what it was given: every TCP
 * connection's data and FIN acknowledged by its peer, and every device's
 * transmit ring handed back; at most timeout_ns. True when it got there
 * (at once when the stack never started). For the application's exit,
 * after its descriptors are closed (kernel/net/README.md, "At exit").
 * Thread context.
 */
bool net_quiesce(uint64_t timeout_ns);

/* AF_INET and AF_INET6 sockets on lwIP (inet_socket.c): registers their
 * socket() with the socket layer. From net_init. */
void inet_socket_register(void);

/*
 * The text of /etc/hosts (localhost, and the first device's IPv4 address
 * as "carapace") and /etc/resolv.conf (a nameserver line for each DNS
 * server of the first device's DHCP lease), as snprintf: at most len-1
 * characters and a NUL, the whole length returned (net_names.c).
 */
int net_hosts_format(char *buf, size_t len);
int net_resolv_conf_format(char *buf, size_t len);

/*
 * For test=net-serve: echo services on port (TCP: each connection's bytes
 * come back; UDP: each datagram goes back to its sender), on every
 * address. Starts the stack if needed. 0, or -ENOMEM. Once per boot.
 */
int net_serve_echo_start(uint16_t port);

/*
 * An lwIP interface's name as Linux (and the application: carapace/ifinfo.h)
 * calls it: "lo" for lwIP's lo0, "eth0", "eth1"... for the devices in order
 * of registration (lwIP's en1, en2...). buf gets at most len bytes, with NUL.
 */
struct netif;
void net_netif_name(const struct netif *n, char *buf, size_t len);

#endif
