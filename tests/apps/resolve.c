/*
 * Name resolution through musl's getaddrinfo (issue 14, item 3), with
 * --net user: /etc/resolv.conf names the DNS server of the DHCP lease
 * (QEMU's 10.0.2.3), /etc/hosts gives localhost (127.0.0.1 and ::1) and
 * the guest's own name "carapace" with its leased address, a numeric
 * address needs no lookup, and with the argument "dns" a name under
 * .invalid (RFC 6761) goes to that server through a UDP socket and comes
 * back as "Name does not resolve" (EAI_NONAME: an answer, not a time-out).
 * The launcher's own /etc files stay there beside them: getpwnam finds
 * root in its /etc/passwd, and /etc lists both kinds.
 * Prints one line a check; exits 0 when all pass.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LEASE_WAIT_STEPS 150 /* of 200 ms: DHCP under a loaded TCG */

static int failures;

static void check(int ok, const char *what, const char *detail)
{
	printf("resolve: %s: %s%s\n", what, detail, ok ? "" : " FAILED");
	failures += !ok;
}

/* The nameserver lines of /etc/resolv.conf, joined; their count. */
static int nameservers(char *out, size_t size)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[256];
	int n = 0;

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "nameserver ", 11) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out + strlen(out), size - strlen(out), "%s%s", n ? ", " : "", line + 11);
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

/* getaddrinfo's answers for name in family, as text; 0 or its error. */
static int lookup(const char *name, int family, char *out, size_t size)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM }, *res, *r;
	int rc = getaddrinfo(name, "80", &hints, &res);

	out[0] = '\0';
	if (rc) {
		snprintf(out, size, "%s", gai_strerror(rc));
		return rc;
	}
	for (r = res; r; r = r->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *a = r->ai_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)r->ai_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr;

		inet_ntop(r->ai_family, a, text, sizeof(text));
		snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "", text);
	}
	freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	char text[512];
	int rc;

	for (int i = 0; i < LEASE_WAIT_STEPS && nameservers(text, sizeof(text)) == 0; i++)
		usleep(200000);
	check(nameservers(text, sizeof(text)) > 0 && strstr(text, "10.0.2.3") != NULL,
	      "resolv.conf nameserver", text);
	rc = lookup("localhost", AF_INET, text, sizeof(text));
	check(rc == 0 && strcmp(text, "127.0.0.1") == 0, "localhost AF_INET", text);
	rc = lookup("localhost", AF_INET6, text, sizeof(text));
	check(rc == 0 && strcmp(text, "::1") == 0, "localhost AF_INET6", text);
	rc = lookup("carapace", AF_INET, text, sizeof(text));
	check(rc == 0 && strcmp(text, "10.0.2.15") == 0, "carapace AF_INET", text);
	rc = lookup("192.0.2.7", AF_UNSPEC, text, sizeof(text));
	check(rc == 0 && strcmp(text, "192.0.2.7") == 0, "numeric", text);
	{
		struct passwd *pw = getpwnam("root");
		DIR *etc = opendir("/etc");
		struct dirent *d;
		int seen = 0;

		check(pw && pw->pw_uid == 0, "getpwnam root", pw ? "uid 0" : "none");
		while (etc && (d = readdir(etc)) != NULL)
			seen |= (!strcmp(d->d_name, "hosts") ? 1 : 0) |
				(!strcmp(d->d_name, "resolv.conf") ? 2 : 0) |
				(!strcmp(d->d_name, "passwd") ? 4 : 0);
		if (etc)
			closedir(etc);
		check(seen == 7, "/etc lists hosts, resolv.conf and passwd", seen == 7 ? "yes" : "no");
	}
	if (argc > 1 && strcmp(argv[1], "dns") == 0) {
		rc = lookup("carapace-resolve-test.invalid", AF_INET, text, sizeof(text));
		check(rc == EAI_NONAME, "dns carapace-resolve-test.invalid", text);
	}
	printf("resolve: %d failed\n", failures);
	return failures ? 1 : 0;
}
