/*
 * A fortified application whose calls all stay within their buffers, most
 * of them exactly at the bound: it runs normally and exits 0. Also a %n in
 * a string literal (read-only: allowed) and a longjmp to a live frame.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include <wchar.h>

static jmp_buf back;

static void jump_back(int depth)
{
	if (depth == 0)
		longjmp(back, 1);
	jump_back(depth - 1);
}

int main(int argc, char **argv)
{
	char buf[16], src[32] = "0123456789abcdefghij";
	wchar_t wbuf[4];
	size_t n = sizeof(buf) - 1 + (size_t)argc; /* 16 with no arguments */
	int fd = open("/dev/zero", O_RDONLY), count = 0, calls = 0;
	fd_set set;

	(void)argv;
	memcpy(buf, src, n), calls++;
	memset(buf, 'x', n), calls++;
	strcpy(buf, src + 20 - (n - 1)), calls++; /* 15 characters and the terminator */
	calls += snprintf(buf, n, "%s", src) > 0;
	calls += sprintf(buf, "%.*s", (int)n - 1, src) == (int)n - 1;
	calls += read(fd, buf, n) == (ssize_t)n;
	FD_ZERO(&set);
	FD_SET(FD_SETSIZE - argc, &set), calls++;
	calls += FD_ISSET(FD_SETSIZE - argc, &set);
	wcscpy(wbuf, L"abc"), calls++;
	printf("fortify_ok: a %%n in a literal%n is allowed\n", &count);
	calls += count > 0;
	if (!setjmp(back))
		jump_back(argc + 2);
	calls++;
	printf("fortify_ok: %d calls at their bounds returned\n", calls);
	close(fd);
	return calls == 11 ? 0 : 1;
}
