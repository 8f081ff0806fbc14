/*
 * api: throttle, authentication and routing of one request, and the
 * response's head. The handlers are in api_handlers.c and api_files.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>
#include <carapace/fmt.h>
#include <carapace/http.h>
#include <carapace/json.h>

#include "api_impl.h"

static void response_reset(struct api_response *resp)
{
	resp->status = 500;
	resp->content_type = "application/json";
	resp->body_len = 0;
	resp->allow[0] = '\0';
	resp->authenticate = false;
	resp->retry_after = 0;
	resp->head_only = false;
	resp->after = API_AFTER_NOTHING;
	resp->date = 0;
}

void api_error_response(struct api_response *resp, int status, const char *message)
{
	struct json j;

	response_reset(resp);
	json_init(&j, resp->body, resp->body_size);
	json_object_begin(&j);
	json_kv_string(&j, "message", message);
	json_kv_uint(&j, "code", (uint64_t)status);
	json_object_end(&j);
	resp->status = status;
	resp->body_len = json_overflowed(&j) ? 0 : j.len;
}

void api_json_done(struct api_call *c, int status)
{
	if (json_overflowed(&c->json)) {
		api_error_response(c->resp, 500, "the response does not fit the API's buffer");
		return;
	}
	c->resp->status = status;
	c->resp->content_type = "application/json";
	c->resp->body_len = c->json.len;
}

void api_fail(struct api_call *c, int status, const char *message)
{
	api_error_response(c->resp, status, message);
}

int api_status_from_errno(int err)
{
	switch (err) {
	case -ENOENT: return 404;
	case -EACCES: case -EPERM: case -EROFS: return 403;
	case -EEXIST: return 409;
	case -EINVAL: case -EISDIR: case -ENOTDIR: case -ENAMETOOLONG: return 400;
	case -ENOSYS: return 503;
	case -ENOSPC: case -ENOMEM: return 507;
	default: return 500;
	}
}

/* "Bearer TOKEN": the scheme case-insensitive, one or more blanks, then the token. */
static bool bearer_token(const struct http_request *req, struct http_str *token)
{
	const struct http_header *h = http_find_header(req, "authorization");
	size_t i = 6;

	if (h == NULL || h->value.n <= 7 ||
	    !http_str_equal_nocase((struct http_str){ h->value.p, 6 }, "bearer"))
		return false;
	if (h->value.p[i] != ' ')
		return false;
	while (i < h->value.n && h->value.p[i] == ' ')
		i++;
	*token = (struct http_str){ h->value.p + i, h->value.n - i };
	return token->n > 0;
}

static bool route_matches(const struct api_route *r, struct http_str path,
			  struct http_str *rest)
{
	size_t n = strlen(r->path);

	if (r->prefix) {
		if (path.n < n || memcmp(path.p, r->path, n) != 0)
			return false;
		*rest = (struct http_str){ path.p + n, path.n - n };
		return true;
	}
	*rest = (struct http_str){ path.p + path.n, 0 };
	return http_str_equal(path, r->path);
}

/* The enabled route for method on path (HEAD finds GET's), its rest of the path in *rest. */
static const struct api_route *find_route(const struct api *api, const char *method,
					  struct http_str path, struct http_str *rest)
{
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *r = &api_routes[i];

		if ((!r->write || api->write) && strcmp(r->method, method) == 0 &&
		    route_matches(r, path, rest))
			return r;
	}
	return NULL;
}

/*
 * Whether the target has a current representation (If-Match: *,
 * If-None-Match: *): whether GET of the path answers 200. The GET
 * handlers only read; the answer is written into c's response and
 * dropped.
 */
static bool target_exists(struct api_call *c)
{
	struct http_request get = *c->req;
	struct api_call probe = *c;
	const struct api_route *r;

	get.method = (struct http_str){ "GET", 3 };
	probe.req = &get;
	if (!(r = find_route(c->api, "GET", get.path, &probe.rest)))
		return false;
	json_init(&probe.json, c->resp->body, c->resp->body_size);
	r->handler(&probe);
	bool exists = c->resp->status == 200;

	response_reset(c->resp);
	return exists;
}

/* Whether a conditional header's value is "*" (else a list of entity tags). */
static bool is_any(const struct http_header *h)
{
	return http_str_equal(h->value, "*");
}

/*
 * RFC 9110, 13.2.2: If-Match, then If-None-Match, evaluated before the
 * method acts (a MUST for an origin server). The API sends no ETag, so
 * no entity tag a client lists can match: If-Match with tags is false,
 * If-None-Match with tags true; "*" asks whether the target exists
 * (target_exists). False: 412 Precondition Failed, or 304 Not Modified
 * for If-None-Match on GET and HEAD. If-Modified-Since and
 * If-Unmodified-Since are ignored: no resource has a modification date
 * (13.1.3, 13.1.4). Returns whether the method may go on.
 */
