/*
 * api_server: the REST API's server (kernel only), on lwIP's netconn API
 * in kernel threads. Started by api_start only when the boot options say
 * api=on; otherwise none of this runs and no port listens.
 *
 * One listener thread accepts; each connection gets a thread of its own,
 * at most API_MAX_CONNECTIONS at once (the next is answered 503 and
 * closed). A connection is closed when it sends nothing for
 * API_IDLE_TIMEOUT_MS between requests, and answered 408 and closed when
 * a request takes longer than API_REQUEST_TIMEOUT_MS from its first byte
 * to its last (a slow sender cannot hold a connection slot for long).
 * Requests of all connections go through api_handle one at a time: the
 * throttle table and the handlers' platform calls are shared.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>
#include <carapace/classifier.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/net.h>
#include <carapace/netdev.h>
#include <carapace/options.h>
#include <carapace/power.h>
#include <carapace/random.h>
#include <carapace/thread.h>
#include <carapace/vfs.h>

#include <lwip/api.h>
#include <lwip/netif.h>
#include <lwip/tcpip.h>

#include "api_kernel.h"

#define API_DEFAULT_PORT 8000
#define API_MAX_CONNECTIONS 8
#define API_IDLE_TIMEOUT_MS 30000
#define API_REQUEST_TIMEOUT_MS 10000
#define API_SEND_TIMEOUT_MS 10000
#define API_POLL_MS 250
#define API_LINGER_MS 2000
#define API_POWEROFF_DELAY_MS 1000
#define API_BODY_SIZE (128 * 1024)
/* Room before every response's body for its head: head and body go in one write. */
#define API_HEAD_ROOM 512
#define API_TOKEN_BYTES 32

static struct api api;
static struct api_platform platform;
static struct mutex api_lock = MUTEX_INIT;
static int connections; /* atomic */

static void netif_entry_of(struct netif *n, api_netif_fn fn, void *arg)
{
	struct api_netif_info info = {
		.addr = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(n))),
		.mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(n))),
		.mtu = n->mtu,
		.up = netif_is_up(n),
	};
	char name[16];
	struct netdev_stats st = { 0 };

	net_netif_name(n, name, sizeof(name)); /* Linux's: lo, eth0... */
	info.name = name;
	info.broadcast = info.mask != 0 ? (info.addr | ~info.mask) : 0;
	memcpy(info.mac, n->hwaddr, n->hwaddr_len < 6 ? n->hwaddr_len : 6);
	/* Device interfaces carry their driver's counters; loopback has none. */
	if (netdev_get_stats_of_netif(n, &st)) {
		info.rx_packets = st.rx_frames;
		info.rx_drops = st.rx_bad_length + st.rx_classifier_drops + st.rx_no_memory +
				st.rx_queue_full + st.rx_not_attached;
		info.tx_packets = st.tx_frames;
		info.tx_drops = st.tx_errors;
	}
	fn(arg, &info);
}

/* Each lwIP interface, read under the stack's core lock. */
static void each_netif(void *ctx, api_netif_fn fn, void *arg)
{
	struct netif *n;

	(void)ctx;
	LOCK_TCPIP_CORE();
	NETIF_FOREACH(n)
		netif_entry_of(n, fn, arg);
	UNLOCK_TCPIP_CORE();
}

static int each_classifier_counter(void *ctx, api_count_fn fn, void *arg)
{
	struct classifier_counters c;
	char name[48];

	(void)ctx;
	classifier_counters_read(&c);
	fn(arg, "frames", c.frames);
	fn(arg, "channels-open", c.channels_open);
	for (int i = 0; i < CLASSIFY_PATH_COUNT; i++) {
		fmt_snprintf(name, sizeof(name), "path-%s", classify_path_name((enum classify_path)i));
		fn(arg, name, c.paths[i]);
	}
	for (int i = 0; i < CLASSIFY_DROP_COUNT; i++) {
		fmt_snprintf(name, sizeof(name), "drop-%s", classify_drop_name((enum classify_drop)i));
		fn(arg, name, c.drops[i]);
	}
	return 0;
}

static void peer_of(struct netconn *nc, struct api_peer *peer)
{
	ip_addr_t ip;
	u16_t port;

	memset(peer, 0, sizeof(*peer));
	if (netconn_getaddr(nc, &ip, &port, 0) != ERR_OK)
		return;
	if (IP_IS_V4(&ip)) {
		uint32_t a = ip4_addr_get_u32(ip_2_ip4(&ip));

		peer->addr[10] = peer->addr[11] = 0xff;
		memcpy(peer->addr + 12, &a, 4);
	} else {
		memcpy(peer->addr, ip_2_ip6(&ip)->addr, 16);
	}
}

