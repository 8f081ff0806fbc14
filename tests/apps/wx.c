/*
 * W^X for applications: a mapping that is writable and executable at once
 * is refused (EACCES) by mmap and mprotect, unless the kernel was booted
 * with wx=allow; then a JIT can write code into it and run it. Prints
 * "wx: refused" or "wx: allowed, the written code returned 42"; exits 0
 * when what it saw is consistent, 1 if not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* mov $42, %eax; ret */
static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

int main(void)
{
	void *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int protect_rc, protect_errno;

	if (rw == MAP_FAILED) {
		printf("wx: mmap(PROT_READ|PROT_WRITE) FAILED\n");
		return 1;
	}
	protect_rc = mprotect(rw, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	protect_errno = errno;
	if (rwx == MAP_FAILED) {
		int refused = errno == EACCES && protect_rc == -1 && protect_errno == EACCES;

		printf("wx: refused (mmap and mprotect: EACCES) %s\n", refused ? "ok" : "FAILED");
		return !refused;
	}
	if (protect_rc != 0) {
		printf("wx: mmap allowed RWX but mprotect did not: FAILED\n");
		return 1;
	}
	memcpy(rwx, code, sizeof(code));
	int got = ((int (*)(void))rwx)();

	printf("wx: allowed, the written code returned %d\n", got);
	return got != 42;
}
