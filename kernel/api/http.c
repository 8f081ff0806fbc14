/*
 * http: the strict HTTP/1.1 request parser (see carapace/http.h).
 *
 * The request is decoded completely before anything acts on it (the shape
 * of a trust boundary in style.md): the router only ever sees a request
 * that passed every check here.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/http.h>

const struct http_limits http_default_limits = {
	.request_line = 1024,
	.header_bytes = 4096,
	.header_count = 24,
	.body = 64 * 1024,
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

bool http_str_equal_nocase(struct http_str s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != lower(lit[i]))
			return false;
	return true;
}

bool http_str_equal(struct http_str s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* RFC 9110's tchar: the characters of a method or a header name. */
static bool is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A request target: visible ASCII, no spaces, no controls. */
static bool is_target_char(char c)
{
	return (unsigned char)c > 0x20 && (unsigned char)c < 0x7f;
}

/* A field value: visible characters, blanks and obs-text, no controls. */
static bool is_value_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u == '\t' || (u >= 0x20 && u != 0x7f);
}

/* The offset of the first CRLF in buf[from..len), or -1; a bare CR or LF is -2. */
static long find_crlf(const char *buf, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++) {
		if (buf[i] == '\n')
			return -2;
		if (buf[i] == '\r') {
			if (i + 1 == len)
				return -1;
			return buf[i + 1] == '\n' ? (long)i : -2;
		}
	}
	return -1;
}

static int parse_request_line(const char *p, size_t n, struct http_request *req)
{
	size_t i = 0, start;

	for (start = i; i < n && is_tchar(p[i]); i++)
		;
	if (i == start || i >= n || p[i] != ' ')
		return -400;
	req->method = (struct http_str){ p + start, i - start };
	start = ++i;
	for (; i < n && is_target_char(p[i]); i++)
		;
	if (i == start || i >= n || p[i] != ' ' || p[start] != '/')
		return -400;
	req->target = (struct http_str){ p + start, i - start };
	i++;
	if (n - i != 8 || memcmp(p + i, "HTTP/1.", 7) != 0) {
		if (n - i == 8 && memcmp(p + i, "HTTP/", 5) == 0 &&
		    p[i + 5] >= '0' && p[i + 5] <= '9' && p[i + 6] == '.' &&
		    p[i + 7] >= '0' && p[i + 7] <= '9')
			return -505;
		return -400;
	}
	if (p[i + 7] != '0' && p[i + 7] != '1')
		return p[i + 7] >= '2' && p[i + 7] <= '9' ? -505 : -400;
	req->version_minor = (unsigned)(p[i + 7] - '0');

	size_t plen = 0;

	while (plen < req->target.n && req->target.p[plen] != '?')
		plen++;
	req->path = (struct http_str){ req->target.p, plen };
	req->query = plen < req->target.n
		? (struct http_str){ req->target.p + plen + 1, req->target.n - plen - 1 }
		: (struct http_str){ req->target.p + plen, 0 };
	return 0;
}

static int parse_header_line(const char *p, size_t n, struct http_header *h)
{
	size_t i = 0, vs, ve;

	while (i < n && is_tchar(p[i]))
		i++;
	/* An empty name, a blank before the colon or a folded line. */
	if (i == 0 || i >= n || p[i] != ':')
		return -400;
	h->name = (struct http_str){ p, i };
	for (vs = i + 1; vs < n && (p[vs] == ' ' || p[vs] == '\t'); vs++)
		;
	for (ve = n; ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'); ve--)
		;
	for (size_t j = vs; j < ve; j++)
		if (!is_value_char(p[j]))
			return -400;
	h->value = (struct http_str){ p + vs, ve - vs };
	return 0;
}

/* Content-Length: decimal digits only, checked against the limit as it grows. */
static int parse_content_length(struct http_str v, size_t limit, size_t *out)
{
	size_t n = 0;

	if (v.n == 0)
		return -400;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -400;
		n = n * 10 + (size_t)(v.p[i] - '0');
		if (n > limit)
			return -413;
	}
	*out = n;
	return 0;
}

