/*
 * sendfile and copy_file_range as Linux answers them (a differential test:
 * the same output natively and in Carapace):
 * - sendfile from a regular file to a file and to a socket, with the
 *   file's position (advanced) or an offset (advanced, the position left
 *   alone), short at the end of the file, 0 at it; a full nonblocking
 *   socket EAGAIN with the position unchanged; a closed peer EPIPE (with
 *   SIGPIPE ignored); in_fd not readable or out_fd not writable EBADF, a pipe as
 *   in_fd or a negative offset EINVAL.
 * - copy_file_range between files (offsets or positions), within one file
 *   when the ranges do not overlap, EINVAL when they do or for flags, EBADF
 *   for an append-mode target, EISDIR for a directory, EINVAL for a pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE 100000

static char path_a[64], path_b[64];
static unsigned char pattern[SIZE], back[SIZE];

/* "name = value" or "name = -1 ERRNAME". */
static void show(const char *what, long rc)
{
	const char *e = rc >= 0 ? "" : errno == EBADF ? " EBADF" : errno == EINVAL ? " EINVAL"
				  : errno == EISDIR ? " EISDIR" : errno == EPIPE ? " EPIPE"
				  : errno == EAGAIN ? " EAGAIN" : errno == ESPIPE ? " ESPIPE" : " other";

	printf("%s = %ld%s\n", what, rc, e);
}

static long position(int fd)
{
	return (long)lseek(fd, 0, SEEK_CUR);
}

static int same_bytes(int fd, long off, const unsigned char *want, size_t n)
{
	return pread(fd, back, n, off) == (ssize_t)n && memcmp(back, want, n) == 0;
}

static void test_sendfile(void)
{
	int a = open(path_a, O_RDONLY), b = open(path_b, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int sv[2], p[2], wr = open(path_a, O_WRONLY);
	off_t off = 1000;
	long n, total = 0;
	char got[2000];

	show("sendfile file to file, 30000 from the position", sendfile(b, a, NULL, 30000));
	show("  position of in", position(a));
	show("  position of out", position(b));
	show("sendfile with an offset 1000, 500 bytes", sendfile(b, a, &off, 500));
	printf("  offset now %ld, position of in still %ld\n", (long)off, position(a));
	printf("  bytes right: %d\n", same_bytes(b, 0, pattern, 30000) &&
				       same_bytes(b, 30000, pattern + 1000, 500));
	show("sendfile past the end (from 90000, 20000 asked)", (off = 90000, sendfile(b, a, &off, 20000)));
	show("sendfile at the end", sendfile(b, a, &off, 100));
	show("sendfile of 0 bytes", sendfile(b, a, NULL, 0));

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	off = 5;
	show("sendfile to a socket, 1500 bytes", sendfile(sv[0], a, &off, 1500));
	n = recv(sv[1], got, sizeof(got), 0);
	printf("  the peer read %ld bytes, right: %d\n", n, n == 1500 && !memcmp(got, pattern + 5, 1500));
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	while (write(sv[0], got, sizeof(got)) > 0)
		total += (long)sizeof(got);
	lseek(a, 100, SEEK_SET);
	show("sendfile to a full nonblocking socket", sendfile(sv[0], a, NULL, 1000));
	show("  position of in", position(a));
	while (total > 0 && (n = recv(sv[1], back, SIZE, 0)) > 0)
		total -= n;
	show("  after the peer read it all", sendfile(sv[0], a, NULL, 1000));
	show("  position of in", position(a));
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	show("sendfile to a socket whose peer closed", sendfile(sv[0], a, NULL, 10));
	show("  position of in", position(a));
	close(sv[0]);

	off = -1;
	show("sendfile with offset -1", sendfile(b, a, &off, 10));
	show("sendfile from a write-only file", sendfile(b, wr, NULL, 10));
	show("sendfile to a read-only file", sendfile(a, a, NULL, 10));
	show("sendfile from a bad descriptor", sendfile(b, 999, NULL, 10));
	pipe(p);
	write(p[1], "abc", 3);
	show("sendfile from a pipe", sendfile(b, p[0], NULL, 3));
	close(p[0]);
	close(p[1]);
	close(a);
	close(b);
	close(wr);
}

static void test_copy_file_range(void)
{
	int a = open(path_a, O_RDWR), b = open(path_b, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int app = open(path_b, O_WRONLY | O_APPEND), dir = open("/", O_RDONLY | O_DIRECTORY), p[2];
	off_t in = 100, out = 0;

	show("copy_file_range 5000 with offsets", copy_file_range(a, &in, b, &out, 5000, 0));
	printf("  offsets now %ld %ld, positions %ld %ld\n", (long)in, (long)out, position(a), position(b));
	printf("  bytes right: %d\n", same_bytes(b, 0, pattern + 100, 5000));
	show("copy_file_range 70000 from the positions", copy_file_range(a, NULL, b, NULL, 70000, 0));
	printf("  positions %ld %ld\n", position(a), position(b));
	printf("  bytes right: %d\n", same_bytes(b, 0, pattern, 70000));
	in = 99000;
	out = 0;
	show("copy_file_range past the end (from 99000, 5000 asked)", copy_file_range(a, &in, b, &out, 5000, 0));
	show("copy_file_range at the end", copy_file_range(a, &in, b, &out, 5000, 0));
	in = 0;
	out = 50000;
	show("one file, ranges apart", copy_file_range(a, &in, a, &out, 1000, 0));
	printf("  bytes right: %d\n", same_bytes(a, 50000, pattern, 1000));
	in = 0;
	out = 500;
	show("one file, ranges overlapping", copy_file_range(a, &in, a, &out, 1000, 0));
	show("flags 1", copy_file_range(a, NULL, b, NULL, 10, 1));
	show("to an append-mode file", copy_file_range(a, NULL, app, NULL, 10, 0));
	show("from a directory", copy_file_range(dir, NULL, b, NULL, 10, 0));
	pipe(p);
	show("to a pipe", copy_file_range(a, NULL, p[1], NULL, 10, 0));
	show("of 0 bytes", copy_file_range(a, NULL, b, NULL, 0, 0));
	close(p[0]);
	close(p[1]);
	close(a);
	close(b);
	close(app);
	close(dir);
}

int main(void)
{
	int fd;

	snprintf(path_a, sizeof(path_a), "/tmp/file_transfer_a.%d", (int)getpid());
	snprintf(path_b, sizeof(path_b), "/tmp/file_transfer_b.%d", (int)getpid());
	for (size_t i = 0; i < SIZE; i++)
		pattern[i] = (unsigned char)(i * 7 + i / 251);
	fd = open(path_a, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, pattern, SIZE) != SIZE) {
		perror("file_transfer: the test file");
		return 1;
	}
	close(fd);
	test_sendfile();
	test_copy_file_range();
	unlink(path_a);
	unlink(path_b);
	return 0;
}
