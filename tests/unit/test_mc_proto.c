/*
 * Carapace's memcached core (apps/memcache/mc_proto.c, mc_cache.c) on the
 * host: every command's replies as memcached gives them, values split
 * across reads, refused values skipped, expiry and flush_all on a test
 * clock, and the cache giving memory back (mc_cache_shrink) in LRU order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../apps/memcache/mc_proto.h"

static int64_t test_now = 10000000;

static int64_t clock_now(void)
{
	return test_now;
}

struct fixture {
	struct mc_cache c;
	struct mc_session s;
	struct mc_out o;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	test_now = 10000000;
	assert_int_equal(mc_cache_init(&f->c, 0, clock_now), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mc_cache_destroy(&f->c);
	mc_out_free(&f->o);
	free(f);
	return 0;
}

/* Sends req whole; checks that all of it was consumed and the reply. */
static void talk(struct fixture *f, const char *req, const char *want)
{
	size_t n = strlen(req);

	f->o.len = 0;
	assert_int_equal(mc_proto_process(&f->c, &f->s, req, n, &f->o), n);
	assert_false(f->o.failed);
	assert_int_equal(f->o.len, strlen(want));
	assert_memory_equal(f->o.buf, want, f->o.len);
}

static void test_set_get_delete(void **state)
{
	struct fixture *f = *state;

	talk(f, "set k 5 0 3\r\nabc\r\n", "STORED\r\n");
	talk(f, "get k\r\n", "VALUE k 5 3\r\nabc\r\nEND\r\n");
	talk(f, "get k missing k\r\n", "VALUE k 5 3\r\nabc\r\nVALUE k 5 3\r\nabc\r\nEND\r\n");
	talk(f, "delete k\r\n", "DELETED\r\n");
	talk(f, "get k\r\n", "END\r\n");
}

