/*
 * libdemo: a library of the test applications' own (not libc), loaded by
 * the kernel's linker from DT_NEEDED: a constructor, a destructor, a
 * thread-local counter and a global, for tests/apps/uselib.c and tls.c.
 */
#include <stdio.h>

__thread int demo_tls = 7;   /* each thread starts from 7 */
int demo_constructed;

__attribute__((constructor)) static void demo_init(void)
{
	demo_constructed = 1;
}

__attribute__((destructor)) static void demo_fini(void)
{
	printf("libdemo: destructor ran\n");
}

int demo_add(int a, int b)
{
	return a + b;
}

/* Bumps this thread's counter; returns the new value. */
int demo_tls_bump(void)
{
	return ++demo_tls;
}
