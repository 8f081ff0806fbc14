/*
 * api_fake.h: a fake struct api_platform for the API's unit tests and its
 * fuzzer. Its "kernel" holds a few threads, an interface, a filesystem of
 * named files and an environment, and plants a known address (FAKE_ADDR)
 * in the console log and the command line, so a test can check that no
 * response carries it.
 */
#ifndef CARAPACE_TESTS_API_FAKE_H
#define CARAPACE_TESTS_API_FAKE_H

#include <carapace/api.h>

#define FAKE_ADDR_TEXT "ffffd0001234a000"
#define FAKE_TOKEN "s3cret-token-0123456789abcdef"
#define FAKE_FILES 8

struct fake_file {
	char path[API_PATH_MAX];
	char data[256];
	size_t len;
	bool used;
};

struct fake_kernel {
	struct fake_file files[FAKE_FILES];
	char env_name[4][64], env_value[4][128];
	bool env_used[4];
	int classifier_rc;
	unsigned reads, writes; /* platform calls that touched a file */
};

void fake_platform_init(struct api_platform *p, struct fake_kernel *k);
void fake_add_file(struct fake_kernel *k, const char *path, const char *data);

#endif
