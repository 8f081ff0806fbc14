/*
 * http: a strict HTTP/1.1 request parser for the REST API (kernel/api;
 * portable: also built on the host, in the unit tests and the fuzzer).
 *
 * The parser is handed everything received so far on a connection and
 * either finds one whole request at its start (head and body), asks for
 * more bytes, or names the HTTP status that refuses it. It never writes to
 * the buffer: the request's strings point into it, with their lengths.
 *
 * Strict means: CRLF line ends only, no obsolete line folding, header names
 * made of RFC 9110 token characters, values without control characters,
 * one Content-Length at most, or Transfer-Encoding: chunked alone (not
 * with Content-Length, not in HTTP/1.0), Host required in HTTP/1.1 and valid (uri-host[:port]),
 * HTTP/1.x only (1.2 and up served as 1.1). The request target is the
 * origin form or the absolute form with the http scheme (RFC 9112, 3.2),
 * without a fragment (#); "*" with OPTIONS only (path "*"), "host:port"
 * with CONNECT only (path empty).
 */
#ifndef CARAPACE_HTTP_H
#define CARAPACE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 32

struct http_limits {
	size_t request_line; /* bytes of the request line, CRLF included */
	size_t header_bytes; /* bytes of all header lines, CRLFs included */
	size_t header_count;  /* at most HTTP_MAX_HEADERS */
	size_t body;          /* bytes of the body (Content-Length) */
	size_t empty_lines;   /* empty lines (CRLF) skipped before a request line; one more is 400 */
	size_t method;        /* bytes of a method; a longer one is 501 (RFC 9112, 3.1) */
};

/* The API's limits (kernel/api/README.md, "Limits"). */
extern const struct http_limits http_default_limits;

struct http_str {
	const char *p;
	size_t n;
};

struct http_header {
	struct http_str name;
	struct http_str value; /* leading and trailing blanks removed */
};

struct http_request {
	struct http_str method;
	struct http_str target; /* origin-form ("/a?b"), absolute-form ("http://h/a?b"), "*", "h:443" */
	struct http_str path;   /* the target's path ("/" for "http://h", "*", "" for CONNECT), up to '?' */
	struct http_str query;  /* after '?', empty when none */
	/* The absolute or authority form's authority, else Host's value (RFC 9112, 3.2.2); may be empty. */
	struct http_str host;
	unsigned version_minor; /* 0 (HTTP/1.0) or 1 (HTTP/1.1, and 1.2 to 1.9 as 1.1) */
	size_t nheaders;
	struct http_header headers[HTTP_MAX_HEADERS];
	struct http_str body;
	bool keep_alive;        /* HTTP/1.1 unless "close"; 1.0 only with "keep-alive" */
	/*
	 * Set when 0 is returned for a whole, valid HTTP/1.1 head that asks
	 * "Expect: 100-continue" and whose body has not all arrived: the
	 * server answers "100 Continue" (RFC 9110, 10.1.1) once.
	 */
	bool expect_continue;
	/*
	 * Transfer-Encoding: chunked (RFC 9112, 7.1): body is the chunked
	 * body as sent, checked whole; http_dechunk makes it the data.
	 */
	bool chunked;
	/* When a request is refused with 400: why, for the error's message (else NULL). */
	const char *error;
};

/*
 * Parses the request at the start of buf[0..len). Returns the number of
 * bytes it takes (head and body: the next request starts there), 0 when
 * more bytes are needed, or minus an HTTP status: -400 malformed (for the
 * target's, Host's and the empty lines' faults req->error says why), -414
 * request line too long, -431 header section too long or too many headers,
 * -413 body too long (a chunked one: its bytes as sent), -501 a transfer
 * coding other than chunked or a method longer than lim->method, -505 a
 * major version other than 1 (HTTP/1.2 to 1.9 are taken as 1.1). A limit
 * is checked as soon as the bytes seen exceed it, so a sender cannot make
 * the server hold more than the limits allow. Up to lim->empty_lines
 * empty lines before the request line are taken with it.
 */
long http_parse_request(const char *buf, size_t len,
			const struct http_limits *lim, struct http_request *req);

/*
 * Whether buf[0..len) holds empty lines only (CRLFs, perhaps the CR of
 * one more): what a client may send after a body (RFC 9112, 2.2), not yet
 * the start of a request. True for len 0.
 */
bool http_only_empty_lines(const char *buf, size_t len);

/*
 * A chunked body as http_parse_request took it (req->chunked; it checked
 * the framing): the chunks' data joined in place at its start. Returns
 * the data's length (never more than n).
 */
size_t http_dechunk(char *body, size_t n);

/* The first header named name (case-insensitive), or NULL. */
const struct http_header *http_find_header(const struct http_request *req,
					   const char *name);

/* Case-insensitive comparison of s with the NUL-terminated lit. */
bool http_str_equal_nocase(struct http_str s, const char *lit);
bool http_str_equal(struct http_str s, const char *lit);

/* The reason phrase of a status ("Not Found"), "Unknown" for others. */
const char *http_reason(int status);

#endif
