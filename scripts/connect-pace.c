/*
 * connect-pace: an LD_PRELOAD shim for a benchmark client on the host
 * (scripts/bench-apps gives it to redis-benchmark).
 *
 * QEMU's user networking (libslirp) listens on a forwarded port with a
 * backlog of 1 (`ss -ltn` shows Send-Q 1) and accepts one connection per
 * turn of QEMU's main loop. redis-benchmark opens its 10 clients at once:
 * the host kernel's accept queue overflows (TcpExt ListenOverflows grows
 * by 20-30 a test), and a client whose handshake's last ACK was dropped
 * believes it is connected, sends its first request, and gets it through
 * only when the kernel retransmits, 1 or 3 s later. redis-benchmark waits
 * for that request, so one such client turns a 0.5 s test into a 3.5 s
 * one, in any guest (the Linux guest's as Carapace's).
 *
 * With CONNECT_PACE_PORT=N, a connect() to 127.0.0.1:N returns only once
 * the connection is established and the listening socket's accept queue
 * is empty again (its rx_queue in /proc/net/tcp), so that the next client
 * finds room. redis-benchmark connects all its clients before it starts
 * its clock, so the pacing is not part of what it measures. Every other
 * connect() is passed through unchanged.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000 /* give up pacing (and go on) after this long */

/* The accept queue's length of the socket listening on 127.0.0.1:PORT, or
 * -1 when none is found. */
static int accept_queue(unsigned port)
{
	char want[32], line[512];
	snprintf(want, sizeof want, "0100007F:%04X", port);
	FILE *f = fopen("/proc/net/tcp", "r");
	if (!f)
		return -1;
	int found = -1;
	while (fgets(line, sizeof line, f)) {
		char local[64];
		unsigned state, tx, rx;
		/* "  sl  local_address rem_address   st tx_queue:rx_queue ..." */
		if (sscanf(line, "%*d: %63s %*s %x %x:%x", local, &state, &tx, &rx) == 4 &&
		    state == 0x0A /* TCP_LISTEN */ && strcmp(local, want) == 0) {
			found = (int)rx;
			break;
		}
	}
	fclose(f);
	return found;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	static int (*real_connect)(int, const struct sockaddr *, socklen_t);
	if (!real_connect)
		real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	const char *env = getenv("CONNECT_PACE_PORT");
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	if (!env || !addr || len < sizeof *in || in->sin_family != AF_INET ||
	    in->sin_addr.s_addr != htonl(INADDR_LOOPBACK) || ntohs(in->sin_port) != atoi(env))
		return real_connect(fd, addr, len);

	int r = real_connect(fd, addr, len);
	if (r < 0 && errno != EINPROGRESS)
		return r;
	if (r < 0) { /* non-blocking: wait until established (or failed) */
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, WAIT_MS) != 1) {
			errno = EINPROGRESS;
			return -1;
		}
		int err = 0;
		socklen_t elen = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err) {
			errno = err;
			return -1;
		}
	}
	for (int waited = 0; waited < WAIT_MS && accept_queue(ntohs(in->sin_port)) > 0; waited++)
		sleep_ms(1);
	return 0;
}
