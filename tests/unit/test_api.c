/*
 * Tests for the REST API's core (kernel/api: api.c, api_auth.c,
 * api_path.c, api_handlers.c, api_files.c) against the fake platform of
 * api_fake.c: authentication and its throttle, routing (404/405, write
 * routes absent without api.write=on), each endpoint's JSON, /file's path
 * checks, redaction, and that no response carries the planted address or
 * the token.
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

#include <carapace/api.h>
#include <carapace/http.h>

/* The fake is one source for this test and fuzz/fuzz_http_api.c. */
#include "api_fake.c"

struct fixture {
	struct fake_kernel k;
	struct api_platform plat;
	struct api api;
	char body[65536];
	struct api_response resp;
	char head[512];
	struct api_peer peer;
};

static struct fixture *setup(bool write)
{
	struct fixture *f = calloc(1, sizeof(*f));

	fake_platform_init(&f->plat, &f->k);
	assert_int_equal(api_init(&f->api, &f->plat, write, FAKE_TOKEN,
				  strlen(FAKE_TOKEN), "/etc/api-token"), 0);
	f->resp.body = f->body;
	f->resp.body_size = sizeof(f->body);
	f->peer.addr[15] = 1;
	return f;
}

/* Sends one request (method, target, Authorization value or NULL, body). */
static int call_as(struct fixture *f, const char *method, const char *target,
		   const char *auth, const char *body, uint64_t now_ms)
{
	static char text[8192];
	struct http_request req;
	long rc;

	snprintf(text, sizeof(text), "%s %s HTTP/1.1\r\nHost: h\r\n%s%s%sContent-Length: %zu\r\n\r\n%s",
		 method, target, auth ? "Authorization: " : "", auth ? auth : "",
		 auth ? "\r\n" : "", strlen(body), body);
	rc = http_parse_request(text, strlen(text), &http_default_limits, &req);
	if (rc == 0)
		fail_msg("the test's request is not whole");
	if (rc < 0) {
		/* The parser refused it: the parser's status, negative, and no answer. */
		f->head[0] = '\0';
		return (int)rc;
	}
	api_handle(&f->api, &req, &f->peer, now_ms, &f->resp);
	f->body[f->resp.body_len < sizeof(f->body) ? f->resp.body_len : sizeof(f->body) - 1] = '\0';
	assert_true(api_format_head(&f->resp, req.keep_alive, f->head, sizeof(f->head)) > 0);
	/* Whatever the request, neither the token nor the planted address comes back. */
	assert_null(strstr(f->body, FAKE_TOKEN));
	assert_null(strstr(f->head, FAKE_TOKEN));
	assert_null(strstr(f->body, FAKE_ADDR_TEXT));
	return f->resp.status;
}

static int call(struct fixture *f, const char *method, const char *target, const char *body)
{
	return call_as(f, method, target, "Bearer " FAKE_TOKEN, body, 0);
}

static void test_auth(void **state)
{
	struct fixture *f = setup(false);
	static const char *const bad[] = {
		NULL, "", "Bearer", "Bearer ", "bearer x", "Basic " FAKE_TOKEN,
		"Bearer " FAKE_TOKEN "x", "Bearer s3cret-token-0123456789abcdeF",
		"Bearer s3cret", "Token " FAKE_TOKEN, "Bearer\t" FAKE_TOKEN,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api_throttle_success(&f->api, &f->peer);
		assert_int_equal(call_as(f, "GET", "/os/name", bad[i], "", 0), 401);
		assert_non_null(strstr(f->head, "WWW-Authenticate: Bearer realm=\"carapace\"\r\n"));
	}
	assert_int_equal(call_as(f, "GET", "/os/name", "BEARER   " FAKE_TOKEN, "", 0), 200);
	assert_string_equal(f->body, "\"Carapace\"");
	assert_null(strstr(f->head, "WWW-Authenticate"));
	/* Unauthenticated, an unknown path is still 401: nothing to probe. */
	assert_int_equal(call_as(f, "GET", "/nope", NULL, "", 0), 401);
	free(f);
}

/*
 * api.auth=off (the audit's "API open" column, OSv's API): every request is
 * served without a token, however many fail; the rest of the API's rules
 * (the token file never served, write routes absent) still hold.
 */
static void test_open(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	f->api.open = true;
	for (int i = 0; i < 2 * API_FREE_FAILURES; i++)
		assert_int_equal(call_as(f, "GET", "/os/name", i % 2 ? "Bearer no" : NULL, "", 1000),
				 200);
	assert_string_equal(f->body, "\"Carapace\"");
	assert_null(strstr(f->head, "WWW-Authenticate"));
	assert_int_equal(call_as(f, "GET", "/nope", NULL, "", 1000), 404);
	assert_int_equal(call_as(f, "GET", "/file/etc/api-token", NULL, "", 1000), 403);
	assert_int_equal(call_as(f, "PUT", "/file/tmp/x", NULL, "x", 1000), 405);
	free(f);
}