/*
 * With a send timeout, lwIP refuses netconn_write (ERR_VAL): write in
 * parts until all is sent, and give up when a part times out (a client
 * that does not read its answers).
 */
static bool send_all(struct netconn *nc, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		size_t written = 0;

		if (netconn_write_partly(nc, c, n, NETCONN_COPY, &written) != ERR_OK ||
		    written == 0)
			return false;
		c += written;
		n -= written;
	}
	return true;
}

/*
 * One write for the whole response: the head is put in the API_HEAD_ROOM
 * bytes before resp->body (every body buffer here has them), so a small
 * answer leaves in one segment, not a head segment and a body segment
 * (which lwIP's Nagle held back until the head's acknowledgement). A
 * client that closes after the head makes the write fail: the connection
 * is closed, nothing else happens.
 */
static bool send_response(struct netconn *nc, struct api_response *resp, bool keep)
{
	char head[API_HEAD_ROOM];
	size_t hl;

	resp->date = platform.wall_seconds(platform.ctx);
	hl = api_format_head(resp, keep, head, sizeof(head));
	if (hl == 0)
		return false;
	memcpy(resp->body - hl, head, hl);
	return send_all(nc, resp->body - hl, hl + (resp->head_only ? 0 : resp->body_len));
}

static void send_error(struct netconn *nc, struct api_response *resp, int status,
		       const char *message)
{
	api_error_response(resp, status, message);
	send_response(nc, resp, false);
}

struct conn_buffers {
	char *in;
	size_t in_size;
	char *out;  /* API_HEAD_ROOM for the head, then API_BODY_SIZE for the body */
	bool continued; /* "100 Continue" sent for the request at the front of in */
};

/*
 * Answers every whole request at the front of in; returns false when the
 * connection must close (an error, Connection: close, power-off).
 */
static bool answer_requests(struct netconn *nc, struct conn_buffers *b, size_t *len,
			    const struct api_peer *peer, struct api_response *resp)
{
	while (*len > 0) {
		struct http_request req;
		long rc = http_parse_request(b->in, *len, &http_default_limits, &req);
		bool keep;

		if (rc == 0) {
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
			bool refused;

			if (!req.expect_continue || b->continued)
				return true;
			/*
			 * A request refused whatever its body is answered now,
			 * and the connection closed: the client keeps its body
			 * (RFC 9110, 10.1.1) rather than sending it for nothing.
			 */
			mutex_lock(&api_lock);
			refused = api_refuses_early(&api, &req, peer, clock_ns() / 1000000, resp);
			mutex_unlock(&api_lock);
			if (refused) {
				send_response(nc, resp, false);
				return false;
			}
			b->continued = true;
			return send_all(nc, cont, sizeof(cont) - 1);
		}
		if (rc < 0) {
			api_error_response(resp, (int)-rc,
					   req.error != NULL ? req.error : http_reason((int)-rc));
			/* A HEAD's answer has no body, an error's neither (when the method was read). */
			resp->head_only = http_str_equal(req.method, "HEAD");
			send_response(nc, resp, false);
			return false;
		}
		/* The chunks' data joined where they arrived (in is this connection's own). */
		if (req.chunked)
			req.body.n = http_dechunk(b->in + (req.body.p - b->in), req.body.n);
		mutex_lock(&api_lock);
		api_handle(&api, &req, peer, clock_ns() / 1000000, resp);
		mutex_unlock(&api_lock);
		keep = req.keep_alive && resp->after == API_AFTER_NOTHING;
		if (!send_response(nc, resp, keep))
			return false;
		if (resp->after == API_AFTER_POWEROFF) {
			/* Let the answer reach the client before the machine goes. */
			netconn_close(nc);
			thread_sleep_ns(API_POWEROFF_DELAY_MS * 1000000ull);
			kprintf("api: power-off asked through the API\n");
			power_exit(0);
		}
		memmove(b->in, b->in + rc, *len - (size_t)rc);
		*len -= (size_t)rc;
		b->continued = false;
		if (!keep)
			return false;
	}
	return true;
}

/*
 * One connection: read, answer, until it closes, idles or is too slow.
 * Idle means that no request has begun: nothing is buffered but empty
 * lines (a CRLF a client sent after a body, RFC 9112, 2.2), and the idle
 * time counts from the last answer (or the connection's start), so empty
 * lines neither start a request's 10 s (a 408 for a client that sent one
 * and then waited) nor keep an idle connection open.
 */
