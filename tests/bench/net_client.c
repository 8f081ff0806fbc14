/*
 * net_client: the host side of the network benchmarks (scripts/bench-net),
 * against a guest's net_echo or net_sink reached through QEMU's --forward
 * on 127.0.0.1.
 *
 *   net_client rtt PORT COUNT SIZE [WAIT]   ping-pong of SIZE-byte messages
 *   net_client bulk PORT MIB [WAIT]         MIB MiB into net_sink
 *
 * Both first wait (up to WAIT seconds, default 120) until the guest's
 * server answers: QEMU's user networking accepts a connection on the host
 * port before the guest listens, and closes it when the guest refuses, so
 * a connection counts only once an answer has come back.
 * Output, one line: "rtt count=N size=S median_us=M p99_us=P min_us=L" or
 * "bulk bytes=N seconds=S mib_per_s=R". Status 0, or 1 with a line on
 * stderr (the guest never answered, lost or changed bytes).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WARMUP_ROUNDS 20
#define BULK_CHUNK (256 * 1024)
#define PROBE_MS 2000 /* how long one attempt waits for an answer */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "net_client: %s\n", what);
	exit(1);
}

static int connect_to(int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;

	if (fd < 0)
		die("socket failed");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Reads exactly LEN bytes, each wait bounded by TIMEOUT_MS (-1: none).
 * Returns 0, or -1 on end, error or timeout. */
static int read_exactly(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (timeout_ms >= 0 && poll(&p, 1, timeout_ms) <= 0)
			return -1;
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the sink's answer line (its byte count) with a timeout. */
static long long read_count(int fd, int timeout_ms)
{
	char line[32];
	size_t len = 0;

	while (len < sizeof(line) - 1) {
		if (read_exactly(fd, line + len, 1, timeout_ms) < 0)
			return -1;
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	char *end;
	long long count = strtoll(line, &end, 10);
	return (len == 0 || *end != '\0') ? -1 : count;
}

/* Connects until the server answers a probe: an echo of SIZE bytes
 * (rtt), or the count 0 for an empty connection (bulk, which then closes
 * it). Returns the connection for rtt. */
static int wait_for_server(int port, int wait_s, int echo, size_t size, char *msg, char *back)
{
	double deadline = now() + wait_s;

	while (now() < deadline) {
		int fd = connect_to(port);
		if (fd >= 0) {
			if (echo) {
				if (write_all(fd, msg, size) == 0 &&
				    read_exactly(fd, back, size, PROBE_MS) == 0) {
					if (memcmp(msg, back, size))
						die("the echo server answered other bytes");
					return fd;
				}
			} else if (shutdown(fd, SHUT_WR) == 0 && read_count(fd, PROBE_MS) == 0) {
				close(fd);
				return -1;
			}
			close(fd);
		}
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	die("the guest's server never answered");
	return -1;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int rtt(int port, long count, size_t size, int wait_s)
{
	char *msg = malloc(size), *back = malloc(size);
	double *samples = malloc((size_t)count * sizeof(double));

	if (!msg || !back || !samples)
		die("out of memory");
	for (size_t i = 0; i < size; i++)
		msg[i] = (char)('a' + i % 26);
	int fd = wait_for_server(port, wait_s, 1, size, msg, back);
	for (long i = -WARMUP_ROUNDS; i < count; i++) {
		msg[0] = (char)('A' + (i & 15)); /* each answer differs from the last */
		double t0 = now();
		if (write_all(fd, msg, size) < 0 || read_exactly(fd, back, size, 10000) < 0)
			die("the echo connection failed during the measurement");
		double t1 = now();
		if (memcmp(msg, back, size))
			die("the echo server answered other bytes");
		if (i >= 0)
			samples[i] = (t1 - t0) * 1e6;
	}
	close(fd);
	qsort(samples, (size_t)count, sizeof(double), compare_doubles);
	double median = count % 2 ? samples[count / 2]
				  : (samples[count / 2 - 1] + samples[count / 2]) / 2;
	long p99 = (long)((double)count * 0.99 + 0.999999) - 1; /* nearest rank */
	printf("rtt count=%ld size=%zu median_us=%.1f p99_us=%.1f min_us=%.1f\n", count, size,
	       median, samples[p99 < 0 ? 0 : p99], samples[0]);
	return 0;
}

static int bulk(int port, long mib, int wait_s)
{
	static char chunk[BULK_CHUNK];
	long long total = (long long)mib * 1024 * 1024;

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)i;
	wait_for_server(port, wait_s, 0, 0, NULL, NULL);
	int fd = connect_to(port);
	if (fd < 0)
		die("cannot connect to the sink after its probe answered");
	double t0 = now();
	for (long long sent = 0; sent < total; sent += BULK_CHUNK)
		if (write_all(fd, chunk, BULK_CHUNK) < 0)
			die("the sink connection failed during the transfer");
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown failed");
	long long got = read_count(fd, 60000);
	double t1 = now();
	close(fd);
	if (got != total) {
		fprintf(stderr, "net_client: the sink counted %lld bytes of %lld\n", got, total);
		return 1;
	}
	printf("bulk bytes=%lld seconds=%.3f mib_per_s=%.2f\n", total, t1 - t0,
	       (double)mib / (t1 - t0));
	return 0;
}

static long number(const char *text, long max)
{
	char *end;
	long n = strtol(text, &end, 10);
	if (end == text || *end != '\0' || n < 1 || n > max)
		die("a number is missing or out of range (see the usage in net_client.c)");
	return n;
}

int main(int argc, char **argv)
{
	/* A guest that closes early is reported, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 5 && !strcmp(argv[1], "rtt") && argc <= 6)
		return rtt((int)number(argv[2], 65535), number(argv[3], 10000000),
			   (size_t)number(argv[4], 1 << 20), argc == 6 ? (int)number(argv[5], 3600) : 120);
	if (argc >= 4 && !strcmp(argv[1], "bulk") && argc <= 5)
		return bulk((int)number(argv[2], 65535), number(argv[3], 1 << 20),
			    argc == 5 ? (int)number(argv[4], 3600) : 120);
	fprintf(stderr, "usage: net_client rtt PORT COUNT SIZE [WAIT]\n"
			"       net_client bulk PORT MIB [WAIT]\n");
	return 2;
}
