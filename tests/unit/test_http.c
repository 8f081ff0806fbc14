/*
 * Tests for kernel/api/http.c (the request parser) and kernel/api/json.c
 * (the JSON writer): tables of requests with what they parse to or the
 * status that refuses them, limits at and one past each edge, every split
 * point of a request fed in pieces, and escaping.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/http.h>
#include <carapace/json.h>

struct good_case {
	const char *text;
	const char *method, *path, *query, *body;
	unsigned minor;
	size_t nheaders;
	bool keep_alive;
};

static const struct good_case good_cases[] = {
	{ "GET /os/name HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/os/name", "", "", 1, 1, true },
	{ "GET / HTTP/1.0\r\n\r\n", "GET", "/", "", "", 0, 0, false },
	{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", "/", "", "", 0, 1, true },
	{ "GET /a?b=c&d HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n",
	  "GET", "/a", "b=c&d", "", 1, 2, false },
	{ "PUT /env/A HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
	  "PUT", "/env/A", "", "hello", 1, 2, true },
	{ "POST /x HTTP/1.1\r\nhost:x\r\ncontent-length:0\r\n\r\n", "POST", "/x", "", "", 1, 2, true },
	{ "GET /x HTTP/1.1\r\nHost: \t x \t\r\nX-Empty:\r\n\r\n", "GET", "/x", "", "", 1, 2, true },
	{ "GET /x? HTTP/1.1\r\nHost: x\r\nX: caf\xc3\xa9\r\n\r\n", "GET", "/x", "", "", 1, 2, true },
	/* Connection is a list (RFC 9110, 7.6.1): "close" among others still closes. */
	{ "GET /x HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\n\r\n",
	  "GET", "/x", "", "", 1, 2, false },
	{ "GET /x HTTP/1.0\r\nConnection: Keep-Alive ,x\r\n\r\n", "GET", "/x", "", "", 0, 1, true },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n", "GET", "/x", "", "", 1, 2, true },
	/* RFC 9112, 2.2: empty lines before the request line are skipped (up to the limit). */
	{ "\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/x", "", "", 1, 1, true },
	{ "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET /x HTTP/1.0\r\n\r\n", "GET", "/x", "", "", 0, 0, false },
	/* RFC 9112, 3.2.2: the absolute form; what follows the authority is routed. */
	{ "GET http://10.0.2.15:8000/os/version HTTP/1.1\r\nHost: 10.0.2.15:8000\r\n\r\n",
	  "GET", "/os/version", "", "", 1, 1, true },
	{ "GET HTTP://h.example/a/b?c=d HTTP/1.1\r\nHost: other\r\n\r\n", "GET", "/a/b", "c=d", "", 1, 1, true },
	/* An empty path is "/" (RFC 9110, 4.2.3). */
	{ "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "", "", 1, 1, true },
	{ "GET http://h:?q HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "q", "", 1, 1, true },
	/* ... but "*" for OPTIONS (RFC 9112, 3.2.4: the asterisk form a proxy would send). */
	{ "OPTIONS http://h HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS", "*", "", "", 1, 1, true },
	{ "OPTIONS http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS", "/", "", "", 1, 1, true },
	{ "GET http://[::1]:8000/x HTTP/1.0\r\n\r\n", "GET", "/x", "", "", 0, 0, false },
	{ "GET http://a-b.c_d~e%41!$&'()*+,;=/x HTTP/1.0\r\n\r\n", "GET", "/x", "", "", 0, 0, false },
	/* A higher minor version is taken as 1.1 (RFC 9112, 2.3): Host needed, keep-alive. */
	{ "GET /x HTTP/1.2\r\nHost: x\r\n\r\n", "GET", "/x", "", "", 1, 1, true },
	{ "GET /x HTTP/1.9\r\nHost: x\r\n\r\n", "GET", "/x", "", "", 1, 1, true },
	/* Host's valid values (RFC 9110, 7.2), the empty one included. */
	{ "GET /x HTTP/1.1\r\nHost:\r\n\r\n", "GET", "/x", "", "", 1, 1, true },
	{ "GET /x HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "GET", "/x", "", "", 1, 1, true },
	{ "GET /x HTTP/1.1\r\nHost: example.com:\r\n\r\n", "GET", "/x", "", "", 1, 1, true },
	/* The asterisk form with OPTIONS (RFC 9112, 3.2.4), the authority form with CONNECT (3.2.3). */
	{ "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "OPTIONS", "*", "", "", 1, 1, true },
	{ "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n", "CONNECT", "", "", "", 1, 1, true },
	/* A method of the limit's 16 bytes; any token is a method to the parser (RFC 9110, 9.1). */
	{ "ABCDEFGHIJKLMNOP /x HTTP/1.0\r\n\r\n", "ABCDEFGHIJKLMNOP", "/x", "", "", 0, 0, false },
	{ "get /x HTTP/1.0\r\n\r\n", "get", "/x", "", "", 0, 0, false },
};

/* Every case of a table is tried; each one that fails is printed, then the test fails. */
static void test_good(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *g = &good_cases[i];
		struct http_request req;
		size_t len = strlen(g->text);
		long rc = http_parse_request(g->text, len, &http_default_limits, &req);

		if (rc != (long)len || !http_str_equal(req.method, g->method) ||
		    !http_str_equal(req.path, g->path) || !http_str_equal(req.query, g->query) ||
		    !http_str_equal(req.body, g->body) || req.version_minor != g->minor ||
		    req.nheaders != g->nheaders || req.keep_alive != g->keep_alive) {
			print_error("good case %zu (%.30s...): %ld, expected %zu, or a field differs\n",
				    i, g->text, rc, len);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* 1,100 bytes of a path: a request line past its limit of 1,024. */
#define LONG_TARGET_100 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_TARGET LONG_TARGET_100 LONG_TARGET_100 LONG_TARGET_100 LONG_TARGET_100 \
	LONG_TARGET_100 LONG_TARGET_100 LONG_TARGET_100 LONG_TARGET_100 LONG_TARGET_100 \
	LONG_TARGET_100 LONG_TARGET_100

struct bad_case {
	const char *text;
	long status;
};

static const struct bad_case bad_cases[] = {
	{ "GET /x HTTP/1.1\nHost: x\r\n\r\n", -400 },           /* bare LF */
	{ "GET /x HTTP/1.1\r\nHost: x\n\r\n", -400 },
	{ "GET /x HTTP/1.1\rHost: x\r\n\r\n", -400 },           /* bare CR */
	{ "GET  /x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },        /* two spaces */
	{ "GET x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },          /* not origin-form */
	{ "GET * HTTP/1.1\r\nHost: x\r\n\r\n", -400 },       /* asterisk form, not OPTIONS */
	{ "OPTIONS *x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "OPTIONS * HTTP/1.1\r\n\r\n", -400 },               /* still needs Host */
	{ "GET h:443 HTTP/1.1\r\nHost: x\r\n\r\n", -400 },   /* authority form, not CONNECT */
	/* CONNECT's target must be host:port (RFC 9110, 9.3.6). */
	{ "CONNECT h HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "CONNECT h: HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "CONNECT :443 HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "CONNECT u@h:443 HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	/* A method longer than any implemented: 501 (RFC 9112, 3.1), before the line ends too. */
	{ "ABCDEFGHIJKLMNOPQ /x HTTP/1.1\r\nHost: x\r\n\r\n", -501 },
	{ "ABCDEFGHIJKLMNOPQ", -501 },
	{ "ABCDEFGHIJKLMNOPQ /x", -501 },
	/* ... before the line's length: the same answer whether the line came whole or not. */
	{ "ABCDEFGHIJKLMNOPQ /" LONG_TARGET " HTTP/1.1\r\nHost: x\r\n\r\n", -501 },
	{ "GET /" LONG_TARGET " HTTP/1.1\r\nHost: x\r\n\r\n", -414 },
	/* Bad absolute forms: another scheme, no "//", no host, userinfo, a bad port or host. */
	{ "GET https://h/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET ftp://h/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http:/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http: HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http:///x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http://:80/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http://user:pw@h/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http://h:8o/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http://[::1/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http://h\"/x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET http://h#f HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	/* ... and HTTP/1.1 still needs Host (RFC 9112, 3.2), though the target's authority counts. */
	{ "GET http://h/x HTTP/1.1\r\n\r\n", -400 },
	/* A Host that is not uri-host [":" port] (RFC 9112, 3.2: MUST be 400). */
	{ "GET /x HTTP/1.1\r\nHost: a b\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: u@h\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: h:p\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: h/x\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: [::1\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: h:1:2\r\n\r\n", -400 },
	{ "G(T /x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ " GET /x HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1 \r\nHost: x\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\n\r\n", -400 },                    /* no Host */
	{ "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a\r\n"
	  "authorization: Bearer b\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost : x\r\n\r\n", -400 },        /* blank before colon */
	{ "GET /x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost x\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\x01y\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\x7f\r\n\r\n", -400 },
	{ "GET /x\x01 HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
	/* Two Content-Length, equal (RFC 9110, 8.6: MAY refuse) or not (RFC 9112, 6.3: MUST), or a list. */
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\na", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na", -400 },
	/* A blank between name and colon (RFC 9112, 5.1: MUST 400), a tab too; obs-fold at the head's start. */
	{ "GET /x HTTP/1.1\r\nHost\t: x\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\n Host: x\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", -400 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", -413 },
	{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n", -413 },
	/* Transfer-Encoding (RFC 9112, 6.1 and 7.1): chunked last and once, else 400; after another coding 501. */
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", -501 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
	  "0\r\n\r\n", -400 },                                   /* a smuggling's shape */
	{ "PUT /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", -400 },
	/* Chunked framing: a size not hex, a bare LF, data not ending in CRLF, a bad trailer. */
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n;a\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\na\r\n0\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;\x01\r\na\r\n0\r\n\r\n", -400 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT x\r\n\r\n", -400 },
	/* A chunk past the body's limit is refused from its size line, not after its data. */
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n", -413 },
	{ "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff1\r\n", -413 },
	{ "GET /x HTTP/2.0\r\nHost: x\r\n\r\n", -505 },
	{ "GET /x#f HTTP/1.1\r\nHost: x\r\n\r\n", -400 },     /* a fragment is no part of a target */
	{ "GET /x HTTP/1.x\r\nHost: x\r\n\r\n", -400 },
	{ "GET /x HTTX/1.1\r\nHost: x\r\n\r\n", -400 },
	{ "GET /x\r\nHost: x\r\n\r\n", -400 },                  /* HTTP/0.9 */
	/* Past the empty lines' limit (8), or a bare LF among them. */
	{ "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET /x HTTP/1.0\r\n\r\n", -400 },
	{ "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", -400 },
	{ "\r\n\nGET /x HTTP/1.0\r\n\r\n", -400 },
	{ "\r\r\n", -400 },
	/* A wrong byte in the method is refused before the line ends. */
	{ "\x16\x03\x01\x02\x00\x01", -400 },                 /* a TLS ClientHello's start */
	{ "GE\x01", -400 },
	{ "GET\t", -400 },
};

static void test_bad(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct http_request req;
		long rc = http_parse_request(bad_cases[i].text, strlen(bad_cases[i].text),
					     &http_default_limits, &req);

		if (rc != bad_cases[i].status) {
			print_error("bad case %zu (%.30s...): %ld, expected %ld\n", i,
				    bad_cases[i].text, rc, bad_cases[i].status);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Expect: 100-continue is reported once the head is whole and the body is not. */
static void test_expect_continue(void **state)
{
	const char *text = "PUT /env/A HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\n"
			   "Content-Length: 5\r\n\r\nhello";
	size_t head = strlen(text) - 5;
	struct http_request req;

	(void)state;
	assert_int_equal(http_parse_request(text, head - 1, &http_default_limits, &req), 0);
	assert_false(req.expect_continue);
	for (size_t n = head; n < strlen(text); n++) {
		assert_int_equal(http_parse_request(text, n, &http_default_limits, &req), 0);
		assert_true(req.expect_continue);
	}
	assert_int_equal(http_parse_request(text, strlen(text), &http_default_limits, &req),
			 (long)strlen(text));
	assert_false(req.expect_continue);
	/* HTTP/1.0 ignores it (RFC 9110); so does an empty body, which is whole at once. */
	text = "PUT /env/A HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
	assert_int_equal(http_parse_request(text, strlen(text), &http_default_limits, &req), 0);
	assert_false(req.expect_continue);
}

/* Every prefix of a good request asks for more; the whole is taken; a following request is left. */
static void test_pieces(void **state)
{
	const char *text = "PUT /env/A HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /";
	size_t whole = strlen(text) - 5;
	struct http_request req;

	(void)state;
	for (size_t n = 0; n < whole; n++)
		assert_int_equal(http_parse_request(text, n, &http_default_limits, &req), 0);
	assert_int_equal(http_parse_request(text, strlen(text), &http_default_limits, &req),
			 (long)whole);
	assert_true(http_str_equal(req.body, "hello"));
}

/*
 * Chunked bodies (RFC 9112, 7.1): every prefix of one waits for more (and
 * says 100-continue once the head is whole); the whole one is taken with
 * its trailers, the next request left; http_dechunk joins the data in
 * place. Chunk sizes in any case and with leading zeros, extensions.
 */
static void test_chunked(void **state)
{
	static const char text[] =
		"PUT /env/A HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
		"Transfer-Encoding: Chunked\r\n\r\n"
		"5\r\nhello\r\n"
		"0A;name=value;x=\"q\"\r\n, world! 1\r\n"
		"00000a ; ext\r\n0123456789\r\n"
		"0\r\nX-Trailer: t\r\nY: u\r\n\r\n"
		"GET /";
	size_t whole = sizeof(text) - 1 - 5, head = strstr(text, "\r\n\r\n") - text + 4;
	char copy[sizeof(text)];
	struct http_request req;

	(void)state;
	for (size_t n = 0; n < whole; n++) {
		assert_int_equal(http_parse_request(text, n, &http_default_limits, &req), 0);
		assert_int_equal(req.expect_continue, n >= head);
	}
	memcpy(copy, text, sizeof(text));
	assert_int_equal(http_parse_request(copy, sizeof(text) - 1, &http_default_limits, &req),
			 (long)whole);
	assert_true(req.chunked);
	assert_int_equal(req.body.p - copy, (long)head);
	assert_int_equal(req.body.n, whole - head);
	req.body.n = http_dechunk(copy + head, req.body.n);
	assert_true(http_str_equal(req.body, "hello, world! 10123456789"));
	/* An empty chunked body, and one chunk of exactly the limit's bytes as sent. */
	assert_true(http_parse_request("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
				       "\r\n0\r\n\r\n", 62, &http_default_limits, &req) == 62);
	assert_int_equal(http_dechunk((char[]){ "0\r\n\r\n" }, 5), 0);
	{
		static char big[256 + 65536];
		size_t data = 65536 - 13, n = (size_t)sprintf(big, "PUT /x HTTP/1.1\r\nHost: x\r\n"
						"Transfer-Encoding: chunked\r\n\r\n%zx\r\n", data);
		size_t body_start = strstr(big, "\r\n\r\n") - big + 4;

		memset(big + n, 'a', data);
		n += data;
		memcpy(big + n, "\r\n0\r\n\r\n", 7);
		n += 7;
		assert_int_equal(n - body_start, 65536); /* "fff3\r\n", the data, "\r\n0\r\n\r\n" */
		assert_int_equal(http_parse_request(big, n, &http_default_limits, &req), (long)n);
		assert_int_equal(http_dechunk(big + body_start, req.body.n), data);
		/* One more byte of data: the bytes as sent pass 64 KiB. */
		n = (size_t)sprintf(big, "PUT /x HTTP/1.1\r\nHost: x\r\n"
				    "Transfer-Encoding: chunked\r\n\r\n%zx\r\n", data + 1);
		memset(big + n, 'a', data + 1);
		n += data + 1;
		memcpy(big + n, "\r\n0\r\n\r\n", 7);
		assert_int_equal(http_parse_request(big, n + 7, &http_default_limits, &req), -413);
		/* A chunk whose own data and CRLF pass the limit: refused from its size line. */
		n = (size_t)sprintf(big, "PUT /x HTTP/1.1\r\nHost: x\r\n"
				    "Transfer-Encoding: chunked\r\n\r\nfff8\r\n");
		assert_int_equal(http_parse_request(big, n, &http_default_limits, &req), 0);
		big[n - 3] = '9'; /* 6 + 0xfff9 + 2 bytes > 64 KiB */
		assert_int_equal(http_parse_request(big, n, &http_default_limits, &req), -413);
	}
}

/*
 * Empty lines before a request (RFC 9112, 2.2): every prefix of eight of
 * them waits for more, the request after them is whole with them (the
 * next one starts after it), a ninth is 400 at once.
 */
static void test_leading_empty_lines(void **state)
{
	const char *text = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_request req;

	(void)state;
	for (size_t n = 0; n < strlen(text); n++)
		assert_int_equal(http_parse_request(text, n, &http_default_limits, &req), 0);
	assert_int_equal(http_parse_request(text, strlen(text), &http_default_limits, &req),
			 (long)strlen(text));
	assert_true(http_str_equal(req.path, "/x"));
	assert_int_equal(http_parse_request("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", 18,
					    &http_default_limits, &req), -400);
	assert_non_null(req.error);
}

/*
 * What a client may send after a body (RFC 9112, 2.2) before its next
 * request: empty lines, perhaps the CR of one more. The server's idle
 * clock, not a request's, runs while it holds only these.
 */
static void test_only_empty_lines(void **state)
{
	static const struct { const char *text; bool empty; } cases[] = {
		{ "", true }, { "\r", true }, { "\r\n", true }, { "\r\n\r", true },
		{ "\r\n\r\n\r\n", true }, { "\r\nG", false }, { "G", false }, { "\n", false },
		{ "\r\r", false }, { "\r\n\n", false }, { " \r\n", false },
	};

	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (http_only_empty_lines(cases[i].text, strlen(cases[i].text)) != cases[i].empty) {
			print_error("case %zu: expected %d\n", i, cases[i].empty);
			failed++;
		}
	assert_int_equal(failed, 0);
}

/* The host a request names: the absolute form's authority replaces Host (RFC 9112, 3.2.2). */
static void test_host(void **state)
{
	static const struct { const char *text, *host, *error; } cases[] = {
		{ "GET /x HTTP/1.1\r\nHost: h:80\r\n\r\n", "h:80", NULL },
		{ "GET /x HTTP/1.0\r\n\r\n", "", NULL },
		{ "GET http://10.0.2.15:8000/x HTTP/1.1\r\nHost: other\r\n\r\n", "10.0.2.15:8000", NULL },
		{ "GET http://[::1]/x HTTP/1.0\r\n\r\n", "[::1]", NULL },
		{ "GET https://h/x HTTP/1.1\r\nHost: h\r\n\r\n", NULL,
		  "the request target's scheme is not http" },
		{ "GET http://u@h/x HTTP/1.1\r\nHost: h\r\n\r\n", NULL,
		  "the request target's authority is not host[:port]" },
		{ "GET http:x HTTP/1.1\r\nHost: h\r\n\r\n", NULL,
		  "the request target has no authority (http://host...)" },
		{ "GET /x HTTP/1.1\r\nHost: a b\r\n\r\n", NULL, "Host is not host[:port]" },
		{ "GET /x HTTP/1.1\r\n\r\n", NULL, "HTTP/1.1 needs a Host header" },
		{ "GET /x HTTP/1.3\r\n\r\n", NULL, "HTTP/1.1 needs a Host header" },
		{ "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", NULL,
		  "the request target has a fragment (#...)" },
		/* The asterisk form names no host: Host's; CONNECT's authority replaces Host. */
		{ "OPTIONS * HTTP/1.1\r\nHost: h:80\r\n\r\n", "h:80", NULL },
		{ "CONNECT [::1]:443 HTTP/1.1\r\nHost: other\r\n\r\n", "[::1]:443", NULL },
		{ "CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n", NULL,
		  "CONNECT's request target is not host:port" },
	};
	struct http_request req;
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long rc = http_parse_request(cases[i].text, strlen(cases[i].text),
					     &http_default_limits, &req);
		bool ok = cases[i].host != NULL
			? rc == (long)strlen(cases[i].text) && http_str_equal(req.host, cases[i].host) &&
			  req.error == NULL
			: rc == -400 && req.error != NULL && strcmp(req.error, cases[i].error) == 0;

		if (!ok) {
			print_error("case %zu: %ld, host '%.*s', error '%s'\n", i, rc,
				    rc > 0 ? (int)req.host.n : 0, rc > 0 ? req.host.p : "",
				    req.error ? req.error : "");
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);

	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

/* The request line: exactly the limit passes, one more is 414, even before its end arrives. */
static void test_request_line_limit(void **state)
{
	struct http_request req;
	const size_t lim = http_default_limits.request_line;
	/* "GET /" + n + " HTTP/1.1\r\n" = 16 + n bytes */
	char *ok = repeat("GET /", 'a', lim - 16, " HTTP/1.1\r\nHost: x\r\n\r\n");
	char *big = repeat("GET /", 'a', lim - 15, " HTTP/1.1\r\nHost: x\r\n\r\n");
	char *endless = repeat("GET /", 'a', lim, "");

	(void)state;
	assert_true(http_parse_request(ok, strlen(ok), &http_default_limits, &req) > 0);
	assert_int_equal(http_parse_request(big, strlen(big), &http_default_limits, &req), -414);
	assert_int_equal(http_parse_request(endless, strlen(endless), &http_default_limits, &req), -414);
	assert_int_equal(http_parse_request(endless, lim - 1, &http_default_limits, &req), 0);
	free(ok);
	free(big);
	free(endless);
}

/* Header bytes and count: 431 at one past the limit, and without the end of the head. */
static void test_header_limits(void **state)
{
	struct http_request req;
	const size_t lim = http_default_limits.header_bytes;
	/* "Host: x\r\n" (9) + "X: " (3) + n + "\r\n" (2) + "\r\n" (2) */
	char *ok = repeat("GET / HTTP/1.1\r\nHost: x\r\nX: ", 'v', lim - 16, "\r\n\r\n");
	char *big = repeat("GET / HTTP/1.1\r\nHost: x\r\nX: ", 'v', lim - 15, "\r\n\r\n");
	char *endless = repeat("GET / HTTP/1.1\r\nHost: x\r\nX: ", 'v', lim, "");
	char many[2048] = "GET / HTTP/1.1\r\nHost: x\r\n";

	(void)state;
	assert_true(http_parse_request(ok, strlen(ok), &http_default_limits, &req) > 0);
	assert_int_equal(http_parse_request(big, strlen(big), &http_default_limits, &req), -431);
	assert_int_equal(http_parse_request(endless, strlen(endless), &http_default_limits, &req), -431);
	for (size_t i = 1; i < http_default_limits.header_count; i++)
		strcat(many, "A: b\r\n");
	strcat(many, "\r\n");
	assert_true(http_parse_request(many, strlen(many), &http_default_limits, &req) > 0);
	assert_int_equal(req.nheaders, http_default_limits.header_count);
	strcpy(many + strlen(many) - 2, "A: b\r\n\r\n");
	assert_int_equal(http_parse_request(many, strlen(many), &http_default_limits, &req), -431);
	free(ok);
	free(big);
	free(endless);
}

static void test_body_limit(void **state)
{
	struct http_request req;
	char head[128];
	size_t lim = http_default_limits.body;

	(void)state;
	snprintf(head, sizeof(head), "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", lim);
	/* The head alone: waits for the body, which may be exactly the limit. */
	assert_int_equal(http_parse_request(head, strlen(head), &http_default_limits, &req), 0);
	snprintf(head, sizeof(head), "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", lim + 1);
	assert_int_equal(http_parse_request(head, strlen(head), &http_default_limits, &req), -413);
}

static void test_find_header_and_reason(void **state)
{
	const char *t = "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer abc\r\n\r\n";
	struct http_request req;

	(void)state;
	assert_true(http_parse_request(t, strlen(t), &http_default_limits, &req) > 0);
	assert_true(http_str_equal(http_find_header(&req, "AUTHORIZATION")->value, "Bearer abc"));
	assert_null(http_find_header(&req, "cookie"));
	assert_string_equal(http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(http_reason(299), "Unknown");
}

/* JSON: escaping, nesting and commas, numbers, invalid UTF-8, overflow. */
static void test_json(void **state)
{
	char buf[256];
	struct json j;

	(void)state;
	json_init(&j, buf, sizeof(buf));
	json_object_begin(&j);
	json_kv_string(&j, "s", "a\"b\\c\n\x01\x7f" "caf\xc3\xa9 \xff\xc0\xaf");
	json_key(&j, "l");
	json_array_begin(&j);
	json_uint(&j, 0);
	json_int(&j, -42);
	json_int(&j, INT64_MIN);
	json_uint(&j, UINT64_MAX);
	json_bool(&j, true);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_end(&j);
	json_kv_bool(&j, "f", false);
	json_object_end(&j);
	assert_false(json_overflowed(&j));
	assert_string_equal(buf, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0001\\u007fcaf\xc3\xa9 \\ufffd\\ufffd\\ufffd\","
			    "\"l\":[0,-42,-9223372036854775808,18446744073709551615,true,{}],\"f\":false}");
	assert_int_equal(j.len, strlen(buf));

	json_init(&j, buf, 8);
	json_string(&j, "0123456789");
	assert_true(json_overflowed(&j));
	assert_true(strlen(buf) < 8);

	json_init(&j, buf, sizeof(buf));
	json_object_end(&j); /* unbalanced: refused, not underflowed */
	assert_true(json_overflowed(&j));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_leading_empty_lines),
		cmocka_unit_test(test_only_empty_lines),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_expect_continue),
		cmocka_unit_test(test_request_line_limit),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_find_header_and_reason),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
