/*
 * net_sink PORT [CONNECTIONS]: the guest side of the bulk throughput
 * benchmark (scripts/bench-net). For each connection, one at a time: read
 * until the client shuts its side down, counting the bytes, then answer the
 * count as a decimal line and close, so that the client's clock stops only
 * when every byte has arrived. Exits 0 after CONNECTIONS connections (0 or
 * none: never), 3 when the system has no sockets, 4 when a call fails.
 *
 * Plain POSIX: the same program runs in Carapace and in the Linux guest.
 */
#include "net_common.h"

#include <unistd.h>

#define SINK_BUFFER (256 * 1024)

static char buffer[SINK_BUFFER];

/* Reads CONNECTION to its end. Returns the byte count, or -1 when the
 * connection failed (a reset: the client gave up). */
static long long drain(int fd)
{
	long long total = 0;

	for (;;) {
		ssize_t n = read(fd, buffer, sizeof(buffer));
		if (n == 0)
			return total;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		total += n;
	}
}

int main(int argc, char **argv)
{
	int port = argc >= 2 ? net_parse_port(argv[1]) : -1;
	long limit = argc >= 3 ? net_parse_count(argv[2]) : 0;

	if (argc < 2 || argc > 3 || port < 0 || limit < 0) {
		printf("usage: net_sink PORT [CONNECTIONS]\n");
		return NET_EXIT_USAGE;
	}
	int listener = net_listen("net_sink", port, 0);
	for (long served = 0; limit == 0 || served < limit; served++) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED) {
				served--;
				continue;
			}
			printf("net_sink: accept: %s\n", strerror(errno));
			return NET_EXIT_FAILED;
		}
		long long total = drain(fd);
		char line[32];
		int len = snprintf(line, sizeof(line), "%lld\n", total);
		/* A failed answer is the client's loss, which it reports. */
		if (total >= 0 && write(fd, line, (size_t)len) != len)
			printf("net_sink: the answer to a client was cut short\n");
		close(fd);
	}
	printf("net_sink: served %ld connections\n", limit);
	return 0;
}
