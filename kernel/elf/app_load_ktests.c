/*
 * test=app-load-leak (the image with libc): loading a file that is not a
 * valid ELF object fails, and gives back the kernel heap memory its bytes
 * were read into. The integration case packs a text file as /bad.so; the
 * load is tried LOAD_TRIES times and the kernel heap's live blocks must not
 * grow by one per try.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_load.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>

#define LOAD_TRIES 64
#define BAD_PATH   "/bad.so"

/* The file never gets as far as binding: no libc is needed. */
static const struct app_libc no_libc = { NULL, 0 };

static int ktest_app_load_leak(void)
{
	struct app_image *img = kcalloc(1, sizeof(*img));
	size_t before, after;
	char err[160];
	int failed = 0;

	if (!img)
		return 1;
	before = kernel_heap_blocks();
	for (int i = 0; i < LOAD_TRIES; i++) {
		memset(img, 0, sizeof(*img));
		failed += app_load(img, &no_libc, BAD_PATH, err, sizeof(err)) < 0;
	}
	after = kernel_heap_blocks();
	kfree(img);
	kprintf("app-load-leak: %d of %d loads of %s failed (%s); kernel heap blocks "
		"%zu before, %zu after\n", failed, LOAD_TRIES, BAD_PATH, err, before, after);
	/* A few blocks of slack for other threads; a leak is one block per try. */
	return failed == LOAD_TRIES && after < before + LOAD_TRIES / 4 ? 0 : 1;
}

KTEST("app-load-leak", ktest_app_load_leak);