static bool preconditions_hold(struct api_call *c)
{
	const struct http_header *match = http_find_header(c->req, "if-match");
	const struct http_header *none = http_find_header(c->req, "if-none-match");
	bool read = http_str_equal(c->req->method, "GET") || http_str_equal(c->req->method, "HEAD");

	if (match && !(is_any(match) && target_exists(c))) {
		api_fail(c, 412, "If-Match: the API issues no entity tags, or nothing is there");
		return false;
	}
	if (none && is_any(none) && target_exists(c)) {
		if (read) {
			response_reset(c->resp);
			/* No content, no Content-Length (RFC 9110, 8.6) nor Content-Type (15.4.5). */
			c->resp->status = 304;
			c->resp->content_type = NULL;
		} else {
			api_fail(c, 412, "If-None-Match: *: something is there already");
		}
		return false;
	}
	return true;
}

/*
 * The methods the API implements (RFC 9110, 15.6.2: any other is 501),
 * in the order an Allow list gives them. The set does not change with
 * api.write: without it PUT is still a method the server knows, which
 * the paths of /env do not allow (405).
 */
static const char *const known_methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS" };
#define KNOWN_METHODS (sizeof(known_methods) / sizeof(known_methods[0]))

static bool is_known_method(struct http_str method)
{
	for (size_t i = 0; i < KNOWN_METHODS; i++)
		if (http_str_equal(method, known_methods[i]))
			return true;
	return false;
}

/*
 * The Allow list (RFC 9110, 10.2.1) of the enabled routes that match path,
 * or of every enabled route for "*": their methods in known_methods'
 * order, HEAD with GET (9.3.2), and OPTIONS, which every path has.
 * Returns whether any route matched.
 */
static bool allowed_methods(const struct api *api, struct http_str path, char *out, size_t size)
{
	bool has[KNOWN_METHODS] = { false }, any = false, every = http_str_equal(path, "*");
	size_t len = 0;

	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *r = &api_routes[i];
		struct http_str rest;

		if ((r->write && !api->write) || !(every || route_matches(r, path, &rest)))
			continue;
		any = true;
		for (size_t m = 0; m < KNOWN_METHODS; m++)
			if (strcmp(r->method, known_methods[m]) == 0 ||
			    (strcmp(r->method, "GET") == 0 && strcmp(known_methods[m], "HEAD") == 0))
				has[m] = true;
	}
	has[KNOWN_METHODS - 1] = true; /* OPTIONS, the last */
	out[0] = '\0';
	for (size_t m = 0; m < KNOWN_METHODS; m++) {
		int n;

		if (!has[m])
			continue;
		n = fmt_snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "", known_methods[m]);
		if (n > 0 && (size_t)n < size - len)
			len += (size_t)n;
	}
	return any;
}

/*
 * OPTIONS (RFC 9110, 9.3.7): 200 with Allow and no content
 * ("Content-Length: 0"), for a path the routes have or "*" (the
 * server's methods); 404 for another path. Preconditions do not apply
 * to it (13.2.1).
 */
static void options(struct api_call *c)
{
	char allow[sizeof(c->resp->allow)];

	if (!allowed_methods(c->api, c->req->path, allow, sizeof(allow))) {
		api_fail(c, 404, "no such path");
		return;
	}
	response_reset(c->resp);
	c->resp->status = 200;
	c->resp->content_type = NULL;
	memcpy(c->resp->allow, allow, sizeof(allow));
}

/*
 * The route for the request, or NULL after answering 404 (no enabled
 * route has the path) or 405 with Allow (none of them has the method).
 */
static const struct api_route *find_route_or_fail(struct api_call *c)
{
	const struct api_route *found = NULL;
	char allow[sizeof(c->resp->allow)];
	bool path_known;

	for (size_t i = 0; i < api_nroutes && found == NULL; i++) {
		const struct api_route *r = &api_routes[i];

		if ((r->write && !c->api->write) || !route_matches(r, c->req->path, &c->rest))
			continue;
		/* HEAD is GET without the body (RFC 9110, 9.3.2). */
		if (http_str_equal(c->req->method, r->method) ||
		    (strcmp(r->method, "GET") == 0 && http_str_equal(c->req->method, "HEAD")))
			found = r;
	}
	if (found != NULL)
		return found;
	path_known = allowed_methods(c->api, c->req->path, allow, sizeof(allow));
	api_fail(c, path_known ? 405 : 404,
		 path_known ? "method not allowed on this path" : "no such path");
	if (path_known)
		memcpy(c->resp->allow, allow, sizeof(allow));
	return NULL;
}