/* Five failures are free; then 429 with Retry-After doubling, even for the right token. */
static void test_throttle(void **state)
{
	struct fixture *f = setup(false);
	struct api_peer other = { .addr = { [15] = 2 } };

	(void)state;
	for (int i = 0; i < API_FREE_FAILURES; i++)
		assert_int_equal(call_as(f, "GET", "/os/name", "Bearer no", "", 1000), 401);
	assert_int_equal(call_as(f, "GET", "/os/name", "Bearer " FAKE_TOKEN, "", 1500), 429);
	assert_non_null(strstr(f->head, "Retry-After: 1\r\n"));
	/* Another peer is not affected. */
	f->peer = other;
	assert_int_equal(call(f, "GET", "/os/name", ""), 200);
	f->peer.addr[15] = 1;
	assert_int_equal(call_as(f, "GET", "/os/name", "Bearer no", "", 2000), 401);
	assert_int_equal(call_as(f, "GET", "/os/name", "Bearer no", "", 2100), 429);
	assert_non_null(strstr(f->head, "Retry-After: 2\r\n"));
	/* Waiting long enough, the right token gets through and clears the record. */
	assert_int_equal(call_as(f, "GET", "/os/name", "Bearer " FAKE_TOKEN, "", 4000), 200);
	assert_int_equal(call_as(f, "GET", "/os/name", "Bearer no", "", 4001), 401);
	/* The delay stops growing at API_MAX_DELAY_MS. */
	for (int i = 0; i < 40; i++)
		api_throttle_failure(&f->api, &f->peer, 10000);
	unsigned wait;
	assert_true(api_throttled(&f->api, &f->peer, 10000, &wait));
	assert_int_equal(wait, API_MAX_DELAY_MS / 1000);
	free(f);
}

/* A full table forgets the peer heard from longest ago. */
static void test_throttle_eviction(void **state)
{
	struct fixture *f = setup(false);
	struct api_peer p = { { 0 } };
	unsigned wait;

	(void)state;
	for (int i = 0; i < API_FREE_FAILURES; i++)
		api_throttle_failure(&f->api, &p, 0);
	assert_true(api_throttled(&f->api, &p, 0, &wait));
	for (int i = 1; i <= API_PEERS; i++) {
		struct api_peer q = { { 0 } };

		q.addr[0] = (uint8_t)i;
		api_throttle_failure(&f->api, &q, 10 + (uint64_t)i);
	}
	assert_false(api_throttled(&f->api, &p, 0, &wait));
	free(f);
}

static void test_token_rules(void **state)
{
	struct api api;
	struct api_platform plat = { 0 };
	char hex[65];
	uint8_t bytes[32];

	(void)state;
	assert_int_equal(api_init(&api, &plat, false, "", 0, NULL), -EINVAL);
	assert_int_equal(api_init(&api, &plat, false, "a b", 3, NULL), -EINVAL);
	assert_int_equal(api_init(&api, &plat, false, "a\n", 2, NULL), -EINVAL);
	char big[API_TOKEN_MAX + 1];
	memset(big, 'a', sizeof(big));
	assert_int_equal(api_init(&api, &plat, false, big, sizeof(big), NULL), -EINVAL);
	assert_int_equal(api_init(&api, &plat, false, big, API_TOKEN_MAX, NULL), 0);
	assert_true(api_token_matches(&api, big, API_TOKEN_MAX));
	assert_false(api_token_matches(&api, big, API_TOKEN_MAX - 1));
	for (int i = 0; i < 32; i++)
		bytes[i] = (uint8_t)(i * 9);
	api_token_from_bytes(bytes, 32, hex);
	assert_int_equal(strlen(hex), 64);
	assert_memory_equal(hex, "0009121b242d363f", 16);
}

struct route_case {
	bool write;
	const char *method, *target;
	int status;
	const char *allow; /* the Allow header's value (405, OPTIONS); NULL: no Allow */
};

