/*
 * A small HTTP/1.0 server: listens on 0.0.0.0:PORT (argv[1], 80 by
 * default), answers N requests (argv[2], 1 by default) with a fixed page
 * naming the path asked for, then exits 0. For curl on the host through
 * the launcher's --net user --forward tcp:HOSTPORT:PORT (tests/net/).
 * GET /bytes/N answers N bytes (at most 64 MiB) of 'a'..'z' repeated
 * instead: the last answer of a run, written just before the exit, is
 * what the kernel must still deliver after the application has ended.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* All of buf, through short writes. 0, or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* N bytes of 'a'..'z' repeated, in 64 KiB writes, each starting at the pattern's phase. */
static int write_pattern(int fd, size_t n)
{
	static char chunk[65536 + 26];

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	for (size_t sent = 0; sent < n;) {
		size_t part = n - sent < 65536 ? n - sent : 65536;

		if (write_all(fd, chunk + sent % 26, part))
			return -1;
		sent += part;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 80, requests = argc > 2 ? atoi(argv[2]) : 1, one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int l = socket(AF_INET, SOCK_STREAM, 0);

	setvbuf(stdout, NULL, _IOLBF, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 16)) {
		perror("http_server: bind/listen");
		return 1;
	}
	printf("http_server: listening on port %d\n", port);
	for (int n = 0; n < requests; n++) {
		char req[2048], path[256] = "?", body[512], head[256];
		unsigned long long want = 0;
		size_t got = 0;
		ssize_t r;
		int c = accept(l, NULL, NULL), blen, hlen;

		if (c < 0) {
			perror("http_server: accept");
			return 1;
		}
		/* Up to the end of the request's head. */
		while (got < sizeof(req) - 1 && (r = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
			got += (size_t)r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[got] = '\0';
		sscanf(req, "GET %255s", path);
		if (sscanf(path, "/bytes/%llu", &want) == 1 && want <= 64ull << 20) {
			hlen = snprintf(head, sizeof(head),
					"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
					"Content-Length: %llu\r\nConnection: close\r\n\r\n", want);
			if (write_all(c, head, (size_t)hlen) || write_pattern(c, (size_t)want))
				perror("http_server: write");
			close(c);
			printf("http_server: answered GET %s\n", path);
			continue;
		}
		blen = snprintf(body, sizeof(body), "Hello from Carapace: you asked for %s\n", path);
		hlen = snprintf(head, sizeof(head),
				"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
				"Connection: close\r\n\r\n", blen);
		write(c, head, (size_t)hlen);
		write(c, body, (size_t)blen);
		close(c);
		printf("http_server: answered GET %s\n", path);
	}
	close(l);
	return 0;
}
