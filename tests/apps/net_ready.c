/*
 * What an application finds of the network at its first instruction: the
 * guest's address in /etc/hosts (the kernel writes it once the first
 * device has one) and what a TCP connect to the user network's host
 * (10.0.2.2, port 7: nothing listens there) says: ECONNREFUSED means a
 * route existed and the host answered; EHOSTUNREACH that the guest had no
 * address yet. With DHCP the kernel waits for the lease before main
 * (net.wait=, kernel/net/README.md "Before the application starts").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	return e == ECONNREFUSED ? "ECONNREFUSED" : e == EHOSTUNREACH ? "EHOSTUNREACH"
	       : e == ENETUNREACH ? "ENETUNREACH" : e == ETIMEDOUT ? "ETIMEDOUT" : "other";
}

int main(void)
{
	struct sockaddr_in host = { .sin_family = AF_INET, .sin_port = htons(7) };
	char line[256], addr[64] = "";
	FILE *f = fopen("/etc/hosts", "r");
	int s, rc;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "carapace") && sscanf(line, "%63s", addr) != 1)
			addr[0] = '\0';
	if (f)
		fclose(f);
	if (addr[0])
		printf("net_ready: /etc/hosts: carapace is %s\n", addr);
	else
		printf("net_ready: /etc/hosts: no address for carapace\n");
	inet_pton(AF_INET, "10.0.2.2", &host.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	rc = connect(s, (struct sockaddr *)&host, sizeof(host));
	printf("net_ready: connect 10.0.2.2:7 = %d %s\n", rc, rc ? errno_name(errno) : "");
	close(s);
	return addr[0] ? 0 : 1;
}
