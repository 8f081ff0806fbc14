/*
 * /proc from an application, through musl's file calls: /proc/net lists
 * "classifier"; /proc/net/classifier opens, reads in one call as
 * "name value" lines starting with "frames ", stats as a read-only regular
 * file; opening it to write or to truncate, and creating a file in /proc,
 * fail with EROFS. /proc lists cpuinfo, meminfo, net, uptime and version
 * (their contents: tests/apps/proc_system.c, a differential test);
 * /etc/services names the well-known ports for getservbyname and
 * getaddrinfo; readlink("/proc/self/exe") gives argv[0]'s file;
 * /proc/self/status's Name and /proc/self/stat's (comm) are its last
 * component, status shows an ignored and a caught signal in SigIgn and
 * SigCgt and a blocked one in SigBlk (natively, Name is the host file's:
 * these are Carapace-only). Prints one line a check ("ok" or "FAILED"); exits 0 when all pass.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("proc_files: %s %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

int main(int argc, char **argv)
{
	char text[4096];
	struct stat st;
	struct dirent *d;
	DIR *dir = opendir("/proc/net");
	int listed = 0, fd;
	ssize_t n = -1;

	while (dir && (d = readdir(dir)) != NULL)
		listed += strcmp(d->d_name, "classifier") == 0;
	if (dir)
		closedir(dir);
	check(listed == 1, "/proc/net lists classifier");
	fd = open("/proc/net/classifier", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	check(n > 0 && strncmp(text, "frames ", 7) == 0 && strstr(text, "\ndrop-port-zero ") != NULL,
	      "read /proc/net/classifier");
	if (n > 0)
		printf("proc_files: first line %.*s\n", (int)strcspn(text, "\n"), text);
	check(stat("/proc/net/classifier", &st) == 0 && S_ISREG(st.st_mode) &&
	      (st.st_mode & 0777) == 0444, "stat: a regular file, 0444");
	errno = 0;
	check(open("/proc/net/classifier", O_WRONLY) < 0 && errno == EROFS, "open for writing: EROFS");
	errno = 0;
	check(open("/proc/new", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS, "create: EROFS");
	errno = 0;
	check(open("/proc/net/classifier", O_RDWR | O_TRUNC) < 0 && errno == EROFS,
	      "open to truncate: EROFS");
	listed = 0;
	dir = opendir("/proc");
	while (dir && (d = readdir(dir)) != NULL)
		listed += strcmp(d->d_name, "cpuinfo") == 0 || strcmp(d->d_name, "meminfo") == 0 ||
			  strcmp(d->d_name, "net") == 0 || strcmp(d->d_name, "uptime") == 0 ||
			  strcmp(d->d_name, "version") == 0;
	if (dir)
		closedir(dir);
	check(listed == 5, "/proc lists cpuinfo meminfo net uptime version");
	{
		/* getservbyname's answer is overwritten by the next call: keep the port. */
		struct servent *se = getservbyname("http", "tcp");
		int http = se ? ntohs(se->s_port) : -1, mc;
		struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
		int rc = getaddrinfo("127.0.0.1", "https", &hints, &ai);

		se = getservbyname("memcache", "udp");
		mc = se ? ntohs(se->s_port) : -1;
		check(http == 80 && mc == 11211,
		      "/etc/services: http 80/tcp, memcache 11211/udp");
		check(rc == 0 && ntohs(((struct sockaddr_in *)ai->ai_addr)->sin_port) == 443,
		      "getaddrinfo's service https: 443");
		if (rc == 0)
			freeaddrinfo(ai);
	}
	{
		/* The application's own file, as the loader was given it (argv[0] here). */
		char exe[256];
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe));

		check(argc >= 1 && len == (ssize_t)strlen(argv[0]) && memcmp(exe, argv[0], (size_t)len) == 0,
		      "readlink /proc/self/exe: argv[0]");
		errno = 0;
		check(readlink("/proc/net/classifier", exe, sizeof(exe)) < 0 && errno == EINVAL,
		      "readlink of a file that is no link: EINVAL");
	}
	printf("proc_files: %d failed\n", failures);
	{
		const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		char want[128];
		sigset_t usr1;
		const char *at;
		unsigned long long ign = 0, cgt = 0, blk = 0;

		signal(SIGUSR2, SIG_IGN);
		signal(SIGUSR1, (void (*)(int))check);
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGHUP);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		fd = open("/proc/self/status", O_RDONLY);
		n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		if (fd >= 0)
			close(fd);
		text[n > 0 ? n : 0] = '\0';
		snprintf(want, sizeof(want), "Name:\t%.15s\n", base);
		check(strncmp(text, want, strlen(want)) == 0, "status: Name is argv[0]'s last component");
		if ((at = strstr(text, "\nSigBlk:\t")) != NULL)
			blk = strtoull(at + 9, NULL, 16);
		if ((at = strstr(text, "\nSigIgn:\t")) != NULL)
			ign = strtoull(at + 9, NULL, 16);
		if ((at = strstr(text, "\nSigCgt:\t")) != NULL)
			cgt = strtoull(at + 9, NULL, 16);
		check((blk & (1ull << (SIGHUP - 1))) && (ign & (1ull << (SIGUSR2 - 1))) &&
			      (cgt & (1ull << (SIGUSR1 - 1))) && !(cgt & (1ull << (SIGUSR2 - 1))),
		      "status: SigBlk SIGHUP, SigIgn SIGUSR2, SigCgt SIGUSR1");
		fd = open("/proc/self/stat", O_RDONLY);
		n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		if (fd >= 0)
			close(fd);
		text[n > 0 ? n : 0] = '\0';
		snprintf(want, sizeof(want), "%d (%.15s) R 0 ", getpid(), base);
		check(strncmp(text, want, strlen(want)) == 0, "stat: pid (comm) R 0");
	}
	return failures != 0;
}
