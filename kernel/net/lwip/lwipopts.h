/*
 * lwipopts.h: Carapace's choices for lwIP 2.1.3 (kernel/net/README.md, "The
 * lwIP port"). Only what differs from lwIP's own defaults (src/include/lwip/
 * opt.h) is here, each with the reason.
 */
#ifndef CARAPACE_LWIPOPTS_H
#define CARAPACE_LWIPOPTS_H

/*
 * Threads: NO_SYS=0. lwIP's tcpip thread runs on a kernel thread and the
 * port's sys_arch maps lwIP's semaphores, mutexes and mailboxes onto the
 * kernel's own (kernel/net/sys_arch.c), so the sequential (netconn) API
 * that the sockets layer builds on can block a caller the kernel way.
 *
 * Core locking (lwIP's default, kept): an API call takes the core mutex
 * and runs in its caller's thread instead of a round trip through the
 * tcpip thread's mailbox. Received frames still go through the mailbox
 * (CORE_LOCKING_INPUT stays 0), so a driver never waits on the core lock:
 * tcpip_input only tries to post, and a full mailbox drops the frame.
 */
#define NO_SYS                          0
#define LWIP_TCPIP_CORE_LOCKING         1
#define LWIP_TCPIP_CORE_LOCKING_INPUT   0
/* Every raw-API entry checks that its caller holds the core lock. */
void net_assert_core_locked(void);
#define LWIP_ASSERT_CORE_LOCKED()       net_assert_core_locked()

#define TCPIP_THREAD_NAME               "tcpip"
#define TCPIP_THREAD_STACKSIZE          (64 * 1024)
#define TCPIP_THREAD_PRIO               0 /* the kernel has no priorities */
/* Mailboxes are bounded (sys_arch.c): received frames and API messages. */
#define TCPIP_MBOX_SIZE                 512
#define DEFAULT_TCP_RECVMBOX_SIZE       128
#define DEFAULT_UDP_RECVMBOX_SIZE       64
#define DEFAULT_RAW_RECVMBOX_SIZE       64
#define DEFAULT_ACCEPTMBOX_SIZE         64

/*
 * Memory: every lwIP allocation (pbufs, protocol control blocks, segments,
 * messages) comes from the kernel heap, the hardened allocator: a write
 * past an lwIP buffer or a double free is then caught and reported as a
 * violation, where lwIP's own pools would let it corrupt the next buffer.
 * The cost is that the pools' fixed counts no longer bound memory; what
 * bounds it is listed in kernel/net/README.md (mailbox sizes, windows, the
 * out-of-order queue, the listen backlog, no reassembly).
 */
#define MEM_LIBC_MALLOC                 1
#define MEMP_MEM_MALLOC                 1
#define mem_clib_malloc                 kmalloc
#define mem_clib_free                   kfree
#define mem_clib_calloc                 kcalloc
#define MEM_ALIGNMENT                   8
#include <stddef.h>
void *kmalloc(size_t size); /* carapace/memory.h */
void *kcalloc(size_t nmemb, size_t size);
void kfree(void *ptr);

/*
 * Checksums: Carapace's own sum, eight bytes a step (carapace/inet_sum.h),
 * for lwIP's two bytes a step (its inet_chksum.c's algorithm 2).
 */
#include <carapace/inet_sum.h>
#define LWIP_CHKSUM                     inet_sum

/*
 * lwIP's copies of a few bytes whose length it knows (SMEMCPY: the two MAC
 * addresses of every frame sent, ethernet_output) inlined by the compiler
 * rather than calls to memcpy, which the kernel's -fno-builtin would make:
 * two calls of about 25 instructions a frame under TCG for two moves each.
 */
#define SMEMCPY(dst, src, len)          __builtin_memcpy(dst, src, len)

/*
 * Transmit checksum offload (kernel/net/README.md, "Checksum offload"):
 * checksums are chosen per interface, so that a device which computes TCP
 * and UDP checksums (netdev.h, tx_csum_offload) gets those packets
 * unsummed. lwIP's loopback lo0 then sums nothing at all, neither sent nor
 * received (its netif_loopif_init): its packets never leave memory.
 */
#define LWIP_CHECKSUM_CTRL_PER_NETIF    1
/*
 * Two patched places (kernel/net/lwip/patches). udp.c: a datagram IP will
 * split (IPv4: over the interface's MTU; IPv6: over the least MTU, 1280,
 * since the path's may be lower) is summed by lwIP, as a device sums one
 * frame. netif.c: a packet to the interface's own address is looped back
 * inside lwIP and checked on input, so it is summed there, whole, from
 * memory; an interface that checks nothing (lo0) is left alone.
 */
#include <carapace/l4_csum.h>
#define net_udp_will_fragment(netif, len, dst) \
	((netif)->mtu != 0 && (u32_t)(len) + (IP_IS_V6(dst) ? IP6_HLEN : IP_HLEN) > \
	 (IP_IS_V6(dst) ? IP6_MIN_MTU_LENGTH : (u32_t)(netif)->mtu))
#define net_loop_output_checksum(netif, p) \
	do { \
		if (((netif)->chksum_flags & (NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP)) != \
		    (NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP) && \
		    ((netif)->chksum_flags & NETIF_CHECKSUM_CHECK_TCP) != 0 && \
		    (p)->len == (p)->tot_len) \
			l4_csum_fill((p)->payload, (p)->len); \
	} while (0)

/* Protocols: IPv4 and IPv6 both; ARP and Ethernet for virtio-net. */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       1
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
#define LWIP_ICMP                       1
#define LWIP_UDP                        1
#define LWIP_TCP                        1
/* Raw IP sockets, IGMP, DNS, AutoIP, DHCPv6: not offered (musl resolves
 * names itself over UDP). Defaults, listed so the choice is visible. */
