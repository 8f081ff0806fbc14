/*
 * json: the writer of every API response body (see carapace/json.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/json.h>

void json_init(struct json *j, char *buf, size_t size)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->size = size;
	if (size > 0)
		buf[0] = '\0';
}

bool json_overflowed(const struct json *j)
{
	return j->overflow;
}

/* Appends n bytes and keeps a NUL after them; once full, nothing more. */
static void put(struct json *j, const char *s, size_t n)
{
	if (j->overflow)
		return;
	if (j->size == 0 || n > j->size - 1 - j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putc1(struct json *j, char c)
{
	put(j, &c, 1);
}

/* Before a value: the comma that separates it from the previous one. */
static void before_value(struct json *j)
{
	if (j->need_comma[j->depth])
		putc1(j, ',');
	j->need_comma[j->depth] = true;
}

static void open_container(struct json *j, char c)
{
	before_value(j);
	putc1(j, c);
	if (j->depth >= JSON_MAX_DEPTH) {
		j->overflow = true;
		return;
	}
	j->need_comma[++j->depth] = false;
}

static void close_container(struct json *j, char c)
{
	if (j->depth == 0) {
		j->overflow = true;
		return;
	}
	j->depth--;
	putc1(j, c);
}

void json_object_begin(struct json *j) { open_container(j, '{'); }
void json_object_end(struct json *j) { close_container(j, '}'); }
void json_array_begin(struct json *j) { open_container(j, '['); }
void json_array_end(struct json *j) { close_container(j, ']'); }

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void escaped(struct json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	putc1(j, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(j, e, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(j, e, 6);
			i++;
		} else if (c < 0x80) {
			putc1(j, (char)c);
			i++;
		} else {
			size_t len = utf8_len((const unsigned char *)s + i, n - i);

			if (len == 0) {
				put(j, "\\ufffd", 6);
				i++;
			} else {
				put(j, s + i, len);
				i += len;
			}
		}
	}
	putc1(j, '"');
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	escaped(j, key, strlen(key));
	putc1(j, ':');
	/* The value that follows is not separated from its key by a comma. */
	j->need_comma[j->depth] = false;
}

void json_string_n(struct json *j, const char *s, size_t n)
{
	before_value(j);
	escaped(j, s, n);
}

void json_string(struct json *j, const char *s)
{
	json_string_n(j, s, strlen(s));
}

void json_uint(struct json *j, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	before_value(j);
	put(j, digits + sizeof(digits) - n, n);
}

void json_int(struct json *j, int64_t v)
{
	if (v >= 0) {
		json_uint(j, (uint64_t)v);
		return;
	}
	before_value(j);
	putc1(j, '-');
	/* Print the magnitude without the comma json_uint would add again. */
	j->need_comma[j->depth] = false;
	json_uint(j, (uint64_t)0 - (uint64_t)v);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
