/*
 * stack_attack: attacks on the stack, each of which one defence must stop.
 *
 *   stack_attack recurse-main     unbounded recursion on the main thread:
 *                                 violation=stack-guard region=main-stack (132)
 *   stack_attack recurse-thread   the same in a pthread: its stack's PROT_NONE
 *                                 guard, violation=stack-guard region=app-stack
 *   stack_attack smash            a char array overflowed over the canary, the
 *                                 saved frame pointer and the return address:
 *                                 violation=stack-canary (133)
 *   stack_attack canary           prints musl's canary (%fs:0x28, from AT_RANDOM)
 *
 * With the defence switched off (guards=off; for smash, the same source
 * built with -fno-stack-protector as stack_attack_nossp.so) the program is
 * not stopped by it: the recursion runs on until some other fault, the
 * smashed return address is used. Each mode first prints "stack: MODE".
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define FRAME_BYTES 256

/* Hides a value from the optimiser, so the overflow below is not folded away. */
#define OPAQUE(x) ({ __typeof__(x) v_ = (x); __asm__ volatile("" : "+r"(v_)); v_; })

static volatile unsigned long depth;

/* Each call keeps a frame: the array is used after the recursive call. */
__attribute__((noinline)) static int recurse(int n)
{
	volatile char frame[FRAME_BYTES];

	frame[0] = (char)n;
	depth++;
	return recurse(n + 1) + frame[0];
}

static void *thread_main(void *arg)
{
	(void)arg;
	recurse(0);
	return NULL;
}

/* Writes 64 bytes into a 16-byte array. */
__attribute__((noinline)) static void smash(void)
{
	char buf[16];
	char *p = OPAQUE(&buf[0]);

	for (int i = 0; i < 64; i++)
		p[i] = 'A';
	printf("stack: buf starts with %c\n", buf[0]);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	printf("stack: %s\n", mode);
	fflush(stdout);
	if (strcmp(mode, "recurse-main") == 0) {
		recurse(0);
	} else if (strcmp(mode, "recurse-thread") == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_main, NULL) != 0) {
			printf("stack: pthread_create failed\n");
			return 2;
		}
		pthread_join(t, NULL);
	} else if (strcmp(mode, "smash") == 0) {
		smash();
	} else if (strcmp(mode, "canary") == 0) {
		unsigned long canary;

		__asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
		printf("stack: canary 0x%lx\n", canary);
		return 0;
	} else {
		printf("usage: stack_attack recurse-main|recurse-thread|smash|canary\n");
		return 2;
	}
	printf("stack: %s not stopped (depth %lu)\n", mode, depth);
	return 0;
}