static const struct route_case route_cases[] = {
	{ false, "GET", "/nope", 404, NULL },
	{ false, "GET", "/os/name/", 404, NULL },
	{ false, "GET", "/OS/NAME", 404, NULL },
	{ false, "POST", "/os/name", 405, "GET, HEAD, OPTIONS" },
	{ false, "HEAD", "/os/name", 200, NULL },
	{ false, "HEAD", "/nope", 404, NULL },
	/* Methods the API does not implement at all: 501, whatever the path (RFC 9110, 15.6.2). */
	{ false, "get", "/os/name", 501, NULL },
	{ false, "FOO", "/os/name", 501, NULL },
	{ false, "PROPFIND", "/nope", 501, NULL },
	{ false, "TRACE", "/os/name", 501, NULL },
	{ false, "CONNECT", "h:443", 501, NULL },
	{ true, "PATCH", "/env/A", 501, NULL },
	{ true, "PATCH", "/file/tmp/a", 501, NULL },
	/* Write routes do not exist without api.write=on; their methods are still known. */
	{ false, "POST", "/os/poweroff", 404, NULL },
	{ false, "PUT", "/env/A", 405, "GET, HEAD, OPTIONS" },
	{ false, "DELETE", "/file/tmp/a", 405, "GET, HEAD, OPTIONS" },
	{ true, "GET", "/os/poweroff", 405, "POST, OPTIONS" },
	{ true, "HEAD", "/os/poweroff", 405, "POST, OPTIONS" },
	{ true, "PUT", "/os/name", 405, "GET, HEAD, OPTIONS" },
	{ true, "DELETE", "/os/poweroff", 405, "POST, OPTIONS" },
	{ true, "PUT", "/env/A", 200, NULL },
	{ false, "GET", "/os/name?x=1", 200, NULL },
	/* OPTIONS (RFC 9110, 9.3.7): the path's methods, or the server's for "*". */
	{ false, "OPTIONS", "/os/name", 200, "GET, HEAD, OPTIONS" },
	{ false, "OPTIONS", "/os/name?x", 200, "GET, HEAD, OPTIONS" },
	{ false, "OPTIONS", "/env/A", 200, "GET, HEAD, OPTIONS" },
	{ true, "OPTIONS", "/env/A", 200, "GET, HEAD, PUT, DELETE, OPTIONS" },
	{ true, "OPTIONS", "/file/tmp/a", 200, "GET, HEAD, POST, PUT, DELETE, OPTIONS" },
	{ true, "OPTIONS", "/os/poweroff", 200, "POST, OPTIONS" },
	{ false, "OPTIONS", "/os/poweroff", 404, NULL },
	{ false, "OPTIONS", "/nope", 404, NULL },
	{ false, "OPTIONS", "*", 200, "GET, HEAD, OPTIONS" },
	{ true, "OPTIONS", "*", 200, "GET, HEAD, POST, PUT, DELETE, OPTIONS" },
	{ true, "OPTIONS", "http://h:8000/os/poweroff", 200, "POST, OPTIONS" },
};

static void test_routes(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
		const struct route_case *r = &route_cases[i];
		struct fixture *f = setup(r->write);
		char allow[64] = "Allow:";
		int status = call(f, r->method, r->target, "");

		if (r->allow != NULL)
			snprintf(allow, sizeof(allow), "Allow: %s\r\n", r->allow);
		/* Any answer to HEAD, an error's too, goes without its body. */
		if (status != r->status || f->resp.head_only != (strcmp(r->method, "HEAD") == 0) ||
		    (strstr(f->head, allow) != NULL) != (r->allow != NULL)) {
			print_error("case %zu (%s %s): %d, expected %d; %s\n", i, r->method, r->target,
				    status, r->status, f->head);
			failed++;
		}
		free(f);
	}
	assert_int_equal(failed, 0);
}

/*
 * OPTIONS's answer: 200 with no content, "Content-Length: 0" and no
 * Content-Type; behind the token like every request (401 without it,
 * served without it only with api.auth=off); If-Match and If-None-Match
 * do not apply to it (RFC 9110, 13.2.1).
 */
