/*
 * In-kernel tests, chosen with the boot option test=NAME. They are how the
 * integration tests reach kernel code that a host test cannot: crash tests
 * each end in one violation report, the others print their findings and
 * return 0 (passed) or 1 (failed).
 *
 * Any kernel file can add a test with KTEST(name, fn): the linker gathers
 * them all in the .ktests section (without SAN=kasan's redzones, which
 * would break the array).
 */
#ifndef CARAPACE_KTESTS_H
#define CARAPACE_KTESTS_H

struct ktest {
	const char *name;
	int (*run)(void);
};

#define KTEST(test_name, fn)                                                  \
	static const struct ktest ktest_entry_##fn                            \
		__attribute__((section(".ktests"), used, aligned(8),          \
			       no_sanitize("address"))) = {                   \
			.name = test_name, .run = fn,                         \
		}

/* Returns -ENOENT when there is no such test (err then names the known ones). */
int ktest_run(const char *name, char *err, unsigned long err_size);

#endif
