/*
 * Tests for kernel/boot/options.c: one table of accepted command lines with
 * what they parse to, one of refused ones with their exact messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/options.h>

#define MAXV 4

/* The list every "unknown boot option" message ends with. */
#define KNOWN "verbose, test=NAME, env=KEY=VALUE, fpu=xsave|fxsave, aslr=on|off, " \
	"aslr.seed=N, layout=show, wx=deny|allow, heap=hardened|musl, guards=on|off|show, " \
	"canary=random|constant, tmp.size=N[K|M|G], ubsan=abort|recover, ip=ADDR/PREFIX, " \
	"gw=ADDR, netchannels=on|off, net.wait=SECONDS, irq.cpu=N, api=on|off, api.addr=ADDR, api.port=N, api.token-file=PATH, " \
	"api.write=on|off, api.auth=on|off"

struct good_case {
	const char *cmdline;
	bool verbose;
	const char *test;
	const char *argv[MAXV + 1]; /* NULL-terminated */
	const char *envp[MAXV + 1];
};

static const struct good_case good_cases[] = {
	{ "", false, NULL, { NULL }, { NULL } },
	{ "  \t ", false, NULL, { NULL }, { NULL } },
	{ "verbose", true, NULL, { NULL }, { NULL } },
	{ "verbose verbose", true, NULL, { NULL }, { NULL } },
	{ "test=heap", false, "heap", { NULL }, { NULL } },
	{ "\tverbose  test=pfa\t", true, "pfa", { NULL }, { NULL } },
	{ "env=A=1 env=B= env=C=x=y", false, NULL, { NULL },
	  { "A=1", "B=", "C=x=y", NULL } },
	{ "-- /app", false, NULL, { "/app", NULL }, { NULL } },
	{ "verbose -- /bin/echo hi there", true, NULL,
	  { "/bin/echo", "hi", "there", NULL }, { NULL } },
	{ "-- /app verbose -- test=x", false, NULL,
	  { "/app", "verbose", "--", "test=x" }, { NULL } },
	{ "-- /app \"hello world\" a\\ b", false, NULL,
	  { "/app", "hello world", "a b", NULL }, { NULL } },
	{ "-- /app \"\" x", false, NULL, { "/app", "", "x", NULL }, { NULL } },
	{ "-- /app \"a\\\"b\" c\\\\d", false, NULL,
	  { "/app", "a\"b", "c\\d", NULL }, { NULL } },
	{ "-- /app ab\"c d\"e", false, NULL, { "/app", "abc de", NULL },
	  { NULL } },
	{ "env=\"MSG=hello world\" -- /app", false, NULL, { "/app", NULL },
	  { "MSG=hello world", NULL } },
	{ "test=\"a b\"", false, "a b", { NULL }, { NULL } },
	{ "\"verbose\"", true, NULL, { NULL }, { NULL } },
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *c = &good_cases[i];
		struct boot_options o;
		char line[256], err[512];
		int argc = 0, envc = 0;

		snprintf(line, sizeof(line), "%s", c->cmdline);
		if (options_parse(line, &o, err, sizeof(err)) != 0)
			fail_msg("case %zu '%s' refused: %s", i, c->cmdline, err);
		assert_string_equal(err, "");
		assert_int_equal(o.verbose, c->verbose);
		if (c->test == NULL)
			assert_null(o.test);
		else
			assert_string_equal(o.test, c->test);
		while (argc < MAXV && c->argv[argc] != NULL) {
			assert_string_equal(o.app_argv[argc], c->argv[argc]);
			argc++;
		}
		assert_int_equal(o.app_argc, argc);
		assert_null(o.app_argv[argc]);
		while (envc < MAXV && c->envp[envc] != NULL) {
			assert_string_equal(o.envp[envc], c->envp[envc]);
			envc++;
		}
		assert_int_equal(o.envc, envc);
		assert_null(o.envp[envc]);
	}
}