static void test_get_many_and_missing(void **state)
{
	struct fixture *f = *state;

	talk(f, "set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n", "STORED\r\nSTORED\r\n");
	talk(f, "get a x b\r\n", "VALUE a 0 1\r\n1\r\nVALUE b 0 1\r\n2\r\nEND\r\n");
	talk(f, "delete a\r\n", "DELETED\r\n");
	talk(f, "delete a\r\n", "NOT_FOUND\r\n");
	talk(f, "delete b 0\r\n", "DELETED\r\n");
	talk(f, "delete b 5\r\n",
	     "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
	talk(f, "get a b\r\n", "END\r\n");
}

/* get takes more keys than a command's token limit (24), as memcached does. */
static void test_get_hundred_keys(void **state)
{
	struct fixture *f = *state;
	char req[1024], want[4096];
	size_t r = 0, w = 0;

	talk(f, "set k7 0 0 2\r\nv7\r\nset k93 0 0 3\r\nv93\r\n", "STORED\r\nSTORED\r\n");
	r += (size_t)snprintf(req + r, sizeof(req) - r, "gets");
	for (int i = 0; i < 100; i++)
		r += (size_t)snprintf(req + r, sizeof(req) - r, " k%d", i);
	snprintf(req + r, sizeof(req) - r, "\r\n");
	w += (size_t)snprintf(want + w, sizeof(want) - w, "VALUE k7 0 2 1\r\nv7\r\n");
	w += (size_t)snprintf(want + w, sizeof(want) - w, "VALUE k93 0 3 2\r\nv93\r\nEND\r\n");
	talk(f, req, want);
	talk(f, "get  \r\n", "ERROR\r\n");
	talk(f, "get k7 " "0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"01234567890123456789012345678901234567890\r\n",
	     "CLIENT_ERROR bad command line format\r\n");
}

static void test_add_replace_append_prepend(void **state)
{
	struct fixture *f = *state;

	talk(f, "replace k 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
	talk(f, "append k 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
	talk(f, "add k 7 0 2\r\nmm\r\n", "STORED\r\n");
	talk(f, "add k 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
	talk(f, "append k 0 0 2\r\nzz\r\n", "STORED\r\n");
	talk(f, "prepend k 0 0 2\r\naa\r\n", "STORED\r\n");
	/* append and prepend keep the item's flags. */
	talk(f, "get k\r\n", "VALUE k 7 6\r\naammzz\r\nEND\r\n");
	talk(f, "replace k 1 0 1\r\nr\r\n", "STORED\r\n");
	talk(f, "get k\r\n", "VALUE k 1 1\r\nr\r\nEND\r\n");
}

static void test_cas(void **state)
{
	struct fixture *f = *state;
	char req[64];
	unsigned long long cas;

	talk(f, "cas k 0 0 1 1\r\nx\r\n", "NOT_FOUND\r\n");
	talk(f, "set k 0 0 1\r\na\r\n", "STORED\r\n");
	f->o.len = 0;
	mc_proto_process(&f->c, &f->s, "gets k\r\n", 8, &f->o);
	assert_int_equal(sscanf(f->o.buf, "VALUE k 0 1 %llu", &cas), 1);
	snprintf(req, sizeof(req), "cas k 0 0 1 %llu\r\nb\r\n", cas + 1);
	talk(f, req, "EXISTS\r\n");
	snprintf(req, sizeof(req), "cas k 0 0 1 %llu\r\nb\r\n", cas);
	talk(f, req, "STORED\r\n");
	talk(f, req, "EXISTS\r\n"); /* the cas changed with the store */
	talk(f, "get k\r\n", "VALUE k 0 1\r\nb\r\nEND\r\n");
}

static void test_incr_decr(void **state)
{
	struct fixture *f = *state;

	talk(f, "incr n 1\r\n", "NOT_FOUND\r\n");
	talk(f, "set n 0 0 2\r\n10\r\n", "STORED\r\n");
	talk(f, "incr n 5\r\n", "15\r\n");
	talk(f, "decr n 100\r\n", "0\r\n");
	talk(f, "set n 0 0 20\r\n18446744073709551615\r\n", "STORED\r\n");
	talk(f, "incr n 2\r\n", "1\r\n"); /* wraps at 2^64 */
	talk(f, "set n 0 0 3\r\n100\r\n", "STORED\r\n");
	talk(f, "decr n 1\r\n", "99\r\n");
	talk(f, "get n\r\n", "VALUE n 0 3\r\n99 \r\nEND\r\n"); /* padded, as memcached */
	talk(f, "incr n 1\r\n", "100\r\n");
	talk(f, "incr n x\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n");
	talk(f, "set s 0 0 2\r\nab\r\n", "STORED\r\n");
	talk(f, "incr s 1\r\n", "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
}

static void test_noreply(void **state)
{
	struct fixture *f = *state;

	talk(f, "set k 0 0 1 noreply\r\na\r\nadd k 0 0 1 noreply\r\nb\r\n"
		"incr k 1 noreply\r\ndelete k noreply\r\nflush_all noreply\r\n", "");
	talk(f, "get k\r\n", "END\r\n");
}

static void test_expiry_touch_flush(void **state)
{
	struct fixture *f = *state;

	talk(f, "set k 0 10 1\r\na\r\n", "STORED\r\n");
	talk(f, "set gone 0 -1 1\r\na\r\n", "STORED\r\n");
	talk(f, "get gone\r\n", "END\r\n");
	test_now += 9;
	talk(f, "touch k 100\r\n", "TOUCHED\r\n");
	test_now += 50;
	talk(f, "get k\r\n", "VALUE k 0 1\r\na\r\nEND\r\n");
	test_now += 51;
	talk(f, "get k\r\n", "END\r\n");
	talk(f, "touch k 1\r\n", "NOT_FOUND\r\n");
	/* More than 30 days of seconds is an absolute time: this one is past. */
	talk(f, "set abs 0 9999999 1\r\na\r\n", "STORED\r\n");
	talk(f, "get abs\r\n", "END\r\n");
	talk(f, "set a 0 0 1\r\na\r\n", "STORED\r\n");
	talk(f, "flush_all 2\r\n", "OK\r\n");
	talk(f, "get a\r\n", "VALUE a 0 1\r\na\r\nEND\r\n");
	test_now += 2;
	talk(f, "get a\r\n", "END\r\n");
	talk(f, "set b 0 0 1\r\nb\r\n", "STORED\r\n");
	test_now += 1;
	talk(f, "get b\r\n", "VALUE b 0 1\r\nb\r\nEND\r\n");
	talk(f, "flush_all\r\n", "OK\r\n");
	talk(f, "get b\r\n", "END\r\n");
}

static void test_split_reads(void **state)
{
	struct fixture *f = *state;
	const char *req = "set k 0 0 10\r\n0123456789\r\nget k\r\n";
	const char *want = "STORED\r\nVALUE k 0 10\r\n0123456789\r\nEND\r\n";
	size_t n = strlen(req), start = 0;

	/*
	 * The bytes arrive one at a time; what is not consumed is offered
	 * again with the next byte, as the server's read buffer does.
	 */
	for (size_t end = 1; end <= n; end++) {
		start += mc_proto_process(&f->c, &f->s, req + start, end - start, &f->o);
		if (end < strlen("set k 0 0 10\r\n0123456789\r\n"))
			assert_int_equal(f->o.len, 0);
	}
	assert_int_equal(start, n);
	assert_int_equal(f->o.len, strlen(want));
	assert_memory_equal(f->o.buf, want, f->o.len);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	char key[300];

	talk(f, "bogus\r\n", "ERROR\r\n");
	talk(f, "\r\n", "ERROR\r\n");
	talk(f, "set k 0 0 1\r\nabc\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
	talk(f, "set k x 0 1\r\na\r\n", "CLIENT_ERROR bad command line format\r\n");
	memset(key, 'k', 251);
	snprintf(key + 251, sizeof(key) - 251, " 0 0 1\r\na\r\n");
	{
		char req[320];

		snprintf(req, sizeof(req), "set %s", key);
		talk(f, req, "CLIENT_ERROR bad command line format\r\n");
	}
	talk(f, "get k\r\n", "END\r\n");
	talk(f, "version\r\n", "VERSION " MC_VERSION "\r\n");
	talk(f, "verbosity 1\r\n", "OK\r\n");
	talk(f, "verbosity noreply\r\nverbosity 1 noreply\r\n", "");
	talk(f, "verbosity\r\n", "ERROR\r\n");
	talk(f, "verbosity foo bar my\r\n", "ERROR\r\n");
	talk(f, "quit\r\n", "");
	assert_true(f->s.close);
}

static void test_too_large_is_skipped(void **state)
{
	struct fixture *f = *state;
	size_t big = MC_VALUE_MAX + 1;
	char *req = malloc(big + 64);
	int n;

	assert_non_null(req);
	n = snprintf(req, 64, "set k 0 0 %zu\r\n", big);
	memset(req + n, 'v', big);
	memcpy(req + n + big, "\r\nget k\r\n", 9);
	talk(f, req, "SERVER_ERROR object too large for cache\r\nEND\r\n");
	free(req);
}

static void test_line_too_long_closes(void **state)
{
	struct fixture *f = *state;
	char *req = malloc(MC_LINE_MAX + 2);

	assert_non_null(req);
	memset(req, 'g', MC_LINE_MAX + 1);
	f->o.len = 0;
	mc_proto_process(&f->c, &f->s, req, MC_LINE_MAX + 1, &f->o);
	assert_true(f->s.close);
	free(req);
}

static void test_limit_evicts_and_shrink_gives_back(void **state)
{
	struct fixture *f = *state;
	char req[64];

	mc_cache_destroy(&f->c);
	assert_int_equal(mc_cache_init(&f->c, 4096, clock_now), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(req, sizeof(req), "set key%d 0 0 100\r\n", i);
		f->o.len = 0;
		char full[256];
		int n = snprintf(full, sizeof(full), "%s%0100d\r\n", req, i);

		assert_int_equal(mc_proto_process(&f->c, &f->s, full, (size_t)n, &f->o), (size_t)n);
	}
	assert_true(f->c.used <= 4096);
	assert_true(f->c.stats.evictions > 0);
	talk(f, "get key0\r\n", "END\r\n"); /* the oldest went first */
	f->o.len = 0;
	mc_proto_process(&f->c, &f->s, "get key99\r\n", 11, &f->o);
	assert_memory_equal(f->o.buf, "VALUE key99", 11);

	size_t before = f->c.used, items = f->c.stats.curr_items;
	size_t got = mc_cache_shrink(&f->c, 1);

	assert_true(got > 0);
	assert_int_equal(f->c.used, before - got);
	assert_int_equal(f->c.stats.curr_items, items - 1);
	/* The pinned item (one the protocol code is reading) stays. */
	f->c.pinned = f->c.newest;
	mc_cache_shrink(&f->c, (size_t)-1);
	assert_int_equal(f->c.stats.curr_items, 1);
	assert_ptr_equal(f->c.oldest, f->c.pinned);
	f->c.pinned = NULL;
	assert_true(mc_cache_shrink(&f->c, (size_t)-1) > 0);
	assert_int_equal(f->c.used, 0);
	talk(f, "get key99\r\n", "END\r\n");
}

static void test_many_keys(void **state)
{
	struct fixture *f = *state;
	char req[128], want[128];

	/* The table grows past its first 1024 buckets and keeps every key. */
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(req, sizeof(req), "set k%d %d 0 %d\r\n%d\r\n", i, i,
				 snprintf(NULL, 0, "%d", i * 7), i * 7);

		f->o.len = 0;
		assert_int_equal(mc_proto_process(&f->c, &f->s, req, (size_t)n, &f->o), (size_t)n);
	}
	for (int i = 0; i < 20000; i += 997) {
		snprintf(req, sizeof(req), "get k%d\r\n", i);
		snprintf(want, sizeof(want), "VALUE k%d %d %d\r\n%d\r\nEND\r\n", i, i,
			 snprintf(NULL, 0, "%d", i * 7), i * 7);
		talk(f, req, want);
	}
	assert_int_equal(f->c.stats.curr_items, 20000);
}

/*
 * Keys of every length from 1 to 250, each beside a sibling that differs
 * only in one byte (moved along the key), with bytes whose top bit is set
 * (0x8a is '\n' | 0x80, 0xa0 is ' ' | 0x80), asked for in one get with
 * runs of spaces between: the word-at-a-time search for ' ' and "\r\n"
 * must split every line right, and the hash with the key compare (which
 * decides between keys of equal hashes) must mix up no two keys.
 */
static void test_keys_of_every_length(void **state)
{
	struct fixture *f = *state;
	char key[MC_KEY_MAX + 1], sibling[MC_KEY_MAX + 1], req[4 * MC_KEY_MAX], want[4 * MC_KEY_MAX];

	for (size_t len = 1; len <= MC_KEY_MAX; len++) {
		for (size_t i = 0; i < len; i++)
			key[i] = i % 5 == 3 ? (char)0x8a : i % 7 == 4 ? (char)0xa0 : (char)('a' + i % 26);
		memcpy(sibling, key, len);
		sibling[(len * 37 + 11) % len] ^= 1; /* 'a' <-> '`', 0x8a <-> 0x8b, ... */
		key[len] = sibling[len] = '\0';
		snprintf(req, sizeof(req), "set %s 1 0 1\r\nk\r\nset %s 2 0 1\r\ns\r\n", key, sibling);
		talk(f, req, "STORED\r\nSTORED\r\n");
		snprintf(req, sizeof(req), "get  %s   %s \r\n", sibling, key);
		snprintf(want, sizeof(want), "VALUE %s 2 1\r\ns\r\nVALUE %s 1 1\r\nk\r\nEND\r\n",
			 sibling, key);
		talk(f, req, want);
	}
	assert_int_equal(f->c.stats.curr_items, 2 * MC_KEY_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_get_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_many_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_hundred_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_replace_append_prepend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incr_decr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noreply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_touch_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_too_long_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_evicts_and_shrink_gives_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_of_every_length, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