/* Whether the comma-separated list v (Connection: TE, close) holds the token lit. */
static bool has_token(struct http_str v, const char *lit)
{
	size_t i = 0;

	while (i < v.n) {
		size_t start, end;

		while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
			i++;
		start = i;
		while (i < v.n && v.p[i] != ',')
			i++;
		end = i;
		while (end > start && (v.p[end - 1] == ' ' || v.p[end - 1] == '\t'))
			end--;
		struct http_str t = { v.p + start, end - start };

		if (t.n > 0 && http_str_equal_nocase(t, lit))
			return true;
	}
	return false;
}

/*
 * The headers' meaning: length, Host, keep-alive; a second Content-Length,
 * Host or Authorization is refused.
 */
static int check_headers(struct http_request *req, const struct http_limits *lim,
			 size_t *body_len)
{
	bool have_length = false, have_host = false, have_auth = false;
	int rc;

	*body_len = 0;
	req->keep_alive = req->version_minor == 1;
	for (size_t i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (http_str_equal_nocase(h->name, "content-length")) {
			if (have_length)
				return -400;
			have_length = true;
			rc = parse_content_length(h->value, lim->body, body_len);
			if (rc < 0)
				return rc;
		} else if (http_str_equal_nocase(h->name, "transfer-encoding")) {
			return -501;
		} else if (http_str_equal_nocase(h->name, "host")) {
			if (have_host)
				return -400;
			have_host = true;
		} else if (http_str_equal_nocase(h->name, "authorization")) {
			/* Two credentials: which one counts would be a guess. */
			if (have_auth)
				return -400;
			have_auth = true;
		} else if (http_str_equal_nocase(h->name, "connection")) {
			if (has_token(h->value, "close"))
				req->keep_alive = false;
			else if (has_token(h->value, "keep-alive"))
				req->keep_alive = true;
		}
	}
	if (req->version_minor == 1 && !have_host)
		return -400;
	return 0;
}

long http_parse_request(const char *buf, size_t len,
			const struct http_limits *lim, struct http_request *req)
{
	long eol;
	size_t pos, head_start, body_len;
	int rc;

	memset(req, 0, sizeof(*req));
	eol = find_crlf(buf, 0, len);
	if (eol == -2)
		return -400;
	if (eol == -1) {
		/*
		 * A method is tchars and a blank: refused at its first wrong
		 * byte (a TLS handshake, a binary probe), not after the
		 * request timeout.
		 */
		size_t m = 0;

		while (m < len && is_tchar(buf[m]))
			m++;
		if (m < len && buf[m] != ' ')
			return -400;
		return len >= lim->request_line ? -414 : 0;
	}
	if ((size_t)eol + 2 > lim->request_line)
		return -414;
	rc = parse_request_line(buf, (size_t)eol, req);
	if (rc < 0)
		return rc;
	head_start = pos = (size_t)eol + 2;
	for (;;) {
		eol = find_crlf(buf, pos, len);
		if (eol == -2)
			return -400;
		if (eol == -1)
			return len - head_start >= lim->header_bytes ? -431 : 0;
		if ((size_t)eol + 2 - head_start > lim->header_bytes)
			return -431;
		if ((size_t)eol == pos)
			break;
		if (req->nheaders >= lim->header_count || req->nheaders >= HTTP_MAX_HEADERS)
			return -431;
		rc = parse_header_line(buf + pos, (size_t)eol - pos,
				       &req->headers[req->nheaders++]);
		if (rc < 0)
			return rc;
		pos = (size_t)eol + 2;
	}
	pos += 2;
	rc = check_headers(req, lim, &body_len);
	if (rc < 0)
		return rc;
	if (len - pos < body_len) {
		const struct http_header *e = http_find_header(req, "expect");

		req->expect_continue = req->version_minor == 1 && e != NULL &&
				       http_str_equal_nocase(e->value, "100-continue");
		return 0;
	}
	req->body = (struct http_str){ buf + pos, body_len };
	return (long)(pos + body_len);
}

const struct http_header *http_find_header(const struct http_request *req,
					   const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (http_str_equal_nocase(req->headers[i].name, name))
			return &req->headers[i];
	return NULL;
}

const char *http_reason(int status)
{
	static const struct { int status; const char *reason; } reasons[] = {
		{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" }, { 505, "HTTP Version Not Supported" },
		{ 507, "Insufficient Storage" },
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}