static void test_options(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	assert_int_equal(call(f, "OPTIONS", "/os/name", ""), 200);
	assert_int_equal(f->resp.body_len, 0);
	assert_non_null(strstr(f->head, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(f->head, "\r\nContent-Length: 0\r\n"));
	assert_null(strstr(f->head, "\r\nContent-Type:"));
	assert_int_equal(call_as(f, "OPTIONS", "*", NULL, "", 0), 401);
	assert_null(strstr(f->head, "Allow"));
	assert_int_equal(call_as(f, "OPTIONS", "/os/name", "Bearer wrong", "", 0), 401);
	assert_int_equal(call_as(f, "OPTIONS", "/os/name", "Bearer " FAKE_TOKEN "\r\nIf-Match: \"x\"",
				 "", 0), 200);
	assert_int_equal(call_as(f, "OPTIONS", "/os/name", "Bearer " FAKE_TOKEN "\r\nIf-None-Match: *",
				 "", 0), 200);
	free(f);
	f = setup(false);
	f->api.open = true;
	assert_int_equal(call_as(f, "OPTIONS", "*", NULL, "", 0), 200);
	assert_non_null(strstr(f->head, "Allow: GET, HEAD, OPTIONS\r\n"));
	free(f);
}

/*
 * A request whose body has not come ("Expect: 100-continue"): refused
 * at once when no body could change the answer (501, 401, 404, 405,
 * 429), otherwise the body is asked for; the full request is answered
 * as before.
 */
static int early(struct fixture *f, const char *method, const char *target, const char *auth)
{
	static char text[1024];
	struct http_request req;

	snprintf(text, sizeof(text),
		 "%s %s HTTP/1.1\r\nHost: h\r\n%s%s%sExpect: 100-continue\r\n"
		 "Content-Length: 5\r\n\r\n",
		 method, target, auth ? "Authorization: " : "", auth ? auth : "",
		 auth ? "\r\n" : "");
	assert_int_equal(http_parse_request(text, strlen(text), &http_default_limits, &req), 0);
	assert_true(req.expect_continue);
	if (!api_refuses_early(&f->api, &req, &f->peer, 0, &f->resp))
		return 100;
	assert_true(api_format_head(&f->resp, false, f->head, sizeof(f->head)) > 0);
	return f->resp.status;
}

static void test_early_refusal(void **state)
{
	struct fixture *f = setup(true);

	(void)state;
	assert_int_equal(early(f, "PUT", "/env/X", "Bearer " FAKE_TOKEN), 100);
	assert_int_equal(early(f, "POST", "/os/poweroff", "Bearer " FAKE_TOKEN), 100);
	assert_int_equal(early(f, "OPTIONS", "/nope", "Bearer " FAKE_TOKEN), 100);
	assert_int_equal(early(f, "PUT", "/env/X", NULL), 401);
	assert_non_null(strstr(f->head, "WWW-Authenticate: Bearer"));
	assert_int_equal(early(f, "PUT", "/env/X", "Bearer wrong"), 401);
	assert_int_equal(early(f, "PUT", "/nope", "Bearer " FAKE_TOKEN), 404);
	assert_int_equal(early(f, "PUT", "/os/name", "Bearer " FAKE_TOKEN), 405);
	assert_non_null(strstr(f->head, "Allow: GET, HEAD, OPTIONS\r\n"));
	assert_int_equal(early(f, "PATCH", "/env/X", "Bearer " FAKE_TOKEN), 501);
	/* Early refusals count as failed attempts like late ones: the throttle follows. */
	for (int i = 0; i < 20 && early(f, "PUT", "/env/X", "Bearer x") == 401; i++)
		;
	assert_int_equal(early(f, "PUT", "/env/X", "Bearer " FAKE_TOKEN), 429);
	free(f);
	/* Without api.write the write routes do not exist: 405 (GET only) before the body. */
	f = setup(false);
	assert_int_equal(early(f, "PUT", "/env/X", "Bearer " FAKE_TOKEN), 405);
	assert_non_null(strstr(f->head, "Allow: GET, HEAD, OPTIONS\r\n"));
	free(f);
}

/*
 * 501 comes before the token (it says nothing of paths or state) and is
 * no failed attempt: a peer that sent many still gets in with the token.
 */
static void test_not_implemented(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(call_as(f, "FOO", "/os/name", i % 2 ? "Bearer wrong" : NULL, "", 0), 501);
		assert_false(f->resp.authenticate);
	}
	assert_non_null(strstr(f->body, "\"code\":501"));
	assert_int_equal(call(f, "GET", "/os/name", ""), 200);
	free(f);
}

struct get_case {
	const char *target;
	const char *body; /* exact */
};