struct bad_case {
	const char *cmdline;
	int rc;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	{ "foo", -EINVAL,
	  "unknown boot option 'foo' (known: " KNOWN ")" },
	{ "verbose foo=bar", -EINVAL,
	  "unknown boot option 'foo=bar' (known: " KNOWN ")" },
	{ "\"\"", -EINVAL,
	  "unknown boot option '' (known: " KNOWN ")" },
	{ "\"--\" /app", -EINVAL,
	  "unknown boot option '--' (known: " KNOWN ")" },
	{ "/app", -EINVAL,
	  "unknown boot option '/app' (known: " KNOWN ")" },
	{ "bad\\\nline", -EINVAL,
	  "unknown boot option 'bad?line' (known: " KNOWN ")" },
	{ "verbose=1", -EINVAL,
	  "boot option 'verbose' takes no value (got 'verbose=1')" },
	{ "verbose=", -EINVAL,
	  "boot option 'verbose' takes no value (got 'verbose=')" },
	{ "test", -EINVAL, "boot option 'test' needs a value: test=NAME" },
	{ "fpu=avx", -EINVAL, "boot option 'fpu=avx': fpu must be xsave or fxsave" },
	{ "wx=yes", -EINVAL, "boot option 'wx=yes': wx must be deny or allow" },
	{ "aslr=no", -EINVAL, "boot option 'aslr=no': aslr must be on or off" },
	{ "aslr.seed=12a", -EINVAL,
	  "boot option 'aslr.seed=12a': the seed must be a number (decimal or 0x hex)" },
	{ "aslr.seed=0x", -EINVAL,
	  "boot option 'aslr.seed=0x': the seed must be a number (decimal or 0x hex)" },
	{ "aslr.seed=18446744073709551616", -EINVAL,
	  "boot option 'aslr.seed=18446744073709551616': the seed does not fit in 64 bits" },
	{ "layout=hide", -EINVAL,
	  "boot option 'layout=hide': the only layout is layout=show" },
	{ "fpu", -EINVAL, "boot option 'fpu' needs a value: fpu=xsave|fxsave" },
	{ "test=", -EINVAL, "boot option 'test' needs a value: test=NAME" },
	{ "env", -EINVAL, "boot option 'env' needs a value: env=KEY=VALUE" },
	{ "env=NOEQUALS", -EINVAL,
	  "boot option 'env=NOEQUALS' must be env=KEY=VALUE with a non-empty KEY" },
	{ "env==x", -EINVAL,
	  "boot option 'env==x' must be env=KEY=VALUE with a non-empty KEY" },
	{ "test=a test=b", -EINVAL,
	  "boot option 'test' given twice ('test=a', then 'test=b')" },
	{ "test=\"a b", -EINVAL,
	  "unterminated quote in boot command line at 'test=a b'" },
	{ "-- /app \"x", -EINVAL,
	  "unterminated quote in boot command line at 'x'" },
	{ "verbose ab\\", -EINVAL,
	  "trailing backslash in boot command line after 'ab'" },
	{ "--", -EINVAL, "'--' must be followed by an application path" },
	{ "verbose -- \t", -EINVAL,
	  "'--' must be followed by an application path" },
	{ "-- \"\" x", -EINVAL, "the application path after '--' is empty" },
};

/*
 * Every refusal: the right errno, the exact message, and an all-zero struct
 * even when options before the bad word had been accepted.
 */
static void test_bad(void **state)
{
	static const struct boot_options zero;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct boot_options o;
		char line[256], err[512];
		int rc;

		snprintf(line, sizeof(line), "%s", c->cmdline);
		memset(&o, 0x5a, sizeof(o));
		rc = options_parse(line, &o, err, sizeof(err));
		if (rc != c->rc || strcmp(err, c->message) != 0)
			fail_msg("case %zu '%s': rc %d, message '%s'", i,
				 c->cmdline, rc, err);
		assert_memory_equal(&o, &zero, sizeof(o));
	}
}

