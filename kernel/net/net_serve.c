/*
 * Echo services for test=net-serve (kernel/dev/virtio_net_ktests.c): TCP
 * and UDP on one port, on lwIP's raw API in the tcpip thread, so that the
 * host's tests can drive a handshake, data and a datagram by raw frames
 * (tests/net/test_tcp_udp.py). Test support only: nothing else starts them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/net.h>

#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>

static struct tcp_pcb *tcp_listener;
static struct udp_pcb *udp_echo;

/* Every segment's bytes go straight back; the peer's FIN closes our side. */
static err_t tcp_echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (p == NULL) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		return tcp_close(pcb) == ERR_OK ? ERR_OK : (tcp_abort(pcb), ERR_ABRT);
	}
	for (struct pbuf *q = p; q != NULL; q = q->next) {
		if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break; /* no room: the test sends far less than the window */
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	tcp_output(pcb);
	return ERR_OK;
}

static err_t tcp_echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	tcp_recv(pcb, tcp_echo_recv);
	return ERR_OK;
}

static void udp_echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			  const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

int net_serve_echo_start(uint16_t port)
{
	struct tcp_pcb *pcb;
	int rc = 0;

	net_start();
	LOCK_TCPIP_CORE();
	pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	udp_echo = udp_new_ip_type(IPADDR_TYPE_ANY);
	if (pcb == NULL || udp_echo == NULL || tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK ||
	    udp_bind(udp_echo, IP_ANY_TYPE, port) != ERR_OK) {
		rc = -ENOMEM;
	} else if ((tcp_listener = tcp_listen(pcb)) == NULL) {
		rc = -ENOMEM;
	} else {
		pcb = NULL; /* tcp_listen freed it */
		tcp_accept(tcp_listener, tcp_echo_accept);
		udp_recv(udp_echo, udp_echo_recv, NULL);
	}
	if (rc) {
		if (pcb)
			tcp_close(pcb);
		if (udp_echo)
			udp_remove(udp_echo);
		udp_echo = NULL;
	}
	UNLOCK_TCPIP_CORE();
	return rc;
}
