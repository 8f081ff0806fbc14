/*
 * NULL dereference: the attacker maps page 0 (mmap MAP_FIXED at address 0)
 * and puts a fake object there whose function pointer is attacker's; the
 * program then calls through a NULL object pointer. Named defence: page 0
 * is never mapped (mmap at 0 is refused; the access is
 * violation=null-deref). No switch turns this off.
 */
#include <string.h>
#include <sys/mman.h>
#include "attack.h"

struct handler {
	void (*run)(void);
};

__attribute__((noinline)) static void attacker_function(void)
{
	audit_success("control flow hijacked through a NULL object on an attacker-mapped page 0");
}

int main(void)
{
	void *zero = mmap((void *)0, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	struct handler *object = OPAQUE((struct handler *)0);

	AUDIT_SAY("null-deref: mmap at 0 %s", zero == MAP_FAILED ? "refused" : "succeeded");
	if (zero != MAP_FAILED) {
		struct handler fake = { attacker_function };

		memcpy(OPAQUE(zero), &fake, sizeof(fake));
	}
	object->run();
	AUDIT_SAY("null-deref: not stopped, not reached");
	return 0;
}
