/*
 * api: the REST API's portable core (kernel/api; also built on the host in
 * the unit tests and the fuzzer). See kernel/api/README.md for every
 * endpoint, what it reveals and why.
 *
 * The server (kernel-only glue) hands each parsed request to api_handle,
 * which checks the peer's throttle, the Bearer token and the route, and
 * writes the status and body into an api_response. Everything the handlers
 * learn about the kernel comes through struct api_platform, so the tests
 * and the fuzzer run them against fakes.
 */
#ifndef CARAPACE_API_H
#define CARAPACE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/http.h>

#define API_TOKEN_MAX 128       /* bytes of a token (from the file or drawn) */
#define API_TOKEN_MIN 16        /* a token file's token must be at least this long */
#define API_PATH_MAX 256        /* a decoded /file or /env name */
#define API_PEERS 64            /* peers the throttle remembers */
#define API_FREE_FAILURES 5     /* failed tokens before a peer is slowed down */
#define API_MAX_DELAY_MS 60000u /* the longest a throttled peer waits */

struct api_thread_info {
	uint64_t id;
	unsigned cpu;
	uint64_t cpu_ms, switches, migrations, preemptions;
	int priority;
	uint64_t stack_size;
	const char *name;
	const char *status;
};

struct api_netif_info {
	const char *name;
	uint8_t mac[6];
	uint32_t addr, mask, broadcast; /* IPv4, host order; 0 when none */
	unsigned mtu;
	bool up;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_drops, tx_drops;
};

struct api_fs_info {
	const char *filesystem, *mount;
	uint64_t blocksize, btotal, bfree, ftotal, ffree;
};

/* Called once per item by the platform's each_* functions. */
typedef void (*api_thread_fn)(void *arg, const struct api_thread_info *t);
typedef void (*api_netif_fn)(void *arg, const struct api_netif_info *n);
typedef void (*api_fs_fn)(void *arg, const struct api_fs_info *f);
typedef void (*api_flag_fn)(void *arg, const char *name, bool on);
typedef void (*api_count_fn)(void *arg, const char *name, uint64_t value);
typedef void (*api_env_fn)(void *arg, const char *name, const char *value);

/*
 * What the handlers may ask of the kernel. Every function gets ctx first.
 * None of them may return an address, the canary or generator state: the
 * kernel's implementation (kernel/api/api_kernel.c) hands over counts,
 * sizes, names and switches only. Functions return negative errno values.
 */
struct api_platform {
	void *ctx;
	const char *version;  /* /os/version */
	const char *hostname;
	const char *cmdline;  /* the raw boot command line; redacted by api */
	uint64_t (*uptime_ms)(void *ctx);
	int64_t (*wall_seconds)(void *ctx);  /* since the epoch, UTC */
	uint64_t (*memory_total)(void *ctx);
	uint64_t (*memory_free)(void *ctx);
	unsigned (*cpu_count)(void *ctx);
	const char *(*hypervisor)(void *ctx);
	/* Copies the console log into buf; returns the bytes copied. */
	size_t (*dmesg)(void *ctx, char *buf, size_t size);
	void (*each_thread)(void *ctx, api_thread_fn fn, void *arg);
	void (*each_netif)(void *ctx, api_netif_fn fn, void *arg);
	void (*each_fs)(void *ctx, api_fs_fn fn, void *arg);
	void (*each_defence)(void *ctx, api_flag_fn fn, void *arg);
	void (*each_violation)(void *ctx, api_count_fn fn, void *arg);
	/* -ENOSYS when the classifier is not built in. */
	int (*each_classifier_counter)(void *ctx, api_count_fn fn, void *arg);
	void (*each_env)(void *ctx, api_env_fn fn, void *arg);
	/* Copies the value (NUL-terminated) into buf; -ENOENT, -ENAMETOOLONG. */
	int (*get_env)(void *ctx, const char *name, char *buf, size_t size);
	int (*set_env)(void *ctx, const char *name, const char *value);
	int (*unset_env)(void *ctx, const char *name);
	/* Reads the whole file: its length, -ENOENT, -EISDIR, -EFBIG (> size). */
	long (*file_read)(void *ctx, const char *path, char *buf, size_t size);
	/* exclusive: fail with -EEXIST when the file exists (POST). */
	int (*file_write)(void *ctx, const char *path, const char *data, size_t n,
			  bool exclusive);
	int (*file_delete)(void *ctx, const char *path);
};

struct api_peer {
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d */
};

struct api_throttle_entry {
	bool used;
	struct api_peer peer;
	uint32_t failures;
	uint64_t until_ms;  /* refused with 429 before this time */
	uint64_t last_ms;   /* for eviction: the oldest goes first */
};

