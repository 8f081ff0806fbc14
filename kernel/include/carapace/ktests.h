/*
 * In-kernel tests, chosen with the boot option test=NAME. Until applications
 * can be loaded these are how the integration tests reach kernel code: the
 * crash tests each end in one violation report, the others print their
 * findings and return 0 (passed) or 1 (failed).
 */
#ifndef CARAPACE_KTESTS_H
#define CARAPACE_KTESTS_H

/* Returns -ENOENT when there is no such test (err then names the known ones). */
int ktest_run(const char *name, char *err, unsigned long err_size);

#endif
