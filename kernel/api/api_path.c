/*
 * api_path: decoding and confining the paths of /file and /env, and the
 * redaction of secrets and addresses in text the API hands out.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/api.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long api_percent_decode(struct http_str in, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < in.n; i++) {
		unsigned char c = (unsigned char)in.p[i];

		if (c == '%') {
			int hi = i + 1 < in.n ? hex_value(in.p[i + 1]) : -1;
			int lo = i + 2 < in.n ? hex_value(in.p[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		out[n++] = (char)c;
	}
	if (size > 0)
		out[n] = '\0';
	return (long)n;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Decoding comes first, so "%2e%2e" and "%2f" are judged as the "..", "/"
 * they stand for. Every component is then checked; nothing is resolved,
 * so the checked string is the one the VFS opens.
 */
int api_file_path(const struct api *api, struct http_str rest, bool write,
		  char *out, size_t size)
{
	long n;

	if (size < 2)
		return -ENAMETOOLONG;
	out[0] = '/';
	n = api_percent_decode(rest, out + 1, size - 1);
	if (n < 0)
		return (int)n;
	/* "/file//etc" would be an absolute path inside the path. */
	if (n == 0 || out[1] == '/')
		return -EINVAL;
	for (const char *c = out + 1; *c != '\0';) {
		const char *end = c;

		while (*end != '\0' && *end != '/')
			end++;
		size_t len = (size_t)(end - c);

		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return -EINVAL;
		c = *end == '/' ? end + 1 : end;
		if (*end == '/' && *c == '\0')
			return -EINVAL; /* a trailing slash: an empty component */
	}
	if (strchr(out, '\\') != NULL)
		return -EINVAL;
	if (write)
		return starts_with(out, "/tmp/") ? 0 : -EACCES;
	if (starts_with(out, "/dev/") || strcmp(out, "/dev") == 0)
		return -EACCES;
	if (api->token_file != NULL && strcmp(out, api->token_file) == 0)
		return -EACCES;
	return 0;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

/* Whether the option name (before '=') names a secret. */
static bool is_secret_key(const char *k, size_t n)
{
	static const char *const words[] = { "token", "secret", "passw", "key", "seed" };

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t wl = strlen(words[w]);

		for (size_t i = 0; i + wl <= n; i++) {
			size_t j = 0;

			while (j < wl && lower(k[i + j]) == words[w][j])
				j++;
			if (j == wl)
				return true;
		}
	}
	return false;
}

struct out {
	char *buf;
	size_t size, len;
};

static void emit(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
		o->len++;
	}
}

/* A word's KEY=VALUE split, decoded as the boot option parser decodes it. */
struct word_split {
	char key[192];       /* the decoded word up to its last '=' we need */
	size_t key_n;        /* decoded bytes kept in key (more were cut: full) */
	bool full;
	size_t eq_dec[2];    /* decoded offsets of the first two '=' (0: none) */
	size_t eq_raw[2];    /* their raw offsets in the line */
	bool eq_quoted[2];   /* inside double quotes there */
};

/*
 * Reads one raw word from in[i] (blanks outside double quotes end it; a
 * backslash keeps the next character) and returns where it ends.
 */
static size_t split_word(const char *in, size_t i, size_t n, struct word_split *w)
{
	bool quoted = false;
	size_t dec = 0;

	memset(w, 0, sizeof(*w));
	for (; i < n && (quoted || (in[i] != ' ' && in[i] != '\t')); i++) {
		char c = in[i];

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '\\' && i + 1 < n)
			c = in[++i];
		else if (c == '=' && dec > 0) {
			for (int k = 0; k < 2; k++) {
				if (w->eq_dec[k] == 0) {
					w->eq_dec[k] = dec;
					w->eq_raw[k] = i;
					w->eq_quoted[k] = quoted;
					break;
				}
			}
		}
		if (w->key_n < sizeof(w->key))
			w->key[w->key_n++] = c;
		else
			w->full = true;
		dec++;
	}
	return i;
}

/*
 * Words are split and decoded as the boot option parser does it (the
 * launcher quotes every word: "env=DB_PASSWORD=x y"). In a word KEY=VALUE,
 * or env=KEY=VALUE, whose KEY names a secret, VALUE becomes <redacted>;
 * the raw text before it is kept, and a quote open there is closed.
 * Everything after "--" is the application's and is kept.
 */
size_t api_redact_cmdline(const char *in, char *out, size_t size)
{
	struct out o = { out, size, 0 };
	size_t i = 0, n = strlen(in);

	while (i < n) {
		size_t start = i;
		struct word_split w;

		if (in[i] == ' ' || in[i] == '\t') {
			emit(&o, in + i++, 1);
			continue;
		}
		i = split_word(in, i, n, &w);
		if (i - start == 2 && in[start] == '-' && in[start + 1] == '-') {
			emit(&o, in + start, n - start);
			break;
		}
		bool env = w.eq_dec[0] == 3 && strncmp(w.key, "env", 3) == 0;
		int k = env ? 1 : 0;
		size_t key_start = env ? 4 : 0, key_end = w.eq_dec[k];
		/* A key too long to hold is redacted rather than guessed about. */
		bool secret = key_end != 0 &&
			      (key_end > w.key_n || is_secret_key(w.key + key_start,
								  key_end - key_start));

		if (secret) {
			emit(&o, in + start, w.eq_raw[k] + 1 - start);
			emit(&o, "<redacted>", 10);
			if (w.eq_quoted[k])
				emit(&o, "\"", 1);
		} else {
			emit(&o, in + start, i - start);
		}
	}
	if (size > 0)
		out[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

static bool is_hex(char c)
{
	return hex_value(c) >= 0;
}

void api_redact_addresses(char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && is_hex(s[j]))
			j++;
		if (j - i >= 8)
			memset(s + i, '*', j - i);
		i = j == i ? i + 1 : j;
	}
}
