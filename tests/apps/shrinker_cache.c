/*
 * The shrinker API (<carapace/shrinker.h>, issue 16 item 3): a cache that
 * keeps allocating 128 KiB blocks until it holds more than all the memory
 * that was free, with a shrinker that frees its oldest blocks; then
 * another allocation of 16 MiB, which needs memory the cache holds, and
 * every block still cached checked intact.
 *
 *     shrinker_cache.so           "shrinker-cache: ok ..." and status 0
 *     shrinker_cache.so noshrink  the same without registering: the cache
 *                                 fills memory and the big allocation fails
 *                                 (status 3), so the test can fail
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/shrinker.h>

#define BLOCK (128 * 1024)
#define BIG (16 * 1024 * 1024)

struct block {
	struct block *next; /* towards newer */
	uint64_t serial;
};

/*
 * The shrinker runs inside malloc, and the compiler assumes malloc touches
 * no global of the program (it keeps them in registers across the call):
 * what both sides touch is volatile (<carapace/shrinker.h> says so).
 */
static struct block *volatile oldest, *volatile newest;
static volatile size_t cached, shrinker_calls, given_back;

static void fill(struct block *b)
{
	memset((char *)b + sizeof(*b), (int)(b->serial & 0xff), BLOCK - sizeof(*b));
}

static int intact(const struct block *b)
{
	const unsigned char *p = (const unsigned char *)b + sizeof(*b);

	for (size_t i = 0; i < BLOCK - sizeof(*b); i++)
		if (p[i] != (b->serial & 0xff))
			return 0;
	return 1;
}

static size_t give_back(size_t wanted, void *arg)
{
	size_t freed = 0;

	(void)arg;
	shrinker_calls++;
	while (freed < wanted && oldest) {
		struct block *b = oldest;

		oldest = b->next;
		if (!oldest)
			newest = NULL;
		free(b);
		cached--;
		freed += BLOCK;
	}
	given_back += freed;
	return freed;
}

int main(int argc, char **argv)
{
	int shrink = !(argc > 1 && strcmp(argv[1], "noshrink") == 0);
	size_t free0 = carapace_free_memory(), wm = carapace_shrinker_watermark();
	size_t rounds = 2 * (free0 / BLOCK), most = 0;

	if (free0 == 0 || wm == 0) {
		printf("shrinker-cache: no free memory reading (%zu) or watermark (%zu)\n", free0, wm);
		return 1;
	}
	if (shrink && carapace_shrinker_register("test-cache", give_back, NULL) < 0) {
		printf("shrinker-cache: register: %s\n", strerror(errno));
		return 1;
	}
	/* Twice as many blocks as fit in what was free. */
	for (uint64_t i = 0; i < rounds; i++) {
		struct block *b = malloc(BLOCK);

		if (!b)
			break; /* memory full (noshrink) */
		b->serial = i;
		b->next = NULL;
		fill(b);
		if (newest)
			newest->next = b;
		else
			oldest = b;
		newest = b;
		cached++;
		most = cached > most ? cached : most;
	}
	printf("shrinker-cache: free %zu KiB at start, watermark %zu KiB, cached at most %zu KiB, "
	       "now %zu KiB, %zu shrinker calls gave back %zu KiB\n",
	       free0 / 1024, wm / 1024, most * BLOCK / 1024, cached * BLOCK / 1024,
	       shrinker_calls, given_back / 1024);
	char *big = malloc(BIG);

	if (!big) {
		printf("shrinker-cache: the %d MiB allocation failed with %zu KiB cached\n",
		       BIG >> 20, cached * BLOCK / 1024);
		return 3;
	}
	memset(big, 0x5a, BIG);
	for (struct block *b = oldest; b; b = b->next) {
		if (!intact(b)) {
			printf("shrinker-cache: block %llu damaged\n", (unsigned long long)b->serial);
			return 4;
		}
	}
	if (shrinker_calls == 0 || most * BLOCK < free0 / 2) {
		printf("shrinker-cache: the cache never filled memory (%zu calls)\n", shrinker_calls);
		return 5;
	}
	printf("shrinker-cache: ok: the %d MiB allocation succeeded, %zu blocks still cached and intact\n",
	       BIG >> 20, cached);
	return 0;
}