static void route(struct api_call *c)
{
	const struct api_route *found;

	if (http_str_equal(c->req->method, "OPTIONS")) {
		options(c);
		return;
	}
	if ((found = find_route_or_fail(c)) == NULL || !preconditions_hold(c))
		return;
	json_init(&c->json, c->resp->body, c->resp->body_size);
	found->handler(c);
}

/*
 * What every request passes before its route: a method the API has (501
 * otherwise, whatever the path (15.6.2), before the token: like the
 * parser's refusals it tells nothing of the paths or state), then, unless
 * api.open, the throttle (429) and the token (401). False once answered.
 */
static bool admitted(struct api_call *c, const struct api_peer *peer)
{
	struct http_str token;
	unsigned wait_s;

	if (!is_known_method(c->req->method)) {
		api_error_response(c->resp, 501, "the API does not implement this method");
		return false;
	}
	if (c->api->open)
		return true;
	if (api_throttled(c->api, peer, c->now_ms, &wait_s)) {
		api_error_response(c->resp, 429, "too many failed attempts: wait");
		c->resp->retry_after = wait_s;
		return false;
	}
	if (!bearer_token(c->req, &token) || !api_token_matches(c->api, token.p, token.n)) {
		api_throttle_failure(c->api, peer, c->now_ms);
		api_error_response(c->resp, 401, "a valid 'Authorization: Bearer TOKEN' is required");
		c->resp->authenticate = true;
		return false;
	}
	api_throttle_success(c->api, peer);
	return true;
}

void api_handle(struct api *api, const struct http_request *req,
		const struct api_peer *peer, uint64_t now_ms,
		struct api_response *resp)
{
	struct api_call c = { .api = api, .req = req, .now_ms = now_ms, .resp = resp };

	response_reset(resp);
	if (admitted(&c, peer))
		route(&c);
	/* Whatever the answer, one to HEAD has no body: the client reads none. */
	resp->head_only = http_str_equal(req->method, "HEAD");
}

bool api_refuses_early(struct api *api, const struct http_request *req,
		       const struct api_peer *peer, uint64_t now_ms,
		       struct api_response *resp)
{
	struct api_call c = { .api = api, .req = req, .now_ms = now_ms, .resp = resp };
	bool refused;

	response_reset(resp);
	refused = !admitted(&c, peer) ||
		  (!http_str_equal(req->method, "OPTIONS") && find_route_or_fail(&c) == NULL);
	resp->head_only = http_str_equal(req->method, "HEAD");
	return refused;
}

/* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" (RFC 9110's IMF-fixdate), or "" without a clock. */
static void format_date(int64_t s, char *buf, size_t size)
{
	static const char days[7][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t day = s / 86400, y;
	unsigned m, d, sod = (unsigned)(s % 86400);

	buf[0] = '\0';
	if (s <= 0)
		return;
	api_civil_from_days(day, &y, &m, &d);
	fmt_snprintf(buf, size, "Date: %s, %02u %s %04lld %02u:%02u:%02u GMT\r\n",
		     days[day % 7], d, months[m - 1], (long long)y, sod / 3600,
		     sod / 60 % 60, sod % 60);
}

size_t api_format_head(const struct api_response *resp, bool keep_alive,
		       char *buf, size_t size)
{
	char extra[128], date[48], length[40] = "", type[64] = "";
	int n = 0;

	extra[0] = '\0';
	format_date(resp->date, date, sizeof(date));
	/* None for 204 and 304 (RFC 9110, 8.6: a 304's would have to be a 200's length). */
	if (resp->status != 204 && resp->status != 304)
		fmt_snprintf(length, sizeof(length), "Content-Length: %zu\r\n", resp->body_len);
	if (resp->content_type != NULL)
		fmt_snprintf(type, sizeof(type), "Content-Type: %s\r\n", resp->content_type);
	/* The 405's list, or OPTIONS's answer. */
	if (resp->allow[0] != '\0')
		n = fmt_snprintf(extra, sizeof(extra), "Allow: %s\r\n", resp->allow);
	else if (resp->authenticate)
		n = fmt_snprintf(extra, sizeof(extra),
				 "WWW-Authenticate: Bearer realm=\"carapace\"\r\n");
	else if (resp->retry_after > 0)
		n = fmt_snprintf(extra, sizeof(extra), "Retry-After: %u\r\n",
				 resp->retry_after);
	if (n < 0 || (size_t)n >= sizeof(extra))
		return 0;
	n = fmt_snprintf(buf, size,
			 "HTTP/1.1 %d %s\r\n"
			 "%s"
			 "%s"
			 "%s"
			 "Connection: %s\r\n"
			 "Cache-Control: no-store\r\n"
			 "X-Content-Type-Options: nosniff\r\n"
			 "%s\r\n",
			 resp->status, http_reason(resp->status), date, type, length,
			 keep_alive ? "keep-alive" : "close", extra);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}
