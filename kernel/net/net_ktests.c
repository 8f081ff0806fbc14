/*
 * test=net-loopback: the lwIP port proved without a network device. Over
 * the loopback interface, through lwIP's netconn API (the one the sockets
 * layer will use): a TCP connection between two kernel threads carries
 * 1 MiB whose checksum the receiver computes on its own and sends back;
 * a UDP exchange over 127.0.0.1 and one over ::1 check payload and source;
 * and one of lwIP's timers fires no earlier than asked. Prints one line per
 * part; 0 when all passed, 1 when not.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/net.h>
#include <carapace/sem.h>
#include <carapace/thread.h>

#include <lwip/api.h>
#include <lwip/tcpip.h>
#include <lwip/timeouts.h>

#define MS               1000000ull
#define TCP_TOTAL        (1024 * 1024)
#define TCP_CHUNK        (16 * 1024)
#define TCP_PORT         7001
#define UDP_PORT_A       7002
#define UDP_PORT_B       7003
#define IO_TIMEOUT_MS    20000
#define TIMER_MS         300

/* FNV-1a, 64 bits, over a byte stream. */
static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#define FNV_START 0xcbf29ce484222325ull

/* The bytes the client sends: a xorshift stream, so any reordering shows. */
static void fill_pattern(uint8_t *buf, size_t n, uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		buf[i] = (uint8_t)*state;
	}
}

struct tcp_run {
	struct sem listening;
	struct sem done;
	ip_addr_t addr;
	uint64_t server_sum;     /* of what the server received */
	size_t server_bytes;
	uint64_t client_sum;     /* of what the client sent */
	uint64_t echoed_sum;     /* what the server said it received */
	err_t server_err, client_err;
	const char *server_step, *client_step;
};

static uint8_t client_buf[TCP_CHUNK];

/* Accepts one connection, sums everything until 1 MiB, sends the sum back. */
static void tcp_server(void *arg)
{
	struct tcp_run *run = arg;
	struct netconn *listener = netconn_new(NETCONN_TCP), *conn = NULL;
	struct pbuf *p;
	err_t err = ERR_MEM;
	bool announced = false;

	run->server_sum = FNV_START;
	run->server_step = "new";
	if (listener == NULL)
		goto out;
	netconn_set_recvtimeout(listener, IO_TIMEOUT_MS);
	run->server_step = "bind";
	if ((err = netconn_bind(listener, &run->addr, TCP_PORT)) != ERR_OK)
		goto out;
	run->server_step = "listen";
	if ((err = netconn_listen(listener)) != ERR_OK)
		goto out;
	sem_up(&run->listening);
	announced = true;
	run->server_step = "accept";
	if ((err = netconn_accept(listener, &conn)) != ERR_OK)
		goto out;
	netconn_set_recvtimeout(conn, IO_TIMEOUT_MS);
	run->server_step = "recv";
	while (run->server_bytes < TCP_TOTAL) {
		if ((err = netconn_recv_tcp_pbuf(conn, &p)) != ERR_OK)
			goto out;
		for (struct pbuf *q = p; q != NULL; q = q->next)
			run->server_sum = fnv1a(run->server_sum, q->payload, q->len);
		run->server_bytes += p->tot_len;
		pbuf_free(p);
	}
	run->server_step = "write";
	err = netconn_write(conn, &run->server_sum, sizeof(run->server_sum), NETCONN_COPY);
out:
	run->server_err = err;
	if (!announced)
		sem_up(&run->listening); /* the client tries, and fails: no wait for ever */
	if (conn != NULL) {
		netconn_close(conn);
		netconn_delete(conn);
	}
	if (listener != NULL)
		netconn_delete(listener);
	sem_up(&run->done);
}

