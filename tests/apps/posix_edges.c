/*
 * The edges of everyday POSIX calls, as programs nobody here wrote use
 * them: what each call answers (a value or an errno's name) for the right
 * and the wrong use of files, descriptors, mappings, sockets, threads and
 * time. It prints one line per call and no address, pid or time, so that
 * tests/apps/differential can compare its output natively and in Carapace
 * line for line: any difference is a place where Carapace is not Linux.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "show_result.h"

static char dir[] = "/tmp/posix_edges.XXXXXX";

static char *at(const char *name)
{
	static char path[2][400];
	static int turn;

	turn ^= 1;
	snprintf(path[turn], sizeof(path[turn]), "%s/%s", dir, name);
	return path[turn];
}

static void files(void)
{
	char buf[32];
	struct stat st;
	int fd, fd2;

	fd = show("open O_CREAT|O_EXCL", open(at("f"), O_CREAT | O_EXCL | O_RDWR, 0600));
	show("open O_CREAT|O_EXCL again", open(at("f"), O_CREAT | O_EXCL | O_RDWR, 0600));
	show("pwrite at 10", pwrite(fd, "hello", 5, 10));
	show("fstat size", fstat(fd, &st) == 0 ? st.st_size : -1);
	memset(buf, 'x', sizeof(buf));
	show("pread of the hole", pread(fd, buf, 15, 0));
	printf("hole bytes zero: %d\n", buf[0] == 0 && buf[9] == 0 && buf[10] == 'h');
	show("lseek SEEK_END -2", lseek(fd, -2, SEEK_END));
	show("read at the end", read(fd, buf, sizeof(buf)));
	show("lseek before 0", lseek(fd, -100, SEEK_SET));
	show("lseek whence 7", lseek(fd, 0, 7));
	show("ftruncate to 4", ftruncate(fd, 4));
	show("lseek SEEK_CUR after truncate", lseek(fd, 0, SEEK_CUR));
	show("read past the new end", read(fd, buf, sizeof(buf)));
	show("ftruncate to 8192", ftruncate(fd, 8192));
	show("fstat size", fstat(fd, &st) == 0 ? st.st_size : -1);
	show("ftruncate negative", ftruncate(fd, -1));
	fd2 = show("dup", dup(fd));
	show("lseek fd to 100", lseek(fd, 100, SEEK_SET));
	show("the dup's offset", lseek(fd2, 0, SEEK_CUR));
	show("fcntl F_GETFD of the dup", fcntl(fd2, F_GETFD));
	show("fcntl F_SETFD FD_CLOEXEC", fcntl(fd2, F_SETFD, FD_CLOEXEC));
	show("fcntl F_GETFD", fcntl(fd2, F_GETFD));
	show("close the dup", close(fd2));
	show("close it again", close(fd2));
	show("close", close(fd));

	fd = show("open O_APPEND", open(at("f"), O_WRONLY | O_APPEND));
	show("lseek to 0", lseek(fd, 0, SEEK_SET));
	show("write appends", write(fd, "end", 3));
	show("offset after the append", lseek(fd, 0, SEEK_CUR));
	show("read on O_WRONLY", read(fd, buf, 1));
	show("close", close(fd));
	fd = show("open O_RDONLY", open(at("f"), O_RDONLY));
	show("write on O_RDONLY", write(fd, "x", 1));
	show("close", close(fd));

	show("read of -1", read(-1, buf, 1));
	show("read of 12345", read(12345, buf, 1));
	show("open a directory O_WRONLY", open(dir, O_WRONLY));
	show("open through a file", open(at("f/x"), O_RDONLY));
	show("mkdir d", mkdir(at("d"), 0700));
	show("mkdir d again", mkdir(at("d"), 0700));
	show("open d/g O_CREAT", fd = open(at("d/g"), O_CREAT | O_WRONLY, 0600));
	close(fd);
	show("rmdir a directory not empty", rmdir(at("d")));
	show("rmdir a file", rmdir(at("f")));
	show("unlink a directory", unlink(at("d")));
	show("rename f over d/g", rename(at("f"), at("d/g")));
	show("stat f after the rename", stat(at("f"), &st));
	show("stat d/g size", stat(at("d/g"), &st) == 0 ? st.st_size : -1);
	show("access d/g F_OK", access(at("d/g"), F_OK));
	show("access missing F_OK", access(at("missing"), F_OK));

	DIR *d = opendir(at("d"));
	struct dirent *e;
	int entries = 0, dots = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			dots++;
		else
			entries++, printf("readdir: %s\n", e->d_name);
	printf("readdir: %d entries and %d dots\n", entries, dots);
	if (d)
		closedir(d);
	show("unlink d/g", unlink(at("d/g")));
	show("rmdir d", rmdir(at("d")));

	char name[300];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	show("open a 299-byte name", open(at(name), O_CREAT | O_WRONLY, 0600));
	show("open a NULL path", open(NULL, O_RDONLY));
}

static void mappings(void)
{
	char buf[8] = { 0 };
	int fd = open(at("m"), O_CREAT | O_RDWR | O_TRUNC, 0600);

	show("ftruncate to a page", ftruncate(fd, 4096));
	show("pwrite at 0", pwrite(fd, "filebytes", 9, 0));
	/*
	 * A shared writable mapping of a file is left out: Carapace copies a
	 * file's bytes into the mapping and refuses MAP_SHARED with PROT_WRITE
	 * (-ENODEV, kernel/syscall/sys_memory.c), where Linux shares the pages.
	 */
	char *shared = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	char *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

	printf("mmap shared read-only and private: %d %d\n", shared != MAP_FAILED,
	       private != MAP_FAILED);
	if (shared != MAP_FAILED && private != MAP_FAILED) {
		printf("the shared mapping reads the file: %d\n", memcmp(shared, "filebytes", 9) == 0);
		show("msync", msync(shared, 4096, MS_SYNC));
		memcpy(private + 100, "private", 7);
		memset(buf, 0, sizeof(buf));
		show("pread of the private write", pread(fd, buf, 7, 100));
		printf("private write seen in the file: %d\n", memcmp(buf, "private", 7) == 0);
		printf("the private copy has the file too: %d\n", memcmp(private, "filebytes", 9) == 0);
		show("munmap shared", munmap(shared, 4096));
		show("munmap private", munmap(private, 4096));
	}
	show("mmap length 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
	show("mmap a bad fd", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED ? -1 : 0);
	show("mmap an unaligned offset",
	     mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 3) == MAP_FAILED ? -1 : 0);
	close(fd);
	show("unlink m", unlink(at("m")));

	char *anon = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (anon != MAP_FAILED) {
		printf("anonymous memory zero: %d\n", anon[0] == 0 && anon[3 * 4096 - 1] == 0);
		show("munmap the middle page", munmap(anon + 4096, 4096));
		anon[0] = 1, anon[2 * 4096] = 2;
		show("munmap unaligned", munmap(anon + 1, 4096));
		show("mprotect read-only", mprotect(anon, 4096, PROT_READ));
		show("munmap the rest", munmap(anon, 3 * 4096));
	}
}

