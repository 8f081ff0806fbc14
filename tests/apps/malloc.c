/*
 * malloc, realloc and free through musl's allocator (on the kernel's mmap
 * and brk): many sizes, contents checked after every move. Exits 0 when
 * every byte was where it should be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

int main(void)
{
	static unsigned char *p[SLOTS];
	static size_t len[SLOTS];
	unsigned seed = 12345;
	long bad = 0;

	for (int round = 0; round < 20000; round++) {
		int i = (int)((seed = seed * 1103515245u + 12345u) >> 16) % SLOTS;
		size_t n = ((seed >> 4) % 7 == 0) ? (seed % 300000) : (seed % 2000);

		for (size_t j = 0; j < len[i]; j++)
			bad += p[i][j] != (unsigned char)(i + j);
		if (!p[i] || (seed & 3) == 0) {
			free(p[i]);
			p[i] = malloc(n + 1);
		} else {
			p[i] = realloc(p[i], n + 1);
		}
		if (!p[i]) {
			printf("malloc: out of memory at round %d\n", round);
			return 1;
		}
		len[i] = n;
		for (size_t j = 0; j < n; j++)
			p[i][j] = (unsigned char)(i + j);
	}
	for (int i = 0; i < SLOTS; i++)
		free(p[i]);
	printf("malloc: 20000 rounds, %ld bytes wrong\n", bad);
	return bad != 0;
}
