/*
 * Fuzzes options_parse with arbitrary bytes as the boot command line and
 * checks what the caller relies on: on success every string lies inside the
 * buffer and ends there, the counts are in range and the arrays are
 * NULL-terminated; on failure the struct is all zero and the message is one
 * NUL-terminated line. Any broken invariant aborts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/options.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* s points into buf[0, size) and its NUL is there too. */
static void check_inside(const char *s, const char *buf, size_t size)
{
	CHECK(s != NULL && s >= buf && s < buf + size);
	CHECK(strnlen(s, (size_t)(buf + size - s)) < (size_t)(buf + size - s));
}

static void check_success(const struct boot_options *o, const char *buf,
			  size_t size, const char *err)
{
	CHECK(err[0] == '\0');
	CHECK(o->app_argc >= 0 && o->app_argc <= OPTIONS_MAX_ARGS);
	CHECK(o->envc >= 0 && o->envc <= OPTIONS_MAX_ENV);
	for (int i = 0; i <= OPTIONS_MAX_ARGS; i++) {
		if (i < o->app_argc)
			check_inside(o->app_argv[i], buf, size);
		else
			CHECK(o->app_argv[i] == NULL);
	}
	if (o->app_argc > 0)
		CHECK(o->app_argv[0][0] != '\0');
	for (int i = 0; i <= OPTIONS_MAX_ENV; i++) {
		if (i >= o->envc) {
			CHECK(o->envp[i] == NULL);
			continue;
		}
		check_inside(o->envp[i], buf, size);
		CHECK(o->envp[i][0] != '=' && strchr(o->envp[i], '=') != NULL);
	}
	if (o->test != NULL) {
		check_inside(o->test, buf, size);
		CHECK(o->test[0] != '\0');
	}
}

static void check_failure(const struct boot_options *o, int rc,
			  const char *err, size_t err_size)
{
	static const struct boot_options zero;
	size_t len = strnlen(err, err_size);

	CHECK(rc == -EINVAL || rc == -E2BIG);
	CHECK(memcmp(o, &zero, sizeof(zero)) == 0);
	CHECK(len < err_size && len > 0);
	for (size_t i = 0; i < len; i++)
		CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *copy = malloc(size + 1);
	struct boot_options o;
	char err[160], small_err[7];
	int rc;

	memcpy(buf, data, size);
	buf[size] = '\0';
	memcpy(copy, buf, size + 1);
	memset(err, 'X', sizeof(err));
	memset(&o, 0xa5, sizeof(o));
	rc = options_parse(buf, &o, err, sizeof(err));
	if (rc == 0)
		check_success(&o, buf, size + 1, err);
	else
		check_failure(&o, rc, err, sizeof(err));

	/* Same answer with a short message buffer, and the message cut short. */
	memset(small_err, 'X', sizeof(small_err));
	CHECK(options_parse(copy, &o, small_err, sizeof(small_err)) == rc);
	CHECK(strnlen(small_err, sizeof(small_err)) < sizeof(small_err));
	if (rc != 0)
		CHECK(strncmp(small_err, err, strlen(small_err)) == 0);
	free(buf);
	free(copy);
	return 0;
}