/* "PREFIX WORD WORD ...", n times WORD, in a malloc'd buffer. */
static char *repeat_words(const char *prefix, const char *word, int n)
{
	size_t size = strlen(prefix) + (size_t)n * (strlen(word) + 1) + 1;
	char *buf = malloc(size);

	assert_non_null(buf);
	strcpy(buf, prefix);
	for (int i = 0; i < n; i++) {
		strcat(buf, " ");
		strcat(buf, word);
	}
	return buf;
}

struct limit_case {
	const char *prefix;
	const char *word;
	int n;
	int rc;
	const char *message; /* "" when accepted */
	int count;           /* app_argc + envc when accepted */
};

/* The limits are exact: the maximum is accepted, one more is -E2BIG. */
static const struct limit_case limit_cases[] = {
	{ "--", "a", OPTIONS_MAX_ARGS, 0, "", OPTIONS_MAX_ARGS },
	{ "--", "a", OPTIONS_MAX_ARGS + 1, -E2BIG,
	  "too many application arguments (at most 64)", 0 },
	{ "verbose", "env=K=v", OPTIONS_MAX_ENV, 0, "", OPTIONS_MAX_ENV },
	{ "verbose", "env=K=v", OPTIONS_MAX_ENV + 1, -E2BIG,
	  "too many env= boot options (at most 64)", 0 },
	{ "", "verbose", OPTIONS_MAX_WORDS, 0, "", 0 },
	{ "", "verbose", OPTIONS_MAX_WORDS + 1, -E2BIG,
	  "too many words on the boot command line (at most 256)", 0 },
	{ "verbose --", "a", OPTIONS_MAX_WORDS, -E2BIG,
	  "too many application arguments (at most 64)", 0 },
};

static void test_limits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]);
	     i++) {
		const struct limit_case *c = &limit_cases[i];
		char *line = repeat_words(c->prefix, c->word, c->n);
		struct boot_options o;
		char err[128];

		assert_int_equal(options_parse(line, &o, err, sizeof(err)),
				 c->rc);
		assert_string_equal(err, c->message);
		assert_int_equal(o.app_argc + o.envc, c->count);
		free(line);
	}
}

/* No command line at all is the same as an empty one. */
static void test_null_cmdline(void **state)
{
	static const struct boot_options zero;
	struct boot_options o;
	char err[16] = "junk";

	(void)state;
	assert_int_equal(options_parse(NULL, &o, err, sizeof(err)), 0);
	assert_memory_equal(&o, &zero, sizeof(o));
	assert_string_equal(err, "");
}

