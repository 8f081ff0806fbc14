/*
 * uselib: an application that loads a shared library of its own (libdemo,
 * found through its DT_RUNPATH $ORIGIN/lib): the library's constructor ran
 * before main, its functions and data are reachable, its destructor runs
 * at exit. Prints "uselib: 0 failed".
 */
#include <stdio.h>
#include <stdlib.h>

int demo_add(int a, int b);
extern int demo_constructed;

int main(void)
{
	int failed = 0;

	printf("uselib: constructed %d, 2 + 3 = %d\n", demo_constructed, demo_add(2, 3));
	failed += demo_constructed != 1;
	failed += demo_add(2, 3) != 5;
	printf("uselib: %d failed\n", failed);
	exit(failed); /* exit(), not return: the destructors must run either way */
}
