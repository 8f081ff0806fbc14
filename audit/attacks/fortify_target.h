/*
 * The target of the FORTIFY attacks: two 16-byte globals side by side; the
 * program writes a name into the lower one, and the attacker's name runs on
 * into the higher one, which holds a role. A success is the role turned
 * into "admin" (with no stack canary or heap check in the way).
 */
#ifndef AUDIT_FORTIFY_TARGET_H
#define AUDIT_FORTIFY_TARGET_H

#include <stdint.h>
#include <string.h>
#include "attack.h"

char field_a[16] = "a", field_b[16] = "b";

static inline int a_is_lower(void)
{
	return OPAQUE((uintptr_t)field_a) < OPAQUE((uintptr_t)field_b);
}

static inline char *lower_field(void)
{
	return a_is_lower() ? field_a : field_b;
}

static inline char *higher_field(void)
{
	return a_is_lower() ? field_b : field_a;
}

/* Runs STATEMENT with dst naming the lower global itself (not a pointer
 * computed at run time), so that the compiler knows its size, as it knows
 * any named buffer's. */
#define INTO_LOWER_FIELD(statement) do {			\
		if (a_is_lower()) {				\
			char *const dst = field_a;		\
			statement;				\
		} else {					\
			char *const dst = field_b;		\
			statement;				\
		}						\
	} while (0)

/* 'A's up to the higher field, then "admin" and its NUL: the length. */
static size_t fortify_payload(char *payload, size_t size)
{
	size_t gap = (size_t)(higher_field() - lower_field());

	if (gap + 6 > size) {
		AUDIT_SAY("fortify: the globals are %zu bytes apart", gap);
		_exit(2);
	}
	strcpy(higher_field(), "user");
	memset(payload, 'A', gap);
	memcpy(payload + gap, "admin", 6);
	return gap + 6;
}

static void fortify_check(void)
{
	if (strcmp(higher_field(), "admin") == 0)
		audit_success("byte written: the neighbouring global's role is now admin");
	AUDIT_SAY("fortify: the role is untouched (%s)", higher_field());
}

#endif