#define LWIP_RAW                        0
#define LWIP_IGMP                       0
#define LWIP_DNS                        0
#define LWIP_AUTOIP                     0
#define LWIP_IPV6_DHCP6                 0

/*
 * Linux's defaults for what the sockets' options change (kernel/net
 * README.md, "Socket options"): a TTL of 64 (lwIP's is 255), and a UDP
 * send to a broadcast address refused unless the socket asked for
 * SO_BROADCAST (lwIP's SOF_BROADCAST; its DHCP client sets it on its own
 * pcb). Received broadcasts reach every socket, as on Linux.
 */
#define IP_DEFAULT_TTL                  64
#define IP_SOF_BROADCAST                1

/* Addresses: DHCP unless the boot options ip= and gw= give a static one. */
#define LWIP_DHCP                       1
/*
 * No ARP probe of a leased address: it adds about a second to every boot,
 * and the server on the far side (QEMU's user networking, or the cloud's)
 * is the only one handing out addresses on that link.
 */
#define DHCP_DOES_ARP_CHECK             0
/* Stateless autoconfiguration on router advertisements (lwIP's default). */
#define LWIP_IPV6_AUTOCONFIG            1

/*
 * No reassembly of IPv4 or IPv6 fragments. Reassembly is where IP stacks
 * have had their worst bugs and their cheapest memory exhaustion (a buffer
 * held per partial datagram for seconds), and nothing here needs it: TCP
 * sizes its segments to the MSS and the links (virtio-net, loopback) have a
 * fixed MTU. A fragment is dropped and counted (lwIP's ip_frag stats). The
 * packet classifier drops fragments before lwIP sees them; this is the
 * second line. Sending stays on (IP_FRAG): a UDP datagram larger than the
 * MTU is split, as an application may ask.
 */
#define IP_REASSEMBLY                   0
#define LWIP_IPV6_REASS                 0
#define IP_FRAG                         1
#define LWIP_IPV6_FRAG                  1

/*
 * TCP: a full-size MSS for a 1500-byte MTU (lwIP's default is 536), and
 * window scaling so one connection can receive 128 KiB in flight (QEMU's
 * networking and a LAN have round trips of a millisecond or more: 64 KiB
 * would cap a connection near 500 Mbit/s). The send buffer stays at 64 KiB:
 * lwIP keeps its low-water mark in 16 bits (init.c's sanity check).
 */
#define TCP_MSS                         1460
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   2
#define TCP_WND                         (128 * 1024)
#define TCP_SND_BUF                     (64 * 1024)
#define TCP_SND_QUEUELEN                ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define MEMP_NUM_TCP_SEG                TCP_SND_QUEUELEN
/* Out-of-order segments kept per connection: bounded, not unlimited. */
#define TCP_OOSEQ_MAX_BYTES             TCP_WND
#define TCP_OOSEQ_MAX_PBUFS             64
/* A listener's backlog counts half-open connections too (SYN floods). */
#define TCP_LISTEN_BACKLOG              1
/* For the sockets layer: SO_KEEPALIVE, SO_RCVTIMEO/SNDTIMEO, SO_RCVBUF. */
#define LWIP_TCP_KEEPALIVE              1
#define LWIP_SO_RCVTIMEO                1
#define LWIP_SO_SNDTIMEO                1
#define LWIP_SO_RCVBUF                  1
/*
 * SO_REUSEADDR and SO_REUSEPORT (both map to lwIP's SOF_REUSEADDR on the
 * pcb): a server that restarts binds its port again while the old
 * connections sit in TIME_WAIT, as on Linux. lwIP's tcp_listen still
 * refuses a second listener on the same address and port (EADDRINUSE).
 */
#define SO_REUSE                        1

/*
 * Randomness from the kernel's ChaCha20 generator: the first ephemeral
 * TCP and UDP ports, DHCP transaction ids, IPv6 neighbour discovery
 * delays (LWIP_RAND), and every TCP initial sequence number (the hook:
 * lwIP's own ISN is a counter an attacker can predict).
 */
unsigned int net_random_u32(void);
#define LWIP_RAND()                     net_random_u32()
#define LWIP_HOOK_FILENAME              "net_hooks.h"

/* The sequential API for the sockets layer; lwIP's own sockets are not used. */
#define LWIP_NETCONN                    1
#define LWIP_SOCKET                     0

/* Interfaces: loopback (127.0.0.1, ::1) beside each network device. */
#define LWIP_NETIF_LOOPBACK             1
#define LWIP_HAVE_LOOPIF                1
/*
 * The loopback is synchronous, as Linux's (kernel/net/net_loop.c): a
 * packet to this host is taken through lwIP's input by the thread that
 * sent it, before it lets the core lock go, not later by the tcpip
 * thread (lwIP's MULTITHREADING way). netif_loop_output sets the flag
 * (lwip/patches/netif.c.patch); an unlock with it clear costs one test.
 */
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0
extern int net_loop_waiting;
void net_loop_deliver(void);
#define net_loop_queued()               (net_loop_waiting = 1)
#define LOCK_TCPIP_CORE()               sys_mutex_lock(&lock_tcpip_core)
#define UNLOCK_TCPIP_CORE() \
	do { \
		if (net_loop_waiting) \
			net_loop_deliver(); \
		sys_mutex_unlock(&lock_tcpip_core); \
	} while (0)
#define LWIP_NETIF_STATUS_CALLBACK      1
#define LWIP_NETIF_HOSTNAME             1

#endif
