/*
 * The text protocol (mc_proto.h), after memcached's protocol.txt: storage
 * commands (set add replace append prepend cas), get/gets, delete,
 * incr/decr, touch, flush_all, stats, version, verbosity, quit. Replies
 * and error strings are memcached's own, which clients and memcapable
 * match on.
 */
#include "mc_proto.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_TOKENS 24

void mc_out_add(struct mc_out *o, const char *p, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;
		char *b;

		while (cap < o->len + n)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (!b) {
			o->failed = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void out_str(struct mc_out *o, const char *s)
{
	mc_out_add(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void out_fmt(struct mc_out *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		mc_out_add(o, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* v in decimal at buf (20 bytes at most); returns the length. Replies
 * are formatted by hand: snprintf costs more than the rest of a get. */
static size_t format_u64(char *buf, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = digits[n - 1 - i];
	return n;
}

void mc_out_free(struct mc_out *out)
{
	free(out->buf);
	*out = (struct mc_out){ 0 };
}

struct token {
	const char *p;
	size_t n;
};

/* Splits a line at spaces; returns the count (MAX_TOKENS + 1: too many). */
static size_t tokenize(const char *line, size_t n, struct token *t)
{
	size_t count = 0, i = 0;

	while (i < n) {
		while (i < n && line[i] == ' ')
			i++;
		if (i == n)
			break;
		if (count == MAX_TOKENS)
			return MAX_TOKENS + 1;
		t[count].p = line + i;
		while (i < n && line[i] != ' ')
			i++;
		t[count].n = (size_t)(line + i - t[count].p);
		count++;
	}
	return count;
}

static bool is(const struct token *t, const char *word)
{
	size_t n = strlen(word); /* a constant once inlined: so is memcmp */

	return t->n == n && memcmp(t->p, word, n) == 0;
}

/* A decimal number in [0, UINT64_MAX], digits only. */
static bool parse_u64(const struct token *t, uint64_t *v)
{
	uint64_t x = 0;

	if (t->n == 0 || t->n > 20)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		unsigned d = (unsigned char)t->p[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool parse_i64(const struct token *t, int64_t *v)
{
	uint64_t x;

	if (t->n > 1 && t->p[0] == '-') {
		struct token rest = { t->p + 1, t->n - 1 };

		if (!parse_u64(&rest, &x) || x > (uint64_t)INT64_MAX)
			return false;
		*v = -(int64_t)x;
		return true;
	}
	if (!parse_u64(t, &x) || x > (uint64_t)INT64_MAX)
		return false;
	*v = (int64_t)x;
	return true;
}

static bool valid_key(const struct token *t)
{
	return t->n > 0 && t->n <= MC_KEY_MAX;
}

enum store_op { OP_SET, OP_ADD, OP_REPLACE, OP_APPEND, OP_PREPEND, OP_CAS };

/*
 * A storage command whose line is t[0..nt). data/avail: what follows the
 * line. Returns the data bytes consumed (value and "\r\n"), or -1 when
 * more bytes are needed.
 */
static long do_store(struct mc_cache *c, struct mc_session *s, enum store_op op,
		     const struct token *t, size_t nt, const char *data, size_t avail,
		     struct mc_out *o)
{
	uint64_t flags, bytes, cas_in = 0;
	int64_t exptime;
	size_t want = op == OP_CAS ? 6 : 5;
	bool noreply = nt == want + 1 && is(&t[want], "noreply");

	if ((nt != want && !noreply) || !valid_key(&t[1]) || !parse_u64(&t[2], &flags) ||
	    flags > UINT32_MAX || !parse_i64(&t[3], &exptime) || !parse_u64(&t[4], &bytes) ||
	    (op == OP_CAS && !parse_u64(&t[5], &cas_in))) {
		out_str(o, "CLIENT_ERROR bad command line format\r\n");
		/* Without a length the value cannot be skipped: the connection ends. */
		if (nt < 5 || !parse_u64(&t[4], &bytes))
			s->close = true;
		else
			s->swallow = bytes + 2;
		return 0;
	}
	if (bytes > MC_VALUE_MAX) {
		out_str(o, "SERVER_ERROR object too large for cache\r\n");
		s->swallow = bytes + 2;
		return 0;
	}
	if (avail < bytes + 2)
		return -1;
	c->stats.cmd_set++;
	if (data[bytes] != '\r' || data[bytes + 1] != '\n') {
		out_str(o, "CLIENT_ERROR bad data chunk\r\n");
		return (long)(bytes + 2);
	}

	struct mc_item *old = mc_cache_find(c, t[1].p, t[1].n);
	const char *reply = "STORED\r\n";
	struct mc_item *it = NULL;

	switch (op) {
	case OP_ADD:
		if (old) {
			mc_cache_touch_lru(c, old);
			reply = "NOT_STORED\r\n";
		}
		break;
	case OP_REPLACE:
	case OP_APPEND:
	case OP_PREPEND:
		if (!old)
			reply = "NOT_STORED\r\n";
		break;
	case OP_CAS:
		if (!old) {
			reply = "NOT_FOUND\r\n";
			c->stats.cas_misses++;
		} else if (old->cas != cas_in) {
			reply = "EXISTS\r\n";
			c->stats.cas_badval++;
		} else {
			c->stats.cas_hits++;
		}
		break;
	case OP_SET:
		break;
	}
	if (reply[0] == 'S') {
		size_t total = bytes;

		if (op == OP_APPEND || op == OP_PREPEND)
			total += old->nbytes;
		if (total > MC_VALUE_MAX) {
			reply = "SERVER_ERROR object too large for cache\r\n";
		} else if (op == OP_APPEND || op == OP_PREPEND) {
			/* The old item keeps its flags and expiry. */
			it = mc_item_new(c, t[1].p, t[1].n, old->flags, old->exptime, total);
			old = NULL; /* mc_item_new may have evicted it */
			if (it) {
				struct mc_item *cur = mc_cache_find(c, t[1].p, t[1].n);

				if (!cur) {
					mc_item_free(c, it);
					it = NULL;
					reply = "NOT_STORED\r\n";
				} else if (op == OP_APPEND) {
					memcpy(mc_item_value(it), mc_item_value(cur), cur->nbytes);
					memcpy(mc_item_value(it) + cur->nbytes, data, bytes);
					it->nbytes = cur->nbytes + (uint32_t)bytes;
				} else {
					memcpy(mc_item_value(it), data, bytes);
					memcpy(mc_item_value(it) + bytes, mc_item_value(cur), cur->nbytes);
					it->nbytes = cur->nbytes + (uint32_t)bytes;
				}
			} else {
				reply = "SERVER_ERROR out of memory storing object\r\n";
			}
		} else {
			it = mc_item_new(c, t[1].p, t[1].n, (uint32_t)flags, mc_exptime(c, exptime), bytes);
			if (it)
				memcpy(mc_item_value(it), data, bytes);
			else
				reply = "SERVER_ERROR out of memory storing object\r\n";
		}
		if (it)
			mc_cache_link(c, it);
	}
	if (!noreply)
		out_str(o, reply);
	return (long)(bytes + 2);
}

/*
 * The first c in [s, end), or NULL: memchr, eight bytes a step and
 * inlined (a request's line and its keys are scanned for '\n' and ' ',
 * and libc's memchr went byte by byte to its alignment first).
 */
static inline const char *find_byte(const char *s, const char *end, char c)
{
	const uint64_t ones = 0x0101010101010101ull, pattern = ones * (unsigned char)c;

	for (; end - s >= 8; s += 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		w ^= pattern; /* a zero byte where s has c */
		if ((w - ones) & ~w & (ones << 7))
			break;
	}
	for (; s < end; s++) {
		if (*s == c)
			return s;
	}
	return NULL;
}

/* The next space-separated word of [*p, end): false when none is left. */
static bool next_word(const char **p, const char *end, struct token *w)
{
	const char *s = *p, *e;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	e = find_byte(s, end, ' ');
	if (!e)
		e = end;
	w->p = s;
	w->n = (size_t)(e - s);
	*p = e;
	return true;
}

/*
 * get and gets take any number of keys (as many as fit in a line, as
 * memcached does), so they read the line's words themselves rather than
 * through the token array, which holds MAX_TOKENS.
 */
static void do_get(struct mc_cache *c, const char *keys, const char *end, bool with_cas,
		   struct mc_out *o)
{
	const char *p = keys;
	struct token k;
	size_t count = 0;

	while (next_word(&p, end, &k)) {
		if (!valid_key(&k)) {
			out_str(o, "CLIENT_ERROR bad command line format\r\n");
			return;
		}
		count++;
	}
	if (count == 0) {
		out_str(o, "ERROR\r\n");
		return;
	}
	for (p = keys; next_word(&p, end, &k);) {
		struct mc_item *it = mc_cache_find(c, k.p, k.n);

		c->stats.cmd_get++;
		if (!it) {
			c->stats.get_misses++;
			continue;
		}
		c->stats.get_hits++;
		mc_cache_touch_lru(c, it);
		c->pinned = it; /* out_add's realloc may run the shrinker */
		/* "VALUE key flags bytes[ cas]\r\n": three numbers of 20 digits at most. */
		char head[sizeof("VALUE ") - 1 + MC_KEY_MAX + 3 * 21 + 2];
		size_t h = sizeof("VALUE ") - 1;

		memcpy(head, "VALUE ", h);
		memcpy(head + h, it->data, it->nkey);
		h += it->nkey;
		head[h++] = ' ';
		h += format_u64(head + h, it->flags);
		head[h++] = ' ';
		h += format_u64(head + h, it->nbytes);
		if (with_cas) {
			head[h++] = ' ';
			h += format_u64(head + h, it->cas);
		}
		head[h++] = '\r';
		head[h++] = '\n';
		mc_out_add(o, head, h);
		mc_out_add(o, mc_item_value(it), it->nbytes);
		mc_out_add(o, "\r\n", 2);
		c->pinned = NULL;
	}
	out_str(o, "END\r\n");
}

static bool trailing_noreply(const struct token *t, size_t nt, size_t base)
{
	return nt == base + 1 && is(&t[base], "noreply");
}

static void do_delete(struct mc_cache *c, const struct token *t, size_t nt, struct mc_out *o)
{
	bool noreply = trailing_noreply(t, nt, 2);
	/* "delete KEY 0" is an old form memcached still accepts. */
	bool zero = nt >= 3 && is(&t[2], "0");
	struct mc_item *it;

	if (zero)
		noreply = trailing_noreply(t, nt, 3);
	if (nt < 2 || !valid_key(&t[1]) || (nt > 2 && !noreply && !(zero && nt == 3))) {
		out_str(o, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
		return;
	}
	it = mc_cache_find(c, t[1].p, t[1].n);
	if (it) {
		mc_cache_unlink(c, it);
		c->stats.delete_hits++;
	} else {
		c->stats.delete_misses++;
	}
	if (!noreply)
		out_str(o, it ? "DELETED\r\n" : "NOT_FOUND\r\n");
}

static void do_arith(struct mc_cache *c, const struct token *t, size_t nt, bool incr,
		     struct mc_out *o)
{
	bool noreply = trailing_noreply(t, nt, 3);
	uint64_t delta, value;
	struct mc_item *it;
	char digits[24];
	int n;

	if ((nt != 3 && !noreply) || !valid_key(&t[1])) {
		out_str(o, "CLIENT_ERROR bad command line format\r\n");
		return;
	}
	if (!parse_u64(&t[2], &delta)) {
		out_str(o, "CLIENT_ERROR invalid numeric delta argument\r\n");
		return;
	}
	it = mc_cache_find(c, t[1].p, t[1].n);
	if (!it) {
		incr ? c->stats.incr_misses++ : c->stats.decr_misses++;
		if (!noreply)
			out_str(o, "NOT_FOUND\r\n");
		return;
	}
	struct token cur = { mc_item_value(it), it->nbytes };

	/* memcached takes leading digits with trailing spaces (decr pads). */
	while (cur.n > 0 && cur.p[cur.n - 1] == ' ')
		cur.n--;
	if (!parse_u64(&cur, &value)) {
		/* Silent under noreply, as memcached's out_string. */
		if (!noreply)
			out_str(o, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
		return;
	}
	incr ? c->stats.incr_hits++ : c->stats.decr_hits++;
	if (incr)
		value += delta; /* wraps at 2^64, as memcached's */
	else
		value = delta > value ? 0 : value - delta;
	n = (int)format_u64(digits, value);
	if ((size_t)n <= it->nbytes && !incr) {
		/* Shorter after decr: padded in place, as memcached does. */
		memcpy(mc_item_value(it), digits, (size_t)n);
		memset(mc_item_value(it) + n, ' ', it->nbytes - (size_t)n);
		it->cas = ++c->next_cas;
	} else {
		struct mc_item *nit;

		c->pinned = it; /* its key is copied after the malloc */
		nit = mc_item_new(c, it->data, it->nkey, it->flags, it->exptime, (size_t)n);
		c->pinned = NULL;
		if (!nit) {
			out_str(o, "SERVER_ERROR out of memory\r\n");
			return;
		}
		memcpy(mc_item_value(nit), digits, (size_t)n);
		mc_cache_link(c, nit);
	}
	if (!noreply) {
		mc_out_add(o, digits, (size_t)n);
		mc_out_add(o, "\r\n", 2);
	}
}

static void do_touch(struct mc_cache *c, const struct token *t, size_t nt, struct mc_out *o)
{
	bool noreply = trailing_noreply(t, nt, 3);
	int64_t exptime;
	struct mc_item *it;

	if ((nt != 3 && !noreply) || !valid_key(&t[1]) || !parse_i64(&t[2], &exptime)) {
		out_str(o, "CLIENT_ERROR bad command line format\r\n");
		return;
	}
	c->stats.cmd_touch++;
	it = mc_cache_find(c, t[1].p, t[1].n);
	if (it) {
		it->exptime = mc_exptime(c, exptime);
		mc_cache_touch_lru(c, it);
		c->stats.touch_hits++;
	} else {
		c->stats.touch_misses++;
	}
	if (!noreply)
		out_str(o, it ? "TOUCHED\r\n" : "NOT_FOUND\r\n");
}

static void do_stats(struct mc_cache *c, struct mc_session *s, size_t nt, struct mc_out *o)
{
	const struct mc_stats *st = &c->stats;

	if (nt > 1) {
		/* "stats reset" and the sub-reports: not implemented. */
		out_str(o, "ERROR\r\n");
		return;
	}
	out_fmt(o, "STAT pid %ld\r\n", (long)getpid());
	out_fmt(o, "STAT time %lld\r\n", (long long)c->now());
	out_fmt(o, "STAT version %s\r\n", MC_VERSION);
	out_fmt(o, "STAT pointer_size %u\r\n", (unsigned)(8 * sizeof(void *)));
	out_fmt(o, "STAT curr_connections %u\r\n", s->connections);
#define STAT(name) out_fmt(o, "STAT " #name " %" PRIu64 "\r\n", st->name)
	STAT(cmd_get);
	STAT(cmd_set);
	STAT(cmd_touch);
	STAT(get_hits);
	STAT(get_misses);
	STAT(delete_hits);
	STAT(delete_misses);
	STAT(incr_hits);
	STAT(incr_misses);
	STAT(decr_hits);
	STAT(decr_misses);
	STAT(cas_hits);
	STAT(cas_misses);
	STAT(cas_badval);
	STAT(touch_hits);
	STAT(touch_misses);
	STAT(curr_items);
	STAT(total_items);
	STAT(bytes);
	STAT(evictions);
	STAT(reclaimed);
#undef STAT
	out_fmt(o, "STAT cmd_flush %" PRIu64 "\r\n", st->flushes);
	out_fmt(o, "STAT limit_maxbytes %zu\r\n", c->limit);
	out_str(o, "END\r\n");
}

/* One command line (without "\r\n"); returns data bytes consumed or -1. */
static long do_line(struct mc_cache *c, struct mc_session *s, const char *line, size_t n,
		    const char *rest, size_t avail, struct mc_out *o)
{
	struct token t[MAX_TOKENS], first;
	const char *p = line, *end = line + n;
	size_t nt;

	if (next_word(&p, end, &first) && (is(&first, "get") || is(&first, "gets"))) {
		do_get(c, p, end, first.n == 4, o);
		return 0;
	}
	nt = tokenize(line, n, t);
	if (nt == 0 || nt > MAX_TOKENS) {
		out_str(o, "ERROR\r\n");
		return 0;
	}
	static const struct {
		const char *name;
		enum store_op op;
	} stores[] = {
		{ "set", OP_SET },	   { "add", OP_ADD },	      { "replace", OP_REPLACE },
		{ "append", OP_APPEND }, { "prepend", OP_PREPEND }, { "cas", OP_CAS },
	};
	for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++) {
		if (is(&t[0], stores[i].name)) {
			if (nt < 5) {
				out_str(o, "ERROR\r\n");
				return 0;
			}
			return do_store(c, s, stores[i].op, t, nt, rest, avail, o);
		}
	}
	if (is(&t[0], "delete")) {
		do_delete(c, t, nt, o);
	} else if (is(&t[0], "incr") || is(&t[0], "decr")) {
		do_arith(c, t, nt, is(&t[0], "incr"), o);
	} else if (is(&t[0], "touch")) {
		do_touch(c, t, nt, o);
	} else if (is(&t[0], "flush_all")) {
		int64_t delay = 0;
		bool noreply = is(&t[nt - 1], "noreply");
		size_t args = nt - 1 - noreply;

		if (args > 1 || (args == 1 && (!parse_i64(&t[1], &delay) || delay < 0))) {
			out_str(o, "CLIENT_ERROR bad command line format\r\n");
			return 0;
		}
		mc_cache_flush(c, delay);
		if (!noreply)
			out_str(o, "OK\r\n");
	} else if (is(&t[0], "stats")) {
		do_stats(c, s, nt, o);
	} else if (is(&t[0], "version")) {
		out_str(o, "VERSION " MC_VERSION "\r\n");
	} else if (is(&t[0], "verbosity")) {
		/* "verbosity LEVEL [noreply]": the level is not used. */
		bool noreply = is(&t[nt - 1], "noreply");

		if (nt < 2 || nt > 3 || (nt == 3 && !noreply))
			out_str(o, "ERROR\r\n");
		else if (!noreply)
			out_str(o, "OK\r\n");
	} else if (is(&t[0], "quit")) {
		s->close = true;
	} else {
		out_str(o, "ERROR\r\n");
	}
	return 0;
}

size_t mc_proto_process(struct mc_cache *c, struct mc_session *s,
			const char *in, size_t len, struct mc_out *out)
{
	size_t pos = 0;

	while (pos < len && !s->close && !out->failed) {
		if (s->swallow) {
			size_t n = len - pos < s->swallow ? len - pos : s->swallow;

			pos += n;
			s->swallow -= n;
			continue;
		}
		const char *line = in + pos;
		const char *nl = find_byte(line, in + len, '\n');

		if (!nl) {
			if (len - pos > MC_LINE_MAX) {
				out_str(out, "CLIENT_ERROR line too long\r\n");
				s->close = true;
			}
			break;
		}
		size_t n = (size_t)(nl - line);
		size_t next = pos + n + 1;

		if (n > 0 && line[n - 1] == '\r')
			n--;
		long used = do_line(c, s, line, n, in + next, len - next, out);

		if (used < 0)
			break; /* the value has not all arrived */
		pos = next + (size_t)used;
	}
	return pos;
}
