/*
 * A fortified read of 17 bytes from /dev/zero into 16: __read_chk ends the
 * run with violation=fortify, status 139, before the read happens.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[16];
	int fd = open("/dev/zero", O_RDONLY);

	(void)argv;
	if (fd < 0) {
		perror("fortify_read: /dev/zero");
		return 1;
	}
	printf("fortify_read: reading %zu bytes into %zu\n", sizeof(buf) + argc, sizeof(buf));
	fflush(stdout);
	read(fd, buf, sizeof(buf) + (size_t)argc);
	printf("fortify_read: returned\n");
	return buf[0];
}