static void serve(struct netconn *nc, struct conn_buffers *b)
{
	struct api_response resp = { .body = b->out + API_HEAD_ROOM, .body_size = API_BODY_SIZE };
	struct api_peer peer;
	uint64_t idle_since_ms = clock_ns() / 1000000, request_start_ms = 0;
	bool in_request = false;
	size_t len = 0;

	peer_of(nc, &peer);
	netconn_set_recvtimeout(nc, API_POLL_MS);
	netconn_set_sendtimeout(nc, API_SEND_TIMEOUT_MS);
	for (;;) {
		struct netbuf *nb;
		err_t err = netconn_recv(nc, &nb);
		uint64_t now = clock_ns() / 1000000;

		if (err == ERR_TIMEOUT) {
			if (in_request && now - request_start_ms > API_REQUEST_TIMEOUT_MS) {
				send_error(nc, &resp, 408, "the request took too long to arrive");
				return;
			}
			if (!in_request && now - idle_since_ms > API_IDLE_TIMEOUT_MS)
				return;
			continue;
		}
		if (err != ERR_OK)
			return;
		do {
			void *data;
			u16_t n;

			netbuf_data(nb, &data, &n);
			/* The parser refuses a request before it outgrows in (its size is the limits' sum). */
			if (n > b->in_size - len) {
				netbuf_delete(nb);
				send_error(nc, &resp, 431, "the request is too large");
				return;
			}
			memcpy(b->in + len, data, n);
			len += n;
		} while (netbuf_next(nb) >= 0);
		netbuf_delete(nb);

		size_t before = len;

		if (!answer_requests(nc, b, &len, &peer, &resp))
			return;
		if (len < before)
			idle_since_ms = now;
		/* What is left is the start of the next request: its clock starts now. */
		if (!http_only_empty_lines(b->in, len)) {
			if (!in_request || len < before)
				request_start_ms = now;
			in_request = true;
			if (now - request_start_ms > API_REQUEST_TIMEOUT_MS) {
				send_error(nc, &resp, 408, "the request took too long to arrive");
				return;
			}
		} else {
			in_request = false;
		}
	}
}

/*
 * Closes a connection after its last answer in stages (RFC 9112, 9.6):
 * the write side first (FIN after the answer), then whatever the client
 * still sends (a body the server did not wait for, a pipelined request)
 * is read and dropped until the client closes too or API_LINGER_MS pass.
 * Closing at once with unread bytes would send a reset, which can
 * destroy the answer before the client has read it.
 */
static void close_in_stages(struct netconn *nc)
{
	uint64_t end = clock_ns() / 1000000 + API_LINGER_MS;
	struct netbuf *nb;
	err_t err;

	if (netconn_shutdown(nc, 0, 1) == ERR_OK) {
		netconn_set_recvtimeout(nc, API_POLL_MS);
		while (clock_ns() / 1000000 < end) {
			err = netconn_recv(nc, &nb);
			if (err == ERR_OK)
				netbuf_delete(nb);
			else if (err != ERR_TIMEOUT)
				break;
		}
	}
	netconn_close(nc);
}

static void connection_thread(void *arg)
{
	struct netconn *nc = arg;
	struct conn_buffers b;

	b.in_size = 2 * http_default_limits.empty_lines + http_default_limits.request_line +
		    http_default_limits.header_bytes + http_default_limits.body + 1;
	b.continued = false;
	b.in = kmalloc(b.in_size);
	b.out = kmalloc(API_HEAD_ROOM + API_BODY_SIZE);
	if (b.in != NULL && b.out != NULL)
		serve(nc, &b);
	kfree(b.in);
	kfree(b.out);
	close_in_stages(nc);
	netconn_delete(nc);
	__atomic_fetch_sub(&connections, 1, __ATOMIC_RELAXED);
	thread_exit();
}

/*
 * Too many connections: a short 503 and close, in the listener's thread.
 * Head and body go in one write (send_response): the close right after it
 * resets the connection (its request is unread), and a second segment
 * held back for the first one's acknowledgement would be lost with it.
 */
static void refuse_busy(struct netconn *nc)
{
	char out[API_HEAD_ROOM + 96];
	struct api_response resp = { .body = out + API_HEAD_ROOM,
				     .body_size = sizeof(out) - API_HEAD_ROOM };

	api_error_response(&resp, 503, "too many connections: retry");
	resp.retry_after = 1;
	netconn_set_sendtimeout(nc, 1000);
	send_response(nc, &resp, false);
	netconn_close(nc);
	netconn_delete(nc);
}

struct listen_config {
	bool addr_set;
	uint32_t addr;
	uint16_t port;
};

static struct listen_config listen_config;

