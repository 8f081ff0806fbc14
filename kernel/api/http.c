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
	.empty_lines = 8,
	.method = 16,
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
	/* s.p may be NULL when s is empty (a request without Host: its host). */
	return s.n == strlen(lit) && (s.n == 0 || memcmp(s.p, lit, s.n) == 0);
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

/* RFC 3986's unreserved and sub-delims, and '%' of a pct-encoded: a reg-name's characters. */
static bool is_reg_name_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-._~%!$&'()*+,;=", c) != NULL;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Whether s is uri-host [":" port] (RFC 9110, 7.2 and 4.2.1): a reg-name
 * or IPv4 address, or an IPv6 literal in brackets, then digits after a
 * colon. No userinfo ("u@h"): an http URI's authority must not carry one.
 * An empty host passes only when may_be_empty (Host's value may be empty).
 */
static bool is_host_port(struct http_str s, bool may_be_empty)
{
	size_t i = 0;

	if (s.n > 0 && s.p[0] == '[') {
		for (i = 1; i < s.n && (is_hex(s.p[i]) || s.p[i] == ':' || s.p[i] == '.'); i++)
			;
		if (i == 1 || i >= s.n || s.p[i] != ']')
			return false;
		i++;
	} else {
		while (i < s.n && is_reg_name_char(s.p[i]))
			i++;
		if (i == 0 && !may_be_empty)
			return false;
	}
	if (i == s.n)
		return true;
	if (s.p[i] != ':')
		return false;
	for (i++; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return true;
}

/*
 * The request target (RFC 9112, 3.2): the origin form "/path?query", or
 * the absolute form "http://authority/path?query", whose path and query
 * are routed the same way and whose authority replaces Host (3.2.2). The
 * asterisk form "*" only with OPTIONS (3.2.4; its path is "*"), the
 * authority form "host:port" only with CONNECT (3.2.3; its path is empty,
 * its authority replaces Host): both are forms a server must be able to
 * read, whatever it then answers.
 */
static int parse_target(struct http_str t, struct http_request *req)
{
	static const char root[] = "/";
	size_t i, plen = 0;
	struct http_str rest = t;

	/* A fragment is the client's own (RFC 9110, 4.2.5): never part of a request target. */
	for (i = 0; i < t.n; i++)
		if (t.p[i] == '#') {
			req->error = "the request target has a fragment (#...)";
			return -400;
		}
	if (http_str_equal(req->method, "OPTIONS") && http_str_equal(t, "*")) {
		req->path = t;
		req->query = (struct http_str){ t.p + t.n, 0 };
		return 0;
	}
	if (http_str_equal(req->method, "CONNECT")) {
		/* uri-host ":" port (RFC 9110, 9.3.6): the port is not optional. */
		for (i = t.n; i > 0 && t.p[i - 1] >= '0' && t.p[i - 1] <= '9'; i--)
			;
		if (i == t.n || i < 2 || t.p[i - 1] != ':' || !is_host_port(t, false)) {
			req->error = "CONNECT's request target is not host:port";
			return -400;
		}
		req->host = t;
		req->path = req->query = (struct http_str){ t.p + t.n, 0 };
		return 0;
	}
	i = 0;
	if (t.p[0] != '/') {
		while (i < t.n && t.p[i] != ':' && t.p[i] != '/' && t.p[i] != '?')
			i++;
		if (i == t.n || t.p[i] != ':') {
			req->error = "the request target is neither /path nor http://host/path";
			return -400;
		}
		if (!http_str_equal_nocase((struct http_str){ t.p, i }, "http")) {
			req->error = "the request target's scheme is not http";
			return -400;
		}
		if (t.n - i < 3 || t.p[i + 1] != '/' || t.p[i + 2] != '/') {
			req->error = "the request target has no authority (http://host...)";
			return -400;
		}
		rest = (struct http_str){ t.p + i + 3, t.n - i - 3 };
		for (i = 0; i < rest.n && rest.p[i] != '/' && rest.p[i] != '?'; i++)
			;
		req->host = (struct http_str){ rest.p, i };
		if (!is_host_port(req->host, false)) {
			req->error = "the request target's authority is not host[:port]";
			return -400;
		}
		rest = (struct http_str){ rest.p + i, rest.n - i };
	}
	while (plen < rest.n && rest.p[plen] != '?')
		plen++;
	/*
	 * "http://h" and "http://h?q" have an empty path: "/" (RFC 9110,
	 * 4.2.3), but "*" for OPTIONS (RFC 9112, 3.2.4: the server's options).
	 */
	if (plen > 0)
		req->path = (struct http_str){ rest.p, plen };
	else
		req->path = (struct http_str){ http_str_equal(req->method, "OPTIONS") ? "*" : root, 1 };
	req->query = plen < rest.n
		? (struct http_str){ rest.p + plen + 1, rest.n - plen - 1 }
		: (struct http_str){ rest.p + plen, 0 };
	return 0;
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
	if (i == start || i >= n || p[i] != ' ')
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
	if (p[i + 7] < '0' || p[i + 7] > '9')
		return -400;
	/* HTTP/1.2 to 1.9: as 1.1, the highest minor version served (RFC 9112, 2.3). */
	req->version_minor = p[i + 7] == '0' ? 0 : 1;
	return parse_target(req->target, req);
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

/*
 * The next element of the comma-separated list v from *at (RFC 9110,
 * 5.6.1: blanks around it trimmed, empty elements skipped): false at the
 * list's end.
 */
static bool next_element(struct http_str v, size_t *at, struct http_str *element)
{
	size_t i = *at, start, end;

	while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
		i++;
	if (i == v.n)
		return false;
	start = i;
	while (i < v.n && v.p[i] != ',')
		i++;
	for (end = i; end > start && (v.p[end - 1] == ' ' || v.p[end - 1] == '\t'); end--)
		;
	*element = (struct http_str){ v.p + start, end - start };
	*at = i;
	return true;
}

/* Whether the comma-separated list v (Connection: TE, close) holds the token lit. */
static bool has_token(struct http_str v, const char *lit)
{
	struct http_str t;

	for (size_t i = 0; next_element(v, &i, &t);)
		if (http_str_equal_nocase(t, lit))
			return true;
	return false;
}

/*
 * Transfer-Encoding's list of codings (RFC 9112, 6.1): chunked alone is
 * the one understood (req->chunked). Chunked not last, or twice: the
 * body's length cannot be known, 400 (a MUST); chunked last after
 * another coding (gzip, chunked): a coding not understood, 501.
 */
static int parse_transfer_coding(struct http_str v, struct http_request *req)
{
	size_t codings = 0, chunked_at = 0, chunked = 0;
	struct http_str coding;

	for (size_t i = 0; next_element(v, &i, &coding);) {
		codings++;
		if (http_str_equal_nocase(coding, "chunked")) {
			chunked++;
			chunked_at = codings;
		}
	}
	if (chunked != 1 || chunked_at != codings) {
		req->error = "Transfer-Encoding does not end with chunked (once)";
		return -400;
	}
	if (codings > 1) {
		req->error = "a transfer coding other than chunked";
		return -501;
	}
	req->chunked = true;
	return 0;
}

static unsigned hex_value(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/*
 * A chunked body (RFC 9112, 7.1) at p[0..len): chunks ("size[;ext]" CRLF
 * data CRLF), the last chunk ("0[;ext]" CRLF), trailer field lines
 * (checked as header lines, then ignored) and an empty line. All of its
 * bytes as sent count against limit, so the data does too. Returns its
 * length as sent, 0 when more bytes are needed, -400 (req->error says
 * where) or -413.
 */
static long chunked_length(const char *p, size_t len, size_t limit, struct http_request *req)
{
	size_t i = 0;
	long eol;

	for (;;) {
		size_t size = 0, digits_at = i;

		for (; i < len && is_hex(p[i]); i++) {
			size = size * 16 + hex_value(p[i]);
			if (size > limit)
				return -413;
		}
		if (i == len)
			return len >= limit ? -413 : 0;
		if (i == digits_at) {
			req->error = "a chunk's size is not hexadecimal";
			return -400;
		}
		eol = find_crlf(p, i, len);
		if (eol == -1)
			return len >= limit ? -413 : 0;
		/* chunk-ext: BWS ";" and then name[=value]s, kept to visible text. */
		for (size_t j = i; eol >= 0 && j < (size_t)eol; j++)
			if (!is_value_char(p[j]) || (j == i && p[j] != ';' && p[j] != ' ' && p[j] != '\t'))
				eol = -2;
		if (eol == -2) {
			req->error = "a chunk's size line is malformed";
			return -400;
		}
		i = (size_t)eol + 2;
		/* Past the limit once this chunk's data and CRLF come: refused now. */
		if (i > limit || size + 2 > limit - i)
			return -413;
		if (size == 0)
			break;
		if (len - i < size + 2)
			return len >= limit ? -413 : 0;
		i += size;
		if (p[i] != '\r' || p[i + 1] != '\n') {
			req->error = "a chunk's data does not end with CRLF";
			return -400;
		}
		i += 2;
		if (i > limit)
			return -413;
	}
	for (;;) {
		struct http_header trailer;
		size_t start = i;

		eol = find_crlf(p, i, len);
		if (eol == -1)
			return len >= limit ? -413 : 0;
		if (eol == -2 || ((size_t)eol > start &&
				  parse_header_line(p + start, (size_t)eol - start, &trailer) < 0)) {
			req->error = "a trailer line is malformed";
			return -400;
		}
		i = (size_t)eol + 2;
		if (i > limit)
			return -413;
		if ((size_t)eol == start)
			break; /* the empty line: the body's end */
	}
	return (long)i;
}

size_t http_dechunk(char *body, size_t n)
{
	size_t in = 0, out = 0;

	for (;;) {
		size_t size = 0;

		while (in < n && is_hex(body[in]))
			size = size * 16 + hex_value(body[in++]);
		while (in + 1 < n && !(body[in] == '\r' && body[in + 1] == '\n'))
			in++; /* the chunk-ext */
		in += 2;
		if (size == 0 || in + size > n)
			return out;
		memmove(body + out, body + in, size);
		out += size;
		in += size + 2;
	}
}

/*
 * The headers' meaning: length, Host, keep-alive; a second Content-Length,
 * Host or Authorization is refused.
 */
static int check_headers(struct http_request *req, const struct http_limits *lim,
			 size_t *body_len)
{
	bool have_length = false, have_host = false, have_auth = false, have_coding = false;
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
			if (req->chunked || have_coding) {
				req->error = "two Transfer-Encoding headers";
				return -400;
			}
			have_coding = true;
			rc = parse_transfer_coding(h->value, req);
			if (rc < 0)
				return rc;
		} else if (http_str_equal_nocase(h->name, "host")) {
			/* RFC 9112, 3.2: a second Host or an invalid one MUST be 400. */
			if (have_host) {
				req->error = "two Host headers";
				return -400;
			}
			if (!is_host_port(h->value, true)) {
				req->error = "Host is not host[:port]";
				return -400;
			}
			have_host = true;
			/* The absolute and authority forms' authority replaces it (3.2.2). */
			if (req->host.p == NULL)
				req->host = h->value;
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
	/*
	 * RFC 9112, 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; with
	 * Content-Length too, a server may refuse (a request smuggling's
	 * shape: which length a proxy before it took is unknown). Both 400.
	 */
	if (have_coding && req->version_minor == 0) {
		req->error = "Transfer-Encoding in an HTTP/1.0 request";
		return -400;
	}
	if (have_coding && have_length) {
		req->error = "both Content-Length and Transfer-Encoding";
		return -400;
	}
	/* Even with the absolute form (RFC 9112, 3.2: "any HTTP/1.1 request"). */
	if (req->version_minor == 1 && !have_host) {
		req->error = "HTTP/1.1 needs a Host header";
		return -400;
	}
	return 0;
}

/* The request at the start of buf (no empty line before it); see http_parse_request. */
static long parse_request(const char *buf, size_t len, const struct http_limits *lim,
			  struct http_request *req)
{
	long eol;
	size_t pos, head_start, body_len, m = 0, line_end;
	int rc;

	eol = find_crlf(buf, 0, len);
	if (eol == -2)
		return -400;
	/*
	 * A method is tchars and a blank: refused at its first wrong byte (a
	 * TLS handshake, a binary probe), not after the request timeout; and
	 * when longer than any implemented (RFC 9112, 3.1: SHOULD be 501),
	 * before the line's length is looked at, so the answer does not
	 * depend on how the line arrived.
	 */
	line_end = eol == -1 ? len : (size_t)eol;
	while (m < line_end && is_tchar(buf[m]))
		m++;
	if (m < line_end && buf[m] != ' ')
		return -400;
	if (m > lim->method) {
		req->error = "the method is longer than any this server implements";
		return -501;
	}
	if (eol == -1)
		return len >= lim->request_line ? -414 : 0;
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
	if (req->chunked) {
		long raw = chunked_length(buf + pos, len - pos, lim->body, req);

		if (raw < 0)
			return raw;
		body_len = raw > 0 ? (size_t)raw : SIZE_MAX; /* 0: not whole yet */
	}
	if (len - pos < body_len) {
		const struct http_header *e = http_find_header(req, "expect");

		req->expect_continue = req->version_minor == 1 && e != NULL &&
				       http_str_equal_nocase(e->value, "100-continue");
		return 0;
	}
	req->body = (struct http_str){ buf + pos, body_len };
	return (long)(pos + body_len);
}

long http_parse_request(const char *buf, size_t len,
			const struct http_limits *lim, struct http_request *req)
{
	size_t skip = 0, lines = 0;
	long rc;

	memset(req, 0, sizeof(*req));
	/*
	 * RFC 9112, 2.2: empty lines before the request line are ignored
	 * (a client may send a CRLF after a body), up to lim->empty_lines:
	 * a stream of them is 400 once past it, not a connection held.
	 */
	while (len - skip >= 2 && buf[skip] == '\r' && buf[skip + 1] == '\n') {
		if (++lines > lim->empty_lines) {
			req->error = "too many empty lines before the request line";
			return -400;
		}
		skip += 2;
	}
	if (len - skip == 1 && buf[skip] == '\r')
		return 0; /* the CR of one more empty line, or of a bare CR: wait */
	rc = parse_request(buf + skip, len - skip, lim, req);
	return rc > 0 ? rc + (long)skip : rc;
}

bool http_only_empty_lines(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		if (buf[i] != '\r' || (i + 1 < len && buf[i + 1] != '\n'))
			return false;
	return true;
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
		{ 304, "Not Modified" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 412, "Precondition Failed" }, { 413, "Content Too Large" },
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