static const struct get_case get_cases[] = {
	{ "/os/name", "\"Carapace\"" },
	{ "/os/vendor", "\"Carapace\"" },
	{ "/os/version", "\"0.1-test\"" },
	{ "/os/hostname", "\"carapace\"" },
	{ "/os/uptime", "123" },
	{ "/os/date", "\"2026-12-06T03:33:48Z\"" },
	{ "/os/memory/total", "536870912" },
	{ "/os/memory/free", "314572800" },
	{ "/hardware/processor/count", "2" },
	{ "/hardware/hypervisor", "\"qemu-tcg\"" },
	{ "/os/threads",
	  "{\"time_ms\":123456,\"list\":["
	  "{\"id\":1,\"cpu\":0,\"cpu_ms\":10,\"switches\":20,\"migrations\":1,\"preemptions\":3,"
	  "\"priority\":0,\"stack_size\":16384,\"name\":\"idle0\",\"status\":\"running\"},"
	  "{\"id\":7,\"cpu\":1,\"cpu_ms\":5,\"switches\":9,\"migrations\":0,\"preemptions\":0,"
	  "\"priority\":-1,\"stack_size\":65536,\"name\":\"api \\\"server\\\"\",\"status\":\"waiting\"}]}" },
	{ "/os/cmdline",
	  "\"verbose api=on api.token-file=<redacted> aslr.seed=<redacted> "
	  "env=API_KEY=<redacted> env=HOME=/ layout=show -- /app key=visible\"" },
	{ "/os/dmesg", "\"boot: ok\\u000alayout kernel 0x****************\\u000a\\\"quoted\\\"\\u0009done\\u000a\"" },
	{ "/network/ifconfig",
	  "[{\"config\":{\"name\":\"eth0\",\"addr\":\"10.0.2.15\",\"mask\":\"255.255.255.0\","
	  "\"broadcast\":\"10.0.2.255\",\"flags\":\"UP\",\"mtu\":1500,\"phys_addr\":\"52:54:00:12:34:56\"},"
	  "\"data\":{\"ifi_ipackets\":10,\"ifi_ibytes\":1000,\"ifi_iqdrops\":1,\"ifi_opackets\":11,"
	  "\"ifi_obytes\":1100,\"ifi_oqdrops\":0}}]" },
	{ "/fs/df", "[{\"filesystem\":\"ramfs\",\"mount\":\"/tmp\",\"blocksize\":4096,\"btotal\":1000,"
		    "\"bfree\":900,\"ftotal\":100,\"ffree\":90}]" },
	{ "/hardening", "{\"defences\":{\"aslr\":true,\"guards\":true,\"wx\":true},"
			"\"violations\":{\"stack-guard\":0,\"fortify\":2}}" },
	{ "/net/classifier", "{\"counters\":{\"packets\":42,\"dropped\":1}}" },
	{ "/env/", "[\"HOME=/\"]" },
	{ "/env/HOME", "\"/\"" },
	{ "/file/etc/motd", "hello\n" },
	{ "/file/tmp/a", "tmp file" },
	{ "/file/etc/%6Dotd", "hello\n" },
};

static void test_gets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++) {
		struct fixture *f = setup(false);

		if (call(f, "GET", get_cases[i].target, "") != 200)
			fail_msg("%s: status %d: %s", get_cases[i].target, f->resp.status, f->body);
		if (strcmp(f->body, get_cases[i].body) != 0)
			fail_msg("%s:\n got  %s\n want %s", get_cases[i].target, f->body,
				 get_cases[i].body);
		assert_false(f->resp.head_only);
		/* HEAD: GET's status and Content-Length, marked to go without the body. */
		assert_int_equal(call(f, "HEAD", get_cases[i].target, ""), 200);
		assert_int_equal(f->resp.body_len, strlen(get_cases[i].body));
		assert_true(f->resp.head_only);
		free(f);
	}
}

static void test_api_doc(void **state)
{
	struct fixture *ro = setup(false), *rw = setup(true);

	(void)state;
	assert_int_equal(call(ro, "GET", "/api-doc", ""), 200);
	assert_non_null(strstr(ro->body, "\"swaggerVersion\":\"1.2\""));
	assert_non_null(strstr(ro->body, "{\"path\":\"/file/{path}\",\"method\":\"GET\""));
	assert_null(strstr(ro->body, "poweroff"));
	assert_null(strstr(ro->body, "\"PUT\""));
	assert_int_equal(call(rw, "GET", "/api-doc", ""), 200);
	assert_non_null(strstr(rw->body, "/os/poweroff"));
	assert_non_null(strstr(rw->body, "{\"path\":\"/env/{var}\",\"method\":\"PUT\""));
	free(ro);
	free(rw);
}

static void test_classifier_absent(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	f->k.classifier_rc = -ENOSYS;
	assert_int_equal(call(f, "GET", "/net/classifier", ""), 503);
	assert_non_null(strstr(f->body, "\"code\":503"));
	free(f);
}

struct path_case {
	bool write;
	const char *target; /* after /file/ */
	int status;
};

