/*
 * W+X by mprotect: the attacker's code is written into an anonymous
 * mapping, which is then made writable and executable at once
 * (mprotect(PROT_READ|PROT_WRITE|PROT_EXEC), what a ROP chain calling
 * mprotect does) and jumped to, whatever mprotect answered. Named defence:
 * W^X (mprotect refuses with EACCES; the jump faults: violation=wx).
 * Succeeds under wx=allow.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "attack.h"

int main(void)
{
	unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc, (*run)(void);

	if (page == MAP_FAILED) {
		AUDIT_SAY("wx-mprotect: mmap failed");
		return 2;
	}
	memcpy(page, audit_shellcode, sizeof(audit_shellcode));
	rc = mprotect(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	AUDIT_SAY("wx-mprotect: mprotect(RWX) = %d (%s); jumping to %p", rc,
		  rc ? strerror(errno) : "allowed", (void *)page);
	run = OPAQUE((int (*)(void))(void *)page);
	if (run() == 42)
		audit_success("code written at run time executed (W+X)");
	return 0;
}