static void listener_thread(void *arg)
{
	struct netconn *l, *nc;
	ip_addr_t addr = IPADDR4_INIT(0);

	(void)arg;
	net_start();
	l = netconn_new(NETCONN_TCP);
	if (listen_config.addr_set)
		ip_addr_set_ip4_u32(&addr, lwip_htonl(listen_config.addr));
	if (l == NULL || netconn_bind(l, &addr, listen_config.port) != ERR_OK ||
	    netconn_listen_with_backlog(l, 4) != ERR_OK) {
		kprintf("api: cannot listen on port %u\n", listen_config.port);
		if (l != NULL)
			netconn_delete(l);
		thread_exit();
	}
	klog("api: listening on port %u%s\n", listen_config.port, api.write ? " (write on)" : "");
	for (;;) {
		struct thread_attr attr = { .name = "api-conn", .cpu = THREAD_ANY_CPU,
					    .detached = true };

		if (netconn_accept(l, &nc) != ERR_OK)
			continue;
		if (__atomic_fetch_add(&connections, 1, __ATOMIC_RELAXED) >= API_MAX_CONNECTIONS ||
		    thread_create(connection_thread, nc, &attr) == NULL) {
			__atomic_fetch_sub(&connections, 1, __ATOMIC_RELAXED);
			refuse_busy(nc);
		}
	}
}

/* The token file's first line, without its line end: 16 to 128 visible characters. */
static int read_token_file(const char *path, char *token, size_t *len)
{
	char buf[API_TOKEN_MAX + 3];
	long n = api_kernel_file_head(path, buf, sizeof(buf) - 1);
	size_t i = 0;

	if (n < 0)
		return (int)n;
	while (i < (size_t)n && buf[i] != '\n' && buf[i] != '\r')
		i++;
	if (i < API_TOKEN_MIN || i > API_TOKEN_MAX)
		return -EINVAL;
	memcpy(token, buf, i);
	*len = i;
	return 0;
}

int api_start(const struct boot_options *o, const char *cmdline)
{
	char token[API_TOKEN_MAX * 2 + 1];
	uint8_t bytes[API_TOKEN_BYTES];
	size_t token_len;
	int rc;
	struct thread_attr attr = { .name = "api-listen", .cpu = THREAD_ANY_CPU,
				    .detached = true };

	api_kernel_platform(&platform, o, cmdline);
	platform.each_netif = each_netif;
	platform.each_classifier_counter = each_classifier_counter;
	if (o->api_token_file != NULL) {
		rc = read_token_file(o->api_token_file, token, &token_len);
		if (rc < 0) {
			kprintf("api: not started: the token file %s %s\n", o->api_token_file,
				rc == -EINVAL ? "must hold 16 to 128 visible characters on its first line"
					      : "cannot be read");
			return rc;
		}
	} else {
		random_bytes(bytes, sizeof(bytes));
		api_token_from_bytes(bytes, sizeof(bytes), token);
		memset(bytes, 0, sizeof(bytes));
		token_len = 2 * sizeof(bytes);
	}
	rc = api_init(&api, &platform, o->api_write, token, token_len, o->api_token_file);
	if (rc < 0) {
		kprintf("api: not started: the token holds a character other than visible ASCII "
			"(a blank, a control, a byte over 0x7e)\n");
		return rc;
	}
	if (o->api_token_file == NULL && !o->api_open) {
		/* Printed once, and kept out of the console's log (/os/dmesg). */
		console_write_unlogged("api: token ", 11);
		console_write_unlogged(token, token_len);
		console_write_unlogged("\n", 1);
	}
	memset(token, 0, sizeof(token));
	api.open = o->api_open;
	if (api.open)
		kprintf("carapace: warning: api.auth=off: the REST API serves every peer without a token\n");
	listen_config = (struct listen_config){ o->api_addr_set, o->api_addr,
						o->api_port ? o->api_port : API_DEFAULT_PORT };
	if (thread_create(listener_thread, NULL, &attr) == NULL) {
		kprintf("api: not started: no memory for its thread\n");
		return -ENOMEM;
	}
	return 0;
}

/*
 * test=api-serve: keeps the kernel and its network up for the API's
 * integration tests (tests/net/test_api.py), which end it with
 * POST /os/poweroff or the launcher's --timeout. Without api=on it runs
 * too, so a test can check that nothing listens.
 */
static int ktest_api_serve(void)
{
	kprintf("api-serve: the API is %s\n", api.token_len != 0 ? "on" : "off");
	for (;;)
		thread_sleep_ns(1000000000ull);
}
KTEST("api-serve", ktest_api_serve);