/* Connects, sends 1 MiB of the pattern, reads the server's 8-byte sum. */
static void tcp_client(void *arg)
{
	struct tcp_run *run = arg;
	struct netconn *conn;
	uint64_t state = 0x9e3779b97f4a7c15ull;
	size_t got = 0;
	err_t err = ERR_MEM;

	run->client_sum = FNV_START;
	sem_down(&run->listening);
	run->client_step = "new";
	conn = netconn_new(NETCONN_TCP);
	if (conn == NULL)
		goto out;
	netconn_set_recvtimeout(conn, IO_TIMEOUT_MS);
	netconn_set_sendtimeout(conn, IO_TIMEOUT_MS);
	run->client_step = "connect";
	if ((err = netconn_connect(conn, &run->addr, TCP_PORT)) != ERR_OK)
		goto out;
	run->client_step = "write";
	for (size_t sent = 0; sent < TCP_TOTAL; sent += TCP_CHUNK) {
		fill_pattern(client_buf, TCP_CHUNK, &state);
		run->client_sum = fnv1a(run->client_sum, client_buf, TCP_CHUNK);
		/* With a send timeout, lwIP writes what fits and says how much. */
		for (size_t done = 0, n; done < TCP_CHUNK; done += n) {
			err = netconn_write_partly(conn, client_buf + done, TCP_CHUNK - done,
						   NETCONN_COPY, &n);
			if (err != ERR_OK)
				goto out;
		}
	}
	run->client_step = "recv";
	while (got < sizeof(run->echoed_sum)) {
		struct pbuf *p;

		if ((err = netconn_recv_tcp_pbuf(conn, &p)) != ERR_OK)
			goto out;
		got += pbuf_copy_partial(p, (uint8_t *)&run->echoed_sum + got,
					 (u16_t)(sizeof(run->echoed_sum) - got), 0);
		pbuf_free(p);
	}
out:
	run->client_err = err;
	if (conn != NULL) {
		netconn_close(conn);
		netconn_delete(conn);
	}
	sem_up(&run->done);
}

static bool start(void (*fn)(void *), void *arg, const char *name)
{
	struct thread_attr attr = { .name = name, .cpu = THREAD_ANY_CPU, .detached = true };

	if (thread_create(fn, arg, &attr) != NULL)
		return true;
	kprintf("net-loopback: cannot create thread %s\n", name);
	return false;
}

static bool tcp_transfer(void)
{
	static struct tcp_run run;
	uint64_t t0 = clock_ns(), ns;
	bool ok;

	memset(&run, 0, sizeof(run));
	sem_init(&run.listening, 0);
	sem_init(&run.done, 0);
	ip_addr_set_loopback(0, &run.addr);
	if (!start(tcp_server, &run, "net-server") || !start(tcp_client, &run, "net-client"))
		return false;
	sem_down(&run.done);
	sem_down(&run.done);
	ns = clock_ns() - t0;
	ok = run.server_err == ERR_OK && run.client_err == ERR_OK &&
	     run.server_bytes == TCP_TOTAL && run.server_sum == run.client_sum &&
	     run.echoed_sum == run.client_sum;
	kprintf("net-loopback: tcp 127.0.0.1:%d %zu bytes received of %d, checksum %s "
		"(sent %016llx, received %016llx, echoed %016llx), %llu ms%s\n",
		TCP_PORT, run.server_bytes, TCP_TOTAL,
		run.server_sum == run.client_sum && run.echoed_sum == run.client_sum ?
			"equal" : "DIFFERENT",
		(unsigned long long)run.client_sum, (unsigned long long)run.server_sum,
		(unsigned long long)run.echoed_sum, (unsigned long long)(ns / MS),
		ok ? "" : " FAILED");
	if (run.server_err != ERR_OK || run.client_err != ERR_OK)
		kprintf("net-loopback: tcp server %s: lwIP error %d, client %s: lwIP error %d\n",
			run.server_step ? run.server_step : "-", run.server_err,
			run.client_step ? run.client_step : "-", run.client_err);
	return ok;
}

/* Sends len bytes of data from conn to addr:port. */
static err_t udp_send(struct netconn *conn, const void *data, u16_t len,
		      const ip_addr_t *addr, u16_t port)
{
	struct netbuf *buf = netbuf_new();
	err_t err;

	if (buf == NULL)
		return ERR_MEM;
	err = netbuf_ref(buf, data, len);
	if (err == ERR_OK)
		err = netconn_sendto(conn, buf, addr, port);
	netbuf_delete(buf);
	return err;
}

/*
 * Receives one datagram on conn and checks it: the payload is want, from
 * from:from_port. Returns a reason, or NULL when it is right.
 */
