/*
 * SIGPIPE's dispositions on a write to a socket whose peer is gone:
 * "default" ends the run (Carapace: status 145 and a carapace: SIGPIPE
 * line; Linux: killed by signal 13), "ignore" and "block" leave only
 * EPIPE, "nosignal" uses MSG_NOSIGNAL with the default action in place,
 * "handler" installs an SA_SIGINFO handler: it runs once per write, with
 * SIGPIPE blocked while it runs and unblocked after, and each write still
 * returns EPIPE (the same output natively: tests/apps/differential).
 * Integration cases app-sigpipe-*.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t handled, info_signo, blocked_inside;
static volatile uintptr_t context_seen;

static void on_sigpipe(int sig, siginfo_t *info, void *context)
{
	sigset_t now;

	sigprocmask(SIG_SETMASK, NULL, &now);
	blocked_inside = sigismember(&now, SIGPIPE);
	info_signo = info->si_signo;
	context_seen = (uintptr_t)context;
	handled += sig == SIGPIPE;
}

static void handler_mode(int fd)
{
	struct sigaction sa = { .sa_sigaction = on_sigpipe, .sa_flags = SA_SIGINFO };
	sigset_t after;
	int kept = 12345; /* a local live across the calls: the handler must not touch it */

	sigaction(SIGPIPE, &sa, NULL);
	for (int i = 1; i <= 2; i++) {
		ssize_t rc = write(fd, "x", 1);

		printf("sigpipe: handler: write %d returned %zd (%s), handler ran %d time(s), "
		       "si_signo %d, SIGPIPE blocked inside: %s, context: %s\n", i, rc,
		       rc < 0 && errno == EPIPE ? "EPIPE" : "unexpected", (int)handled,
		       (int)info_signo, blocked_inside ? "yes" : "no", context_seen ? "yes" : "no");
	}
	sigprocmask(SIG_SETMASK, NULL, &after);
	printf("sigpipe: handler: blocked after: %s, local kept: %s\n",
	       sigismember(&after, SIGPIPE) ? "yes" : "no", kept == 12345 ? "yes" : "no");
}

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
	if (!strcmp(mode, "handler")) {
		handler_mode(sv[0]);
		return 0;
	}
	if (!strcmp(mode, "nosignal"))
		rc = send(sv[0], "x", 1, MSG_NOSIGNAL);
	else
		rc = write(sv[0], "x", 1);
	printf("sigpipe: %s: the write returned %zd (%s)\n", mode, rc,
	       rc < 0 && errno == EPIPE ? "EPIPE" : "unexpected");
	return 0;
}