static void sockets_and_pipes(void)
{
	int sv[2], p[2];
	char buf[16];
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	show("socketpair SOCK_DGRAM", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	show("send 5", send(sv[0], "first", 5, 0));
	show("send 6", send(sv[0], "second", 6, 0));
	show("recv MSG_PEEK 3 of the first", recv(sv[1], buf, 3, MSG_PEEK));
	show("recv 16: one datagram", recv(sv[1], buf, sizeof(buf), 0));
	iov[0] = (struct iovec){ buf, 2 };
	iov[1] = (struct iovec){ buf + 2, 2 };
	show("recvmsg into 2+2: the rest is cut", recvmsg(sv[1], &msg, 0));
	printf("recvmsg MSG_TRUNC: %d\n", (msg.msg_flags & MSG_TRUNC) != 0);
	show("recv MSG_DONTWAIT on empty", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	close(sv[0]);
	close(sv[1]);

	show("socketpair SOCK_STREAM", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	iov[0] = (struct iovec){ "ab", 2 };
	iov[1] = (struct iovec){ "cde", 3 };
	show("writev 2+3", writev(sv[0], iov, 2));
	show("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
	show("read 16", read(sv[1], buf, sizeof(buf)));
	show("read at the end", read(sv[1], buf, sizeof(buf)));
	show("write after SHUT_WR (SIGPIPE ignored)", send(sv[0], "x", 1, MSG_NOSIGNAL));
	show("shutdown how=9", shutdown(sv[0], 9));
	show("getsockopt on a pipe's end", pipe(p) == 0 ? getsockopt(p[0], SOL_SOCKET, SO_TYPE, buf,
									&(socklen_t){ 4 }) : -2);
	show("lseek on a pipe", lseek(p[0], 0, SEEK_SET));

	struct pollfd pf[2] = { { .fd = p[0], .events = POLLIN }, { .fd = p[1], .events = POLLOUT } };

	show("poll: the write end ready", poll(pf, 2, 0));
	printf("revents: %#x %#x\n", pf[0].revents, pf[1].revents);
	fd_set rd;

	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	show("select, nothing to read, 20 ms", select(p[0] + 1, &rd, NULL, NULL,
						     &(struct timeval){ 0, 20000 }));
	show("write 1", write(p[1], "z", 1));
	FD_SET(p[0], &rd);
	show("select, one to read", select(p[0] + 1, &rd, NULL, NULL, &(struct timeval){ 1, 0 }));
	printf("FD_ISSET: %d\n", FD_ISSET(p[0], &rd) != 0);
	close(p[1]);
	pf[0].revents = 0;
	show("poll after the writer closed", poll(pf, 1, 0));
	printf("POLLIN %d POLLHUP %d\n", (pf[0].revents & POLLIN) != 0, (pf[0].revents & POLLHUP) != 0);
	show("read the byte", read(p[0], buf, sizeof(buf)));
	show("read at EOF", read(p[0], buf, sizeof(buf)));
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int counter;

static void *count(void *arg)
{
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void threads_and_time(void)
{
	pthread_t t[4];
	struct timespec start, end, deadline;
	void *ret;
	sem_t sem;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, count, (void *)(long)(i + 1));
	long sum = 0;

	for (int i = 0; i < 4; i++)
		pthread_join(t[i], &ret), sum += (long)ret;
	printf("4 threads counted %d, returned %ld\n", counter, sum);

	pthread_mutex_lock(&lock);
	printf("trylock a held mutex: %s\n", err_name(pthread_mutex_trylock(&lock)));
	clock_gettime(CLOCK_REALTIME, &start);
	deadline = start;
	deadline.tv_nsec += 50 * 1000000;
	if (deadline.tv_nsec >= 1000000000)
		deadline.tv_sec++, deadline.tv_nsec -= 1000000000;
	printf("cond_timedwait 50 ms: %s\n", err_name(pthread_cond_timedwait(&cond, &lock, &deadline)));
	clock_gettime(CLOCK_REALTIME, &end);
	printf("it waited at least 50 ms: %d\n", elapsed_ms(&start, &end) >= 49);
	pthread_mutex_unlock(&lock);

	sem_init(&sem, 0, 1);
	show("sem_trywait", sem_trywait(&sem));
	show("sem_trywait on 0", sem_trywait(&sem));
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += 30 * 1000000;
	if (deadline.tv_nsec >= 1000000000)
		deadline.tv_sec++, deadline.tv_nsec -= 1000000000;
	show("sem_timedwait 30 ms", sem_timedwait(&sem, &deadline));
	sem_destroy(&sem);

	clock_gettime(CLOCK_MONOTONIC, &start);
	show("nanosleep 20 ms", nanosleep(&(struct timespec){ 0, 20000000 }, NULL));
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("it slept at least 20 ms: %d\n", elapsed_ms(&start, &end) >= 20);
	show("nanosleep with 2e9 ns", nanosleep(&(struct timespec){ 0, 2000000000 }, NULL));
	show("nanosleep negative", nanosleep(&(struct timespec){ -1, 0 }, NULL));
	show("clock_gettime of clock 99", clock_gettime(99, &start));
	show("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &start));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	files();
	mappings();
	sockets_and_pipes();
	threads_and_time();
	/* The 299-byte name's file, if a system made it, goes with the rest. */
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlink(at(e->d_name));
	if (d)
		closedir(d);
	show("rmdir the work directory", rmdir(dir));
	return 0;
}
