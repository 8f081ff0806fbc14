/*
 * Fuzzes the REST API's input handling as the server drives it: the input
 * (after one byte of settings) is the byte stream a client sends on one
 * connection. Requests are parsed off its front one after another, as the
 * server's loop does, and each is answered by api_handle against the fake
 * platform of tests/unit/api_fake.c: authentication, the throttle, the
 * router and every handler, with headers, paths and bodies from the input.
 *
 * The settings byte: bit 0 api.write=on; bit 1 a one-character token "T"
 * (so the fuzzer reaches the handlers; the leak check of the long token is
 * then skipped). Checks: the parser's consumption stays in bounds, the
 * body fits its buffer, a head can always be formatted, the status is one
 * the API documents, a 405 and an answer to OPTIONS carry Allow (the
 * latter no content), what the server takes for empty lines only is never
 * a whole request, the long token never comes back, and the fake's
 * planted address never appears outside /file and /env (which return what
 * a client stored).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>
#include <carapace/http.h>

#include "../tests/unit/api_fake.c"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static bool contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return true;
	return false;
}

static bool starts_with(struct http_str s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

static const int statuses[] = {
	200, 201, 304, 400, 401, 403, 404, 405, 409, 412, 413, 414, 429, 431, 500, 501, 503, 505, 507,
};

static bool documented(int status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i] == status)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_kernel k;
	static struct api_platform plat;
	static struct api api;
	static char body[16384];
	char head[512];
	struct api_response resp = { .body = body, .body_size = sizeof(body) };
	struct api_peer peer = { { 0 } };
	bool short_token;
	uint64_t now = 0;

	if (size < 1)
		return 0;
	short_token = data[0] & 2;
	fake_platform_init(&plat, &k);
	CHECK(api_init(&api, &plat, data[0] & 1, short_token ? "T" : FAKE_TOKEN,
		       short_token ? 1 : strlen(FAKE_TOKEN), "/etc/api-token") == 0);
	/* A copy the server's way: its own buffer, where a chunked body is joined in place. */
	static char in[1 << 20];
	char *buf = in;
	size_t len = size - 1 < sizeof(in) ? size - 1 : sizeof(in);

	memcpy(in, data + 1, len);

	while (len > 0) {
		struct http_request req;
		long rc = http_parse_request(buf, len, &http_default_limits, &req);

		/* The server's idle clock runs on what it takes for empty lines only. */
		CHECK(!(rc > 0 && http_only_empty_lines(buf, len)));
		if (rc == 0) {
			/* As the server does for "Expect: 100-continue": an early refusal or none. */
			if (req.expect_continue && api_refuses_early(&api, &req, &peer, now, &resp)) {
				CHECK(resp.status == 401 || resp.status == 404 || resp.status == 405 ||
				      resp.status == 429 || resp.status == 501);
				CHECK(resp.status != 405 || resp.allow[0] != '\0');
				CHECK(api_format_head(&resp, false, head, sizeof(head)) > 0);
			}
			break;
		}
		if (rc < 0) {
			CHECK(rc == -400 || rc == -413 || rc == -414 || rc == -431 ||
			      rc == -501 || rc == -505);
			api_error_response(&resp, (int)-rc, http_reason((int)-rc));
			CHECK(api_format_head(&resp, false, head, sizeof(head)) > 0);
			break;
		}
		CHECK((size_t)rc <= len);
		if (req.chunked) {
			size_t sent = req.body.n;

			CHECK(req.body.p >= buf && req.body.p + sent <= buf + rc);
			req.body.n = http_dechunk(buf + (req.body.p - buf), sent);
			CHECK(req.body.n <= sent && req.body.n <= http_default_limits.body);
		}
		api_handle(&api, &req, &peer, now, &resp);
		CHECK(resp.body_len <= resp.body_size);
		CHECK(documented(resp.status));
		/* RFC 9110, 15.5.6: a 405 MUST carry Allow; so does OPTIONS's answer, without content. */
		CHECK(resp.status != 405 || resp.allow[0] != '\0');
		if (http_str_equal(req.method, "OPTIONS") && resp.status == 200)
			CHECK(resp.allow[0] != '\0' && resp.body_len == 0);
		CHECK(api_format_head(&resp, req.keep_alive, head, sizeof(head)) > 0);
		if (!short_token) {
			CHECK(!contains(body, resp.body_len, FAKE_TOKEN));
			CHECK(!contains(head, strlen(head), FAKE_TOKEN));
		}
		if (!starts_with(req.path, "/file/") && !starts_with(req.path, "/env/"))
			CHECK(!contains(body, resp.body_len, FAKE_ADDR_TEXT));
		now += 250;
		buf += rc;
		len -= (size_t)rc;
	}
	return 0;
}