/* A short err buffer still gets a NUL-terminated prefix of the message. */
static void test_small_err_buffer(void **state)
{
	struct boot_options o;
	char line[] = "foo";
	char err[8];

	(void)state;
	memset(err, '#', sizeof(err));
	assert_int_equal(options_parse(line, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown");
	assert_int_equal(options_parse(line, &o, NULL, 0), -EINVAL);
}

/* Strings in the result point into the caller's buffer: parsing is in place. */
static void test_in_place(void **state)
{
	char line[] = "test=t -- /app x";
	struct boot_options o;
	char err[64];

	(void)state;
	assert_int_equal(options_parse(line, &o, err, sizeof(err)), 0);
	assert_ptr_equal(o.test, line + 5);
	assert_ptr_equal(o.app_argv[0], line + 10);
	assert_ptr_equal(o.app_argv[1], line + 15);
}

/* Parses a copy of cmdline, which must be accepted (the options keep no pointer into it). */
static void parse_ok(const char *cmdline, struct boot_options *o)
{
	char buf[128], err[128];

	snprintf(buf, sizeof(buf), "%s", cmdline);
	assert_int_equal(options_parse(buf, o, err, sizeof(err)), 0);
}

/* fpu= picks how FPU state is saved (xsave is the default); wx=allow lifts
 * W^X for the application's mappings (deny is the default). The last wins. */
static void test_choices(void **state)
{
	static const struct {
		const char *cmdline;
		enum boot_fpu fpu;
		bool wx_allow;
	} cases[] = {
		{ "", BOOT_FPU_XSAVE, false },
		{ "fpu=xsave", BOOT_FPU_XSAVE, false },
		{ "fpu=fxsave", BOOT_FPU_FXSAVE, false },
		{ "fpu=fxsave fpu=xsave", BOOT_FPU_XSAVE, false },
		{ "wx=allow", BOOT_FPU_XSAVE, true },
		{ "wx=deny", BOOT_FPU_XSAVE, false },
		{ "wx=allow fpu=fxsave wx=deny", BOOT_FPU_FXSAVE, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct boot_options o;

		parse_ok(cases[i].cmdline, &o);
		assert_int_equal(o.fpu, cases[i].fpu);
		assert_int_equal(o.wx_allow, cases[i].wx_allow);
	}
}

/* heap=musl hands the application to musl's allocator; the last word wins. */
static void test_heap(void **state)
{
	char one[] = "heap=musl", two[] = "heap=musl heap=hardened", err[128];
	struct boot_options o;

	(void)state;
	assert_int_equal(options_parse(one, &o, err, sizeof(err)), 0);
	assert_true(o.heap_musl);
	assert_int_equal(options_parse(two, &o, err, sizeof(err)), 0);
	assert_false(o.heap_musl);
}

/* aslr=on|off, aslr.seed=N (decimal or 0x hex, 64 bits), layout=show. */
static void test_aslr(void **state)
{
	static const struct {
		const char *cmdline;
		bool off, seeded, show;
		uint64_t seed;
	} cases[] = {
		{ "", false, false, false, 0 },
		{ "aslr=off", true, false, false, 0 },
		{ "aslr=off aslr=on", false, false, false, 0 },
		{ "aslr.seed=42", false, true, false, 42 },
		{ "aslr.seed=0", false, true, false, 0 },
		{ "aslr.seed=0xDEADbeef layout=show", false, true, true, 0xdeadbeef },
		{ "aslr.seed=18446744073709551615", false, true, false, UINT64_MAX },
		{ "aslr.seed=0xffffffffffffffff", false, true, false, UINT64_MAX },
		{ "layout=show aslr=off", true, false, true, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct boot_options o;

		parse_ok(cases[i].cmdline, &o);
		assert_int_equal(o.aslr_off, cases[i].off);
		assert_int_equal(o.aslr_seeded, cases[i].seeded);
		assert_int_equal(o.layout_show, cases[i].show);
		assert_int_equal(o.aslr_seed, cases[i].seed);
	}
}

/* guards=on|off|show (show combines with either), canary=random|constant. */
static void test_guards_canary(void **state)
{
	static const struct {
		const char *cmdline;
		int rc;
		bool off, show, constant;
	} cases[] = {
		{ "", 0, false, false, false },
		{ "guards=off", 0, true, false, false },
		{ "guards=show", 0, false, true, false },
		{ "guards=off guards=show", 0, true, true, false },
		{ "guards=show guards=off guards=on", 0, false, true, false },
		{ "canary=constant", 0, false, false, true },
		{ "canary=constant canary=random", 0, false, false, false },
		{ "guards=maybe", -EINVAL, false, false, false },
		{ "canary=none", -EINVAL, false, false, false },
		{ "canary", -EINVAL, false, false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64], err[128];
		struct boot_options o;

		snprintf(buf, sizeof(buf), "%s", cases[i].cmdline);
		assert_int_equal(options_parse(buf, &o, err, sizeof(err)), cases[i].rc);
		assert_int_equal(o.guards_off, cases[i].off);
		assert_int_equal(o.guards_show, cases[i].show);
		assert_int_equal(o.canary_constant, cases[i].constant);
	}
}

/* ubsan=abort|recover and netchannels=on|off: the last one given wins;
 * anything else is refused. */
static void test_ubsan_netchannels(void **state)
{
	static const struct {
		const char *cmdline;
		int rc;
		bool recover, channels_off;
	} cases[] = {
		{ "", 0, false, false },
		{ "ubsan=recover", 0, true, false },
		{ "ubsan=recover ubsan=abort", 0, false, false },
		{ "ubsan=maybe", -EINVAL, false, false },
		{ "ubsan", -EINVAL, false, false },
		{ "netchannels=off", 0, false, true },
		{ "netchannels=off netchannels=on ubsan=recover", 0, true, false },
		{ "netchannels=no", -EINVAL, false, false },
		{ "netchannels", -EINVAL, false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64], err[512];
		struct boot_options o;

		snprintf(buf, sizeof(buf), "%s", cases[i].cmdline);
		assert_int_equal(options_parse(buf, &o, err, sizeof(err)), cases[i].rc);
		assert_int_equal(o.ubsan_recover, cases[i].recover);
		assert_int_equal(o.netchannels_off, cases[i].channels_off);
	}
}

/* tmp.size: bytes, K, M or G (binary), at least 1; anything else is refused. */
static void test_tmp_size(void **state)
{
	static const struct {
		const char *cmdline;
		int rc;
		uint64_t bytes;
		const char *message; /* NULL when accepted */
	} cases[] = {
		{ "", 0, 0, NULL },
		{ "tmp.size=4096", 0, 4096, NULL },
		{ "tmp.size=1k", 0, 1024, NULL },
		{ "tmp.size=64M", 0, 64ull << 20, NULL },
		{ "tmp.size=2G", 0, 2ull << 30, NULL },
		{ "tmp.size=1M tmp.size=2M", 0, 2ull << 20, NULL },
		{ "tmp.size=18446744073709551615", 0, UINT64_MAX, NULL },
		{ "tmp.size=0", -EINVAL, 0, "boot option 'tmp.size=0': the size must be a positive "
		  "number of bytes, with K, M or G after it or not" },
		{ "tmp.size=M", -EINVAL, 0, "boot option 'tmp.size=M': the size must be a positive "
		  "number of bytes, with K, M or G after it or not" },
		{ "tmp.size=1T", -EINVAL, 0, "boot option 'tmp.size=1T': the size must be a positive "
		  "number of bytes, with K, M or G after it or not" },
		{ "tmp.size=1MB", -EINVAL, 0, "boot option 'tmp.size=1MB': the size must be a positive "
		  "number of bytes, with K, M or G after it or not" },
		{ "tmp.size=-1", -EINVAL, 0, "boot option 'tmp.size=-1': the size must be a positive "
		  "number of bytes, with K, M or G after it or not" },
		{ "tmp.size=18446744073709551616", -EINVAL, 0,
		  "boot option 'tmp.size=18446744073709551616': the size does not fit in 64 bits" },
		{ "tmp.size=17179869184G", -EINVAL, 0,
		  "boot option 'tmp.size=17179869184G': the size does not fit in 64 bits" },
		{ "tmp.size", -EINVAL, 0, "boot option 'tmp.size' needs a value: tmp.size=N[K|M|G]" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64], err[256];
		struct boot_options o;
		int rc;

		snprintf(buf, sizeof(buf), "%s", cases[i].cmdline);
		rc = options_parse(buf, &o, err, sizeof(err));
		if (rc != cases[i].rc || o.tmp_size != cases[i].bytes ||
		    (cases[i].message && strcmp(err, cases[i].message) != 0))
			fail_msg("case '%s': rc %d, size %llu, message '%s'", cases[i].cmdline, rc,
				 (unsigned long long)o.tmp_size, err);
	}
}

/* A numeric option's cases: the command line, options_parse's answer, and
 * whether the option is then set, with which value. */
struct number_case {
	const char *cmdline;
	int rc;
	bool set;
	unsigned value;
};

static void check_numbers(const struct number_case *cases, size_t n,
			  void (*get)(const struct boot_options *o, bool *set, unsigned *value))
{
	for (size_t i = 0; i < n; i++) {
		char buf[64], err[256];
		struct boot_options o;
		unsigned value = 0;
		bool set = false;
		int rc;

		snprintf(buf, sizeof(buf), "%s", cases[i].cmdline);
		rc = options_parse(buf, &o, err, sizeof(err));
		if (rc == 0)
			get(&o, &set, &value);
		if (rc != cases[i].rc || (rc == 0 && (set != cases[i].set || value != cases[i].value)))
			fail_msg("case '%s': rc %d, set %d, value %u, message '%s'", cases[i].cmdline,
				 rc, set, value, err);
	}
}

static void get_net_wait(const struct boot_options *o, bool *set, unsigned *value)
{
	*set = o->net_wait_set;
	*value = o->net_wait_s;
}

/* net.wait=SECONDS: 0 to 600, decimal digits only. */
static void test_net_wait(void **state)
{
	static const struct number_case cases[] = {
		{ "", 0, false, 0 },
		{ "net.wait=0", 0, true, 0 },
		{ "net.wait=10", 0, true, 10 },
		{ "net.wait=600", 0, true, 600 },
		{ "net.wait=601", -EINVAL, false, 0 },
		{ "net.wait=99999999999", -EINVAL, false, 0 },
		{ "net.wait=", -EINVAL, false, 0 },
		{ "net.wait=-1", -EINVAL, false, 0 },
		{ "net.wait=5s", -EINVAL, false, 0 },
		{ "net.wait", -EINVAL, false, 0 },
	};

	(void)state;
	check_numbers(cases, sizeof(cases) / sizeof(cases[0]), get_net_wait);
}

static void get_irq_cpu(const struct boot_options *o, bool *set, unsigned *value)
{
	*set = o->irq_cpu_set;
	*value = o->irq_cpu;
}

/* irq.cpu=N: 0 to 255, decimal digits only (the CPU's presence is the boot's check). */
static void test_irq_cpu(void **state)
{
	static const struct number_case cases[] = {
		{ "", 0, false, 0 },
		{ "irq.cpu=0", 0, true, 0 },
		{ "irq.cpu=1", 0, true, 1 },
		{ "irq.cpu=255", 0, true, 255 },
		{ "irq.cpu=256", -EINVAL, false, 0 },
		{ "irq.cpu=", -EINVAL, false, 0 },
		{ "irq.cpu=-1", -EINVAL, false, 0 },
		{ "irq.cpu=1x", -EINVAL, false, 0 },
		{ "irq.cpu", -EINVAL, false, 0 },
	};

	(void)state;
	check_numbers(cases, sizeof(cases) / sizeof(cases[0]), get_irq_cpu);
}

/* ip=ADDR/PREFIX and gw=ADDR: strict dotted quads, usable addresses, one subnet. */
static void test_net(void **state)
{
	static const struct {
		const char *cmdline;
		int rc;
		uint32_t ip, gw;
		unsigned prefix;
		const char *message; /* NULL when accepted */
	} cases[] = {
		{ "", 0, 0, 0, 0, NULL },
		{ "ip=10.0.2.15/24", 0, 0x0a00020f, 0, 24, NULL },
		{ "ip=10.0.2.15/24 gw=10.0.2.2", 0, 0x0a00020f, 0x0a000202, 24, NULL },
		{ "gw=192.168.1.1 ip=192.168.1.77/16", 0, 0xc0a8014d, 0xc0a80101, 16, NULL },
		{ "ip=172.16.0.1/32", 0, 0xac100001, 0, 32, NULL },
		{ "ip=10.0.0.0/31", 0, 0x0a000000, 0, 31, NULL },
		{ "ip=255.1.2.3/8", -EINVAL, 0, 0, 0,
		  "boot option 'ip=255.1.2.3/8': the address is reserved or broadcast (240.0.0.0/4)" },
		{ "ip=10.0.2.15", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.15' must be ip=ADDR/PREFIX (e.g. ip=10.0.2.15/24)" },
		{ "ip=10.0.2/24", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2/24' must be ip=ADDR/PREFIX (e.g. ip=10.0.2.15/24)" },
		{ "ip=10.0.2.256/24", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.256/24' must be ip=ADDR/PREFIX (e.g. ip=10.0.2.15/24)" },
		{ "ip=10.0.2.015/24", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.015/24' must be ip=ADDR/PREFIX (e.g. ip=10.0.2.15/24)" },
		{ "ip=10.0.2.1555/24", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.1555/24' must be ip=ADDR/PREFIX (e.g. ip=10.0.2.15/24)" },
		{ "ip=10.0.2.15/0", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.15/0' must be ip=ADDR/PREFIX (e.g. ip=10.0.2.15/24)" },
		{ "ip=10.0.2.15/33", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.15/33': the prefix must be 1 to 32" },
		{ "ip=10.0.2.15/24x", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.15/24x': the prefix must be 1 to 32" },
		{ "ip=10.0.2.15/99999999999", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.15/99999999999': the prefix must be 1 to 32" },
		{ "ip=127.0.0.2/8", -EINVAL, 0, 0, 0,
		  "boot option 'ip=127.0.0.2/8': the address is a loopback address (127.0.0.0/8)" },
		{ "ip=0.1.2.3/8", -EINVAL, 0, 0, 0,
		  "boot option 'ip=0.1.2.3/8': the address is in 0.0.0.0/8 (this network)" },
		{ "ip=224.0.0.1/4", -EINVAL, 0, 0, 0,
		  "boot option 'ip=224.0.0.1/4': the address is a multicast address (224.0.0.0/4)" },
		{ "ip=10.0.2.0/24", -EINVAL, 0, 0, 0, "boot option 'ip=10.0.2.0/24': the address "
		  "is its subnet's network or broadcast address" },
		{ "ip=10.0.2.255/24", -EINVAL, 0, 0, 0, "boot option 'ip=10.0.2.255/24': the address "
		  "is its subnet's network or broadcast address" },
		{ "ip=10.0.2.15/24 ip=10.0.2.16/24", -EINVAL, 0, 0, 0,
		  "boot option 'ip=10.0.2.16/24': ip= given twice" },
		{ "gw=10.0.2.2", -EINVAL, 0, 0, 0, "boot option 'gw=' needs ip=ADDR/PREFIX too "
		  "(without ip=, DHCP gives the gateway)" },
		{ "ip=10.0.2.15/24 gw=10.0.3.2", -EINVAL, 0, 0, 0,
		  "boot option 'gw=': the gateway must be another address in ip='s subnet" },
		{ "ip=10.0.2.15/24 gw=10.0.2.15", -EINVAL, 0, 0, 0,
		  "boot option 'gw=': the gateway must be another address in ip='s subnet" },
		{ "ip=10.0.2.15/24 gw=10.0.2.2/24", -EINVAL, 0, 0, 0,
		  "boot option 'gw=10.0.2.2/24' must be gw=ADDR (e.g. gw=10.0.2.2)" },
		{ "ip=10.0.2.15/24 gw=127.0.0.1", -EINVAL, 0, 0, 0,
		  "boot option 'gw=127.0.0.1': the address is a loopback address (127.0.0.0/8)" },
		{ "ip=10.0.2.15/24 gw=1.2.3.4 gw=1.2.3.5", -EINVAL, 0, 0, 0,
		  "boot option 'gw=1.2.3.5': gw= given twice" },
		{ "ip", -EINVAL, 0, 0, 0, "boot option 'ip' needs a value: ip=ADDR/PREFIX" },
		{ "gw=", -EINVAL, 0, 0, 0, "boot option 'gw' needs a value: gw=ADDR" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[96], err[256];
		struct boot_options o;
		int rc;

		snprintf(buf, sizeof(buf), "%s", cases[i].cmdline);
		rc = options_parse(buf, &o, err, sizeof(err));
		if (rc != cases[i].rc || o.net_ip != cases[i].ip || o.net_gw != cases[i].gw ||
		    o.net_prefix != cases[i].prefix || o.net_static != (cases[i].ip != 0) ||
		    o.net_gw_set != (cases[i].gw != 0) ||
		    (cases[i].message && strcmp(err, cases[i].message) != 0))
			fail_msg("case '%s': rc %d, ip %08x/%u gw %08x, message '%s'",
				 cases[i].cmdline, rc, o.net_ip, o.net_prefix, o.net_gw, err);
	}
}

/* The REST API's options (kernel/api/README.md): api.* needs api=on. */
static void test_api(void **state)
{
	static const struct {
		const char *cmdline;
		int rc;
		bool on, write, addr_set;
		uint32_t addr;
		uint16_t port;
		const char *token_file;
		const char *message;
		bool open;
	} cases[] = {
		{ "", 0, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=off", 0, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on", 0, true, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.write=on api.addr=10.0.2.15 api.port=8080 api.token-file=/etc/t",
		  0, true, true, true, 0x0a00020f, 8080, "/etc/t", NULL, false },
		{ "api.write=on api=on api.port=65535 api.write=off", 0, true, false, false, 0,
		  65535, NULL, NULL, false },
		{ "api=on api.addr=0.0.0.0 api.port=1", 0, true, false, true, 0, 1, NULL, NULL, false },
		{ "api.write=on", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot options api.addr=, api.port=, api.token-file= and api.write= need api=on", false },
		{ "api.port=80 -- /app", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot options api.addr=, api.port=, api.token-file= and api.write= need api=on", false },
		{ "api=yes", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot option 'api=yes': api must be off or on", false },
		{ "api=on api.write=1", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot option 'api.write=1': api.write must be off or on", false },
		{ "api=on api.port=0", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot option 'api.port=0': the port must be 1 to 65535", false },
		{ "api=on api.port=65536", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.port=080", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.port=99999999999999999999", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.port=8x", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.addr=10.0.2", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot option 'api.addr=10.0.2' must be api.addr=A.B.C.D (IPv4, decimal)", false },
		{ "api=on api.addr=10.0.2.256", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.addr=10.0.2.015", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.addr=10.0.2.1.5", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		/* A TCP listener cannot have a multicast, reserved or 0/8 address (it had said listening). */
		{ "api=on api.addr=224.0.0.1", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot option 'api.addr=224.0.0.1': the address is a multicast address (224.0.0.0/4)", false },
		{ "api=on api.addr=255.255.255.255", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.addr=0.0.0.1", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.addr=127.0.0.1", 0, true, false, true, 0x7f000001, 0, NULL, NULL, false },
		{ "api=on api.addr=1000.0.2.1", -EINVAL, false, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.token-file=etc/t", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot option 'api.token-file=etc/t': the token file's path must be absolute", false },
		/* api.auth alone is accepted: PROFILE=baseline bakes api.auth=off in. */
		{ "api.auth=off", 0, false, false, false, 0, 0, NULL, NULL, true },
		{ "api=on api.auth=off", 0, true, false, false, 0, 0, NULL, NULL, true },
		{ "api.auth=off api=on api.auth=on", 0, true, false, false, 0, 0, NULL, NULL, false },
		{ "api=on api.auth=no", -EINVAL, false, false, false, 0, 0, NULL,
		  "boot option 'api.auth=no': api.auth must be on or off", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[160], err[200];
		struct boot_options o;
		int rc;

		snprintf(line, sizeof(line), "%s", cases[i].cmdline);
		rc = options_parse(line, &o, err, sizeof(err));
		if (rc != cases[i].rc || o.api_on != cases[i].on || o.api_write != cases[i].write ||
		    o.api_open != cases[i].open ||
		    o.api_addr_set != cases[i].addr_set || o.api_addr != cases[i].addr ||
		    o.api_port != cases[i].port ||
		    (cases[i].token_file == NULL) != (o.api_token_file == NULL) ||
		    (cases[i].token_file && strcmp(o.api_token_file, cases[i].token_file) != 0) ||
		    (cases[i].message && strcmp(err, cases[i].message) != 0))
			fail_msg("case '%s': rc %d, message '%s'", cases[i].cmdline, rc, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_null_cmdline),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_heap),
		cmocka_unit_test(test_aslr),
		cmocka_unit_test(test_guards_canary),
		cmocka_unit_test(test_tmp_size),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_net_wait),
		cmocka_unit_test(test_irq_cpu),
		cmocka_unit_test(test_ubsan_netchannels),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
