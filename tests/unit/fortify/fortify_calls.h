/*
 * The host tests of libc/fortify: one call per __*_chk function, made
 * exactly at its bound (over = 0, must return) or one past it (over = 1,
 * must fail). For the printf family's %n rule "past the bound" is a %n in
 * a format the writable hook calls writable; for __longjmp_chk it is a
 * jump into a frame that has returned.
 */
#ifndef FORTIFY_CALLS_H
#define FORTIFY_CALLS_H

struct fortify_case {
	const char *function; /* the name the failure must report */
	void (*call)(int over);
};

extern const struct fortify_case fortify_cases[];
extern const unsigned fortify_case_count;

/* What the substituted hooks see (test_fortify.c). */
extern int fortify_writable_answer;

#endif
