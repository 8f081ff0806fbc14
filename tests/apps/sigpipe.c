/*
 * SIGPIPE's dispositions on a write to a socket whose peer is gone:
 * "default" ends the run (Carapace: status 145 and a carapace: SIGPIPE
 * line; Linux: killed by signal 13), "ignore" and "block" leave only
 * EPIPE, "nosignal" uses MSG_NOSIGNAL with the default action in place.
 * Integration cases app-sigpipe-*.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "default";
	int sv[2];
	ssize_t rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(mode, "ignore")) {
		signal(SIGPIPE, SIG_IGN);
	} else if (!strcmp(mode, "block")) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	close(sv[1]);
	printf("sigpipe: %s: writing to a socket without a reader\n", mode);
	if (!strcmp(mode, "nosignal"))
		rc = send(sv[0], "x", 1, MSG_NOSIGNAL);
	else
		rc = write(sv[0], "x", 1);
	printf("sigpipe: %s: the write returned %zd (%s)\n", mode, rc,
	       rc < 0 && errno == EPIPE ? "EPIPE" : "unexpected");
	return 0;
}