static const struct path_case path_cases[] = {
	{ false, "etc/../etc/motd", 400 },
	{ false, "..", 400 },
	{ false, "%2e%2e/etc/motd", 400 },
	{ false, "%2E%2E%2Fetc/motd", 400 },
	{ false, "tmp/%2e%2e%2fetc%2fmotd", 400 },
	{ false, "./etc/motd", 400 },
	{ false, "etc//motd", 400 },
	{ false, "/etc/motd", 400 },          /* absolute inside the path */
	{ false, "%2fetc/motd", 400 },
	{ false, "etc/motd/", 400 },
	{ false, "etc/motd%00", 400 },
	{ false, "etc/mo%0atd", 400 },
	{ false, "etc/mo%zztd", 400 },
	{ false, "etc/mo%4", 400 },
	{ false, "etc\\motd", 400 },
	{ false, "", 400 },                   /* GET /file/ names no file */
	{ false, "etc/api-token", 403 },      /* the token file is never served */
	{ false, "etc/api%2dtoken", 403 },
	{ false, "dev/urandom", 403 },
	{ false, "dev", 403 },
	{ false, "etc/none", 404 },
	{ true, "etc/motd", 403 },            /* writes only under /tmp/ */
	{ true, "tmp", 403 },
	{ true, "tmpx/a", 403 },
	{ true, "tmp/../etc/motd", 400 },
	{ true, "tmp/%2e%2e/etc/motd", 400 },
	{ true, "tmp/new", 201 },
	{ true, "tmp/a", 409 },               /* POST does not replace */
};

static void test_file_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *p = &path_cases[i];
		struct fixture *f = setup(true);
		char target[300];
		int status;

		snprintf(target, sizeof(target), "/file/%s", p->target);
		status = call(f, p->write ? "POST" : "GET", target, "data");
		if (status != p->status)
			fail_msg("case %zu (%s): %d, expected %d: %s", i, target, status,
				 p->status, f->body);
		/* A refused path never reaches the filesystem. */
		if (status == 400 || status == 403)
			assert_int_equal(f->k.reads + f->k.writes, 0);
		free(f);
	}
}

static void test_file_writes(void **state)
{
	struct fixture *f = setup(true);

	(void)state;
	assert_int_equal(call(f, "PUT", "/file/tmp/b", "first"), 200);
	assert_string_equal(f->body, "{\"path\":\"/tmp/b\",\"bytes\":5}");
	assert_int_equal(call(f, "PUT", "/file/tmp/b", "second"), 200);
	assert_int_equal(call(f, "GET", "/file/tmp/b", ""), 200);
	assert_string_equal(f->body, "second");
	assert_non_null(strstr(f->head, "Content-Type: application/octet-stream\r\n"));
	assert_int_equal(call(f, "DELETE", "/file/tmp/b", ""), 200);
	assert_int_equal(call(f, "GET", "/file/tmp/b", ""), 404);
	assert_int_equal(call(f, "DELETE", "/file/tmp/b", ""), 404);
	assert_int_equal(call(f, "DELETE", "/file/etc/motd", ""), 403);
	free(f);
}

static void test_env_writes(void **state)
{
	struct fixture *f = setup(true);

	(void)state;
	assert_int_equal(call(f, "PUT", "/env/GREETING?val=hello%20world", ""), 200);
	assert_int_equal(call(f, "GET", "/env/GREETING", ""), 200);
	assert_string_equal(f->body, "\"hello world\"");
	assert_int_equal(call(f, "PUT", "/env/B", "from body"), 200);
	assert_int_equal(call(f, "GET", "/env/B", ""), 200);
	assert_string_equal(f->body, "\"from body\"");
	assert_int_equal(call(f, "PUT", "/env/A%3DB", "x"), 400);
	assert_int_equal(call(f, "PUT", "/env/?val=x", ""), 400);
	assert_int_equal(call(f, "PUT", "/env/C?val=%00", ""), 400);
	/* Too long: said so, not blamed on a NUL or an '='. */
	char big[2048], path[400];

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(call(f, "PUT", "/env/C", big), 400);
	assert_non_null(strstr(f->body, "the value is too long"));
	assert_int_equal(call(f, "PUT", "/env/C", big + sizeof(big) - 200), 400);
	assert_non_null(strstr(f->body, "the name or the value is too long"));
	snprintf(path, sizeof(path), "/file/tmp/%.300s", big);
	assert_int_equal(call(f, "PUT", path, ""), 400);
	assert_non_null(strstr(f->body, "the path is too long"));
	assert_int_equal(call(f, "DELETE", "/env/B", ""), 200);
	assert_int_equal(call(f, "GET", "/env/B", ""), 404);
	assert_int_equal(call(f, "DELETE", "/env/B", ""), 404);
	free(f);
}

/* A request with one more header line (after Authorization's). */
static int call_with(struct fixture *f, const char *method, const char *target, const char *header,
		     const char *body)
{
	char auth[256];

	snprintf(auth, sizeof(auth), "Bearer " FAKE_TOKEN "\r\n%s", header);
	return call_as(f, method, target, auth, body, 0);
}

