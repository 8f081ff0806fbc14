/*
 * A small HTTP/1.0 server: listens on 0.0.0.0:PORT (argv[1], 80 by
 * default), answers N requests (argv[2], 1 by default) with a fixed page
 * naming the path asked for, then exits 0. For curl on the host through
 * the launcher's --net user --forward tcp:HOSTPORT:PORT (tests/net/).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
