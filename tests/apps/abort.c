/*
 * abort() from an application: musl's own abort halts with `hlt`, which in
 * ring 0 would only wait; the kernel's exports bind it to Carapace's, which
 * reports and ends the run with status 134.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("about to abort\n");
	fflush(stdout);
	abort();
}
