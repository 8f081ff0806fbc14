/*
 * json: a JSON writer into a fixed buffer (kernel/api; portable).
 *
 * Commas are placed by the writer, strings are escaped (quotes, backslash,
 * every control character as \u00XX; bytes >= 0x80 that are not valid
 * UTF-8 become U+FFFD, so the output is always valid JSON). When the
 * buffer is too small the writer stops and json_overflowed says so: the
 * caller answers 500 instead of sending half a document.
 */
#ifndef CARAPACE_JSON_H
#define CARAPACE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 8

struct json {
	char *buf;
	size_t size, len;
	bool overflow;
	int depth;
	bool need_comma[JSON_MAX_DEPTH + 1];
};

void json_init(struct json *j, char *buf, size_t size);
bool json_overflowed(const struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* A key inside an object; the next value call gives its value. */
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_string_n(struct json *j, const char *s, size_t n);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);

/* Shorthands for "key": value inside an object. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

#endif
