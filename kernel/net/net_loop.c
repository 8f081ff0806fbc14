/*
 * The loopback, synchronous (README.md, "The loopback"): a packet that
 * lwIP sends to this host (127.0.0.1, ::1, or an interface's own address)
 * waits on that interface's loop queue (netif_loop_output), and is taken
 * through lwIP's input here, in the thread that sent it, before the core
 * lock is let go: UNLOCK_TCPIP_CORE (lwipopts.h) calls net_loop_deliver
 * whenever net_loop_waiting is set, which lwIP's netif_loop_output does
 * (lwip/patches/netif.c.patch). So when a send, a connect or a close
 * returns, the peer socket has the data, the handshake or the FIN, as on
 * Linux; a reply the input makes (a SYN-ACK, an ACK, a TCP segment freed
 * to go) is queued in turn and delivered in the same loop.
 *
 * lwIP's own way (LWIP_NETIF_LOOPBACK_MULTITHREADING) posted a netif_poll
 * to the tcpip thread, which ran it later: a program that sent to itself
 * and read at once, without waiting, found nothing.
 *
 * The input runs with the core lock held and every lwIP call of the
 * sender finished (a lock being let go is a point where any thread may
 * run lwIP), never inside lwIP's own input: a callback that queues a
 * packet only sets the flag, and the loop below takes that packet next.
 * A budget bounds the loop, so two connections that answered each other
 * for ever could not keep a system call in here; what is left past it goes
 * to the tcpip thread, whose next unlock delivers another budget.
 *
 * Kernel, and the host harness fuzz_net (one thread: the same code).
 */
#include <lwip/ip.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/stats.h>
#include <lwip/sys.h>
#include <lwip/tcpip.h>

/* Packets taken through the input per call; a 64 KiB TCP write over the
 * loopback makes about 70 (segments and their acknowledgements). */
#define LOOP_BUDGET 1024

int net_loop_waiting; /* a loop queue may hold a packet; under the core lock */

/*
 * The first packet on n's loop queue, taken off it: its pbufs end at the
 * one whose len is the rest of the chain (netif_loop_output copies each
 * packet into one PBUF_RAM pbuf, so that is the first).
 */
static struct pbuf *loop_pop(struct netif *n)
{
	struct pbuf *p = n->loop_first, *end = p;
	SYS_ARCH_DECL_PROTECT(lev);

	SYS_ARCH_PROTECT(lev);
	while (end->len != end->tot_len)
		end = end->next;
	if (end == n->loop_last)
		n->loop_first = n->loop_last = NULL;
	else
		n->loop_first = end->next;
	end->next = NULL;
	SYS_ARCH_UNPROTECT(lev);
	return p;
}

/* Run by the tcpip thread for what a budget left: its unlock afterwards
 * delivers it (net_loop_waiting stays set while a queue holds a packet). */
static void deliver_later(void *arg)
{
	(void)arg;
}

void net_loop_deliver(void)
{
	static int delivering;
	unsigned budget = LOOP_BUDGET;
	struct netif *n;

	if (delivering)
		return; /* an unlock inside lwIP's input: the outer loop goes on */
	delivering = 1;
	while (net_loop_waiting && budget) {
		net_loop_waiting = 0;
		NETIF_FOREACH(n) {
			while (n->loop_first && budget) {
				struct pbuf *p = loop_pop(n);

				budget--;
				p->if_idx = netif_get_index(n);
				LINK_STATS_INC(link.recv);
				if (ip_input(p, n) != ERR_OK)
					pbuf_free(p);
			}
			if (n->loop_first)
				net_loop_waiting = 1;
		}
	}
	delivering = 0;
	/* Past the budget. With the tcpip thread's mailbox full, the next
	 * unlock by any thread delivers the rest. */
	if (net_loop_waiting)
		(void)tcpip_try_callback(deliver_later, NULL);
}
