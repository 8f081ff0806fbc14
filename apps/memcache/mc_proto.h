/*
 * The memcached text protocol over mc_cache: one connection's bytes in,
 * responses out. Portable (host-tested in tests/unit/test_mc_proto.c);
 * the network loop (memcache.c) feeds it TCP streams and UDP requests.
 */
#ifndef MC_PROTO_H
#define MC_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "mc_cache.h"

/* A line longer than this without "\r\n" closes the connection. */
#define MC_LINE_MAX 2048

struct mc_out {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory: the connection is closed */
};

struct mc_session {
	size_t swallow; /* bytes of a refused value still to skip */
	bool close;     /* quit, or a protocol error that ends the connection */
	unsigned connections; /* for "stats": curr_connections */
};

/*
 * Handles the complete requests at the start of in[0..len) and appends
 * their responses to out. Returns the bytes consumed; the rest (a partial
 * request) is to be passed again with more bytes after it.
 */
size_t mc_proto_process(struct mc_cache *c, struct mc_session *s,
			const char *in, size_t len, struct mc_out *out);

void mc_out_free(struct mc_out *out);
/* Appends n bytes at p to out (on failure out->failed is set, nothing kept). */
void mc_out_add(struct mc_out *out, const char *p, size_t n);

#define MC_VERSION "1.6.18-carapace"

#endif
