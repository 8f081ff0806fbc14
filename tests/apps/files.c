/*
 * File I/O through musl and the kernel's VFS: create, write, seek, read,
 * stat, rename, readdir, unlink on /tmp, and a file of the boot filesystem.
 * Prints what it checked; exits 0 when all is as expected, 1 if not.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("files: %s %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

int main(void)
{
	char buf[64] = { 0 };
	struct stat st;
	FILE *f;
	DIR *d;
	struct dirent *e;
	int fd, seen = 0;

	fd = open("/tmp/a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
	check(fd >= 0, "open(O_CREAT)");
	check(write(fd, "hello, carapace", 15) == 15, "write");
	check(lseek(fd, 7, SEEK_SET) == 7, "lseek");
	check(read(fd, buf, sizeof(buf)) == 8 && strcmp(buf, "carapace") == 0, "read after seek");
	check(fstat(fd, &st) == 0 && st.st_size == 15 && S_ISREG(st.st_mode), "fstat");
	check(close(fd) == 0, "close");
	check(rename("/tmp/a.txt", "/tmp/b.txt") == 0 && stat("/tmp/a.txt", &st) != 0, "rename");
	check(mkdir("/tmp/dir", 0755) == 0, "mkdir");
	d = opendir("/tmp");
	while (d && (e = readdir(d)))
		seen += strcmp(e->d_name, "b.txt") == 0 || strcmp(e->d_name, "dir") == 0;
	check(d && seen == 2, "readdir");
	if (d)
		closedir(d);
	f = fopen("/tmp/b.txt", "r");
	check(f && fgets(buf, sizeof(buf), f) && strcmp(buf, "hello, carapace") == 0, "stdio");
	if (f)
		fclose(f);
	check(unlink("/tmp/b.txt") == 0 && rmdir("/tmp/dir") == 0, "unlink, rmdir");
	check(open("/no/such/file", O_RDONLY) < 0, "ENOENT");
	f = fopen("/files.so", "rb");
	check(f && fread(buf, 1, 4, f) == 4 && memcmp(buf, "\177ELF", 4) == 0, "boot filesystem");
	if (f)
		fclose(f);
	printf("files: %d failed\n", failures);
	return failures != 0;
}