struct api {
	const struct api_platform *plat;
	bool write;                     /* api.write=on */
	bool open;                      /* api.auth=off: no token asked, no throttle */
	char token[API_TOKEN_MAX + 1];
	size_t token_len;
	const char *token_file;         /* never served by /file; may be NULL */
	struct api_throttle_entry throttle[API_PEERS];
};

/* What the server does once the response has been sent. */
enum api_after {
	API_AFTER_NOTHING,
	API_AFTER_POWEROFF,
};

struct api_response {
	int status;
	const char *content_type;
	char *body;           /* the caller's buffer */
	size_t body_size;
	size_t body_len;
	char allow[48];       /* for 405: the methods the path has */
	bool authenticate;    /* 401: add WWW-Authenticate */
	unsigned retry_after; /* 429, 503: seconds for Retry-After (0: none) */
	bool head_only;       /* a HEAD request: send the head, never the body */
	enum api_after after;
	/*
	 * Seconds since the epoch for the Date header, which an origin
	 * server with a clock MUST send (RFC 9110, 6.6.1); 0 or less: none.
	 * Set by the server just before api_format_head (api_handle and
	 * api_error_response clear it).
	 */
	int64_t date;
};

/* Sets up api with the token (token_len >= 1, at most API_TOKEN_MAX). */
int api_init(struct api *api, const struct api_platform *plat, bool write,
	     const char *token, size_t token_len, const char *token_file);

/*
 * Answers one request: throttle (429), token (401), route (404/405), then
 * the handler. resp->body and body_size are set by the caller.
 */
void api_handle(struct api *api, const struct http_request *req,
		const struct api_peer *peer, uint64_t now_ms,
		struct api_response *resp);

/*
 * For a request whose headers are in but whose body is not (one that
 * asked "Expect: 100-continue"): true, with resp set, when api_handle
 * would refuse it whatever its body (501, 429, 401, 404, 405), so the
 * server answers at once instead of "100 Continue" (RFC 9110, 10.1.1)
 * and the client keeps its body; false when the body should come.
 */
bool api_refuses_early(struct api *api, const struct http_request *req,
		       const struct api_peer *peer, uint64_t now_ms,
		       struct api_response *resp);

/* A response to a request the parser refused (status 400, 413, 414, 431...). */
void api_error_response(struct api_response *resp, int status, const char *message);

/* The status line and headers for resp; returns their length or 0 if too long. */
size_t api_format_head(const struct api_response *resp, bool keep_alive,
		       char *buf, size_t size);

/* Constant-time comparison of a presented token with the real one. */
bool api_token_matches(const struct api *api, const char *given, size_t given_len);

/* The throttle: whether peer must wait (and how long), and recording results. */
bool api_throttled(struct api *api, const struct api_peer *peer, uint64_t now_ms,
		   unsigned *retry_after_s);
void api_throttle_failure(struct api *api, const struct api_peer *peer, uint64_t now_ms);
void api_throttle_success(struct api *api, const struct api_peer *peer);

/*
 * Decodes a percent-encoded path strictly into out: %XX with two hex
 * digits, no %00 or control characters. Returns its length or -EINVAL,
 * -ENAMETOOLONG.
 */
long api_percent_decode(struct http_str in, char *out, size_t size);

/*
 * The absolute path a /file/{rest} request names, checked: decoded, no
 * empty, "." or ".." component, no backslash; for writes, under /tmp/ only;
 * for reads, never under /dev/ and never the token file. Returns 0,
 * -EINVAL (malformed or traversal), -ENAMETOOLONG or -EACCES (refused root).
 */
int api_file_path(const struct api *api, struct http_str rest, bool write,
		  char *out, size_t size);

/* The command line with secret values (tokens, keys, passwords, the ASLR seed) redacted. */
size_t api_redact_cmdline(const char *in, char *out, size_t size);

/* Replaces, in place, each run of 8 or more hex digits with '*' (addresses). */
void api_redact_addresses(char *s, size_t n);

struct boot_options;

/*
 * Kernel only (api_server.c): starts the API when the boot options say
 * api=on: the token (from api.token-file, or drawn and printed once), then
 * the listener thread. Returns 0, or a negative errno after printing why
 * it did not start. cmdline is the raw boot command line (/os/cmdline).
 */
int api_start(const struct boot_options *o, const char *cmdline);

/* Hex-encodes n random bytes into a token (2n characters and a NUL). */
void api_token_from_bytes(const uint8_t *bytes, size_t n, char *out);

#endif