/*
 * RFC 9110, 13.2: If-Match and If-None-Match are evaluated before the
 * method acts. No ETag is ever sent, so a listed tag never matches;
 * "*" asks whether the target exists (a GET of it would answer 200).
 */
static void test_preconditions(void **state)
{
	struct fixture *f = setup(true);

	(void)state;
	/* If-Match with a tag: false, 412, and nothing written. */
	assert_int_equal(call_with(f, "PUT", "/env/P", "If-Match: \"v1\"", "new"), 412);
	assert_int_equal(call(f, "GET", "/env/P", ""), 404);
	/* If-Match: * on nothing there: 412; If-None-Match: * creates only then. */
	assert_int_equal(call_with(f, "PUT", "/env/P", "If-Match: *", "new"), 412);
	assert_int_equal(call_with(f, "PUT", "/env/P", "If-None-Match: *", "first"), 200);
	assert_int_equal(call_with(f, "PUT", "/env/P", "If-None-Match: *", "second"), 412);
	assert_int_equal(call(f, "GET", "/env/P", ""), 200);
	assert_string_equal(f->body, "\"first\"");
	/* Now there: If-Match: * goes on; a tag still does not. */
	assert_int_equal(call_with(f, "PUT", "/env/P", "If-Match: *", "third"), 200);
	assert_int_equal(call_with(f, "DELETE", "/env/P", "If-Match: W/\"x\", \"y\"", ""), 412);
	assert_int_equal(call(f, "GET", "/env/P", ""), 200);
	assert_string_equal(f->body, "\"third\"");
	/* If-None-Match on a read: 304 with no content and no Content-Length; a tag: 200. */
	assert_int_equal(call_with(f, "GET", "/env/P", "If-None-Match: *", ""), 304);
	assert_int_equal(f->resp.body_len, 0);
	assert_null(strstr(f->head, "Content-Length"));
	assert_null(strstr(f->head, "\r\nContent-Type:")); /* representation metadata (15.4.5) */
	assert_non_null(strstr(f->head, "HTTP/1.1 304 Not Modified\r\n"));
	assert_int_equal(call_with(f, "HEAD", "/os/name", "If-None-Match: *", ""), 304);
	assert_int_equal(call_with(f, "GET", "/os/name", "If-None-Match: \"abc\"", ""), 200);
	assert_int_equal(call_with(f, "GET", "/os/name", "If-Match: \"abc\"", ""), 412);
	assert_non_null(strstr(f->head, "Content-Length"));
	/* No date to compare: If-Modified-Since and If-Unmodified-Since are ignored. */
	assert_int_equal(call_with(f, "GET", "/os/name", "If-Modified-Since: Sun, 06 Nov 2994 08:49:37 GMT", ""), 200);
	assert_int_equal(call_with(f, "DELETE", "/env/P", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT", ""), 200);
	/* A path with no GET (POST /os/poweroff) has nothing to match "*". */
	assert_int_equal(call_with(f, "POST", "/os/poweroff", "If-Match: *", ""), 412);
	assert_int_equal(f->resp.after, API_AFTER_NOTHING);
	free(f);
}

static void test_poweroff(void **state)
{
	struct fixture *f = setup(true);

	(void)state;
	assert_int_equal(call(f, "POST", "/os/poweroff", ""), 200);
	assert_int_equal(f->resp.after, API_AFTER_POWEROFF);
	assert_int_equal(call(f, "GET", "/os/name", ""), 200);
	assert_int_equal(f->resp.after, API_AFTER_NOTHING);
	free(f);
}

/* A buffer too small for the answer gives 500, never half a document. */
static void test_small_buffer(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	f->resp.body_size = 64;
	assert_int_equal(call(f, "GET", "/os/threads", ""), 500);
	assert_int_equal(call(f, "GET", "/file/etc/motd", ""), 200);
	f->resp.body_size = 3;
	assert_int_equal(call(f, "GET", "/file/etc/motd", ""), 500);
	free(f);
}

static void test_head_and_errors(void **state)
{
	char body[128], head[256], length[32];
	struct api_response resp = { .body = body, .body_size = sizeof(body) };

	(void)state;
	api_error_response(&resp, 431, "too many headers");
	assert_string_equal(body, "{\"message\":\"too many headers\",\"code\":431}");
	assert_true(api_format_head(&resp, false, head, sizeof(head)) > 0);
	assert_non_null(strstr(head, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
	assert_non_null(strstr(head, "Connection: close\r\n"));
	assert_non_null(strstr(head, "Content-Length: 41\r\n"));
	assert_int_equal(api_format_head(&resp, false, head, 40), 0);
	/* The server's 503 for a ninth connection: Retry-After, and a length that matches. */
	api_error_response(&resp, 503, "too many connections: retry");
	resp.retry_after = 1;
	assert_true(api_format_head(&resp, false, head, sizeof(head)) > 0);
	assert_non_null(strstr(head, "HTTP/1.1 503 Service Unavailable\r\n"));
	assert_non_null(strstr(head, "Retry-After: 1\r\n"));
	snprintf(length, sizeof(length), "Content-Length: %zu\r\n", strlen(body));
	assert_non_null(strstr(head, length));
	/* Date (RFC 9110, 6.6.1: MUST with a clock), the RFC's own example, and none without a clock. */
	assert_null(strstr(head, "Date:"));
	resp.date = 784111777;
	assert_true(api_format_head(&resp, false, head, sizeof(head)) > 0);
	assert_non_null(strstr(head, "\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
	resp.date = 1796528028; /* the fake's clock: 2026-12-06T03:33:48Z, a Sunday */
	assert_true(api_format_head(&resp, false, head, sizeof(head)) > 0);
	assert_non_null(strstr(head, "\r\nDate: Sun, 06 Dec 2026 03:33:48 GMT\r\n"));
	resp.date = 951782400; /* 2000-02-29, a Tuesday */
	assert_true(api_format_head(&resp, false, head, sizeof(head)) > 0);
	assert_non_null(strstr(head, "\r\nDate: Tue, 29 Feb 2000 00:00:00 GMT\r\n"));
	api_error_response(&resp, 400, "x");
	assert_int_equal(resp.date, 0);
}

struct redact_case {
	const char *in, *out;
};

static const struct redact_case redact_cases[] = {
	{ "", "" },
	{ "a b  c", "a b  c" },
	{ "api.token-file=/t", "api.token-file=<redacted>" },
	{ "MY_SECRET=x PASSWORD=y Key=z", "MY_SECRET=<redacted> PASSWORD=<redacted> Key=<redacted>" },
	{ "aslr.seed=42 aslr=off", "aslr.seed=<redacted> aslr=off" },
	{ "env=TOKEN=\"a b\" env=X=\"y z\"", "env=TOKEN=<redacted> env=X=\"y z\"" },
	{ "api.token=a\\ b x", "api.token=<redacted> x" },
	{ "-- token=x", "-- token=x" },
	{ "token", "token" },
	/* The launcher quotes every word: the key is read decoded, the quote closed. */
	{ "\"env=DB_PASSWORD=hunter2 x\" \"aslr.seed=4660\" \"verbose\"",
	  "\"env=DB_PASSWORD=<redacted>\" \"aslr.seed=<redacted>\" \"verbose\"" },
	{ "\"env=MY_KEY=\\\"q\\\"\" \"env=HOME=/\"", "\"env=MY_KEY=<redacted>\" \"env=HOME=/\"" },
	{ "e\"nv=TOK\"EN=x api.tok\\en=y", "e\"nv=TOK\"EN=<redacted> api.tok\\en=<redacted>" },
	{ "\"env=A=b=token\"", "\"env=A=b=token\"" },
};

static void test_redaction(void **state)
{
	char out[128], small[8];
	char text[] = "at 0xffffd0001234a000 and 1234567 and deadbeef12, feedface";

	(void)state;
	for (size_t i = 0; i < sizeof(redact_cases) / sizeof(redact_cases[0]); i++) {
		api_redact_cmdline(redact_cases[i].in, out, sizeof(out));
		assert_string_equal(out, redact_cases[i].out);
	}
	assert_int_equal(api_redact_cmdline("api.token=abcdef", small, sizeof(small)),
			 strlen("api.token=<redacted>"));
	assert_string_equal(small, "api.tok");
	api_redact_addresses(text, strlen(text));
	assert_string_equal(text, "at 0x**************** and 1234567 and **********, ********");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_throttle_eviction),
		cmocka_unit_test(test_token_rules),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_not_implemented),
		cmocka_unit_test(test_early_refusal),
		cmocka_unit_test(test_gets),
		cmocka_unit_test(test_api_doc),
		cmocka_unit_test(test_classifier_absent),
		cmocka_unit_test(test_file_paths),
		cmocka_unit_test(test_file_writes),
		cmocka_unit_test(test_env_writes),
		cmocka_unit_test(test_preconditions),
		cmocka_unit_test(test_poweroff),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_head_and_errors),
		cmocka_unit_test(test_redaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