static const char *udp_expect(struct netconn *conn, const char *want,
			      const ip_addr_t *from, u16_t from_port)
{
	struct netbuf *buf;
	char got[64];
	u16_t len;
	const char *why = NULL;

	if (netconn_recv(conn, &buf) != ERR_OK)
		return "nothing received";
	len = netbuf_len(buf);
	if (len != strlen(want) || netbuf_copy(buf, got, sizeof(got)) != len ||
	    memcmp(got, want, len) != 0)
		why = "wrong payload";
	else if (!ip_addr_cmp(netbuf_fromaddr(buf), from) || netbuf_fromport(buf) != from_port)
		why = "wrong source";
	netbuf_delete(buf);
	return why;
}

/* A sends to B, B checks it and answers A, A checks the answer. */
static bool udp_exchange(bool ipv6)
{
	struct netconn *a = netconn_new(ipv6 ? NETCONN_UDP_IPV6 : NETCONN_UDP);
	struct netconn *b = netconn_new(ipv6 ? NETCONN_UDP_IPV6 : NETCONN_UDP);
	static const char ping[] = "carapace udp ping", pong[] = "carapace udp pong";
	const char *why = "no memory";
	ip_addr_t addr;

	ip_addr_set_loopback(ipv6, &addr);
	if (a == NULL || b == NULL)
		goto out;
	netconn_set_recvtimeout(a, IO_TIMEOUT_MS);
	netconn_set_recvtimeout(b, IO_TIMEOUT_MS);
	why = "bind failed";
	if (netconn_bind(a, &addr, UDP_PORT_A) != ERR_OK ||
	    netconn_bind(b, &addr, UDP_PORT_B) != ERR_OK)
		goto out;
	why = "send failed";
	if (udp_send(a, ping, sizeof(ping) - 1, &addr, UDP_PORT_B) != ERR_OK)
		goto out;
	if ((why = udp_expect(b, ping, &addr, UDP_PORT_A)) != NULL)
		goto out;
	why = "reply failed";
	if (udp_send(b, pong, sizeof(pong) - 1, &addr, UDP_PORT_A) != ERR_OK)
		goto out;
	why = udp_expect(a, pong, &addr, UDP_PORT_B);
out:
	if (a != NULL)
		netconn_delete(a);
	if (b != NULL)
		netconn_delete(b);
	kprintf("net-loopback: udp %s ports %d and %d: %s\n", ipv6 ? "::1" : "127.0.0.1",
		UDP_PORT_A, UDP_PORT_B, why ? why : "ping and pong arrived intact from the right port");
	return why == NULL;
}

struct timer_run {
	struct sem fired;
	uint64_t fired_ns;
};

static void timer_fired(void *arg)
{
	struct timer_run *run = arg;

	run->fired_ns = clock_ns();
	sem_up(&run->fired);
}

/* One of lwIP's timeouts, run by the tcpip thread on the kernel's clock. */
static bool timer_fires(void)
{
	static struct timer_run run;
	uint64_t t0, waited;
	bool ok;

	sem_init(&run.fired, 0);
	t0 = clock_ns();
	LOCK_TCPIP_CORE();
	sys_timeout(TIMER_MS, timer_fired, &run);
	UNLOCK_TCPIP_CORE();
	if (sem_down_until(&run.fired, t0 + 10000 * MS) != 0) {
		kprintf("net-loopback: timer of %d ms did not fire in 10 s FAILED\n", TIMER_MS);
		return false;
	}
	waited = run.fired_ns - t0;
	/* lwIP counts in whole milliseconds: it may round a fraction of one away. */
	ok = waited >= (TIMER_MS - 1) * MS;
	kprintf("net-loopback: timer of %d ms fired after %llu ms%s\n", TIMER_MS,
		(unsigned long long)(waited / MS), ok ? "" : " (too early) FAILED");
	return ok;
}

static int ktest_net_loopback(void)
{
	bool ok = true;

	net_start();
	ok &= tcp_transfer();
	ok &= udp_exchange(false);
	ok &= udp_exchange(true);
	ok &= timer_fires();
	kprintf("net-loopback: %s\n", ok ? "passed" : "FAILED");
	return ok ? 0 : 1;
}
KTEST("net-loopback", ktest_net_loopback);
