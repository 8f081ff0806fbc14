/*
 * Tests for kernel/dev/virtqueue.c against a fake device that plays the
 * other side of the rings as virtio 1.x 2.7 describes it: it takes chains
 * from the available ring, reads and writes their buffers, and puts them on
 * the used ring, in order or not. "Physical" addresses are host pointers
 * here. Then a device that breaks the protocol, which must be caught.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/virtqueue.h>

#define QSIZE 8

struct fake_device {
	struct virtqueue *vq;
	uint16_t seen_avail;  /* next available ring entry to take */
	uint16_t taken[QSIZE]; /* heads taken, not yet used */
	size_t ntaken;
	size_t read_bytes;    /* bytes of readable buffers it saw last */
};

struct fixture {
	struct virtqueue vq;
	struct virtqueue_slot slots[QSIZE];
	void *ring;
	struct fake_device dev;
};

static void *phys_ptr(uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

static uint64_t ptr_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* The device takes every chain offered so far. */
static void device_take(struct fake_device *d)
{
	uint16_t idx = __atomic_load_n(&d->vq->avail->idx, __ATOMIC_ACQUIRE);

	while (d->seen_avail != idx) {
		assert_true(d->ntaken < QSIZE);
		d->taken[d->ntaken++] = d->vq->avail->ring[d->seen_avail % QSIZE];
		d->seen_avail++;
	}
}

/*
 * The device completes the i-th chain it holds: it reads its readable
 * buffers, fills its writable ones with fill (at most limit bytes), and
 * puts it on the used ring with the count it wrote.
 */
static uint32_t device_complete(struct fake_device *d, size_t i, uint8_t fill, uint32_t limit)
{
	uint16_t head = d->taken[i], desc = head;
	struct virtq_used *used = d->vq->used;
	uint32_t written = 0;

	d->read_bytes = 0;
	for (;;) {
		struct virtq_desc *e = &d->vq->desc[desc];

		assert_true(desc < QSIZE);
		if (e->flags & VIRTQ_DESC_F_WRITE) {
			uint32_t n = e->len < limit - written ? e->len : limit - written;

			memset(phys_ptr(e->addr), fill, n);
			written += n;
		} else {
			d->read_bytes += e->len;
		}
		if (!(e->flags & VIRTQ_DESC_F_NEXT))
			break;
		desc = e->next;
	}
	used->ring[used->idx % QSIZE] = (struct virtq_used_elem){ head, written };
	__atomic_store_n(&used->idx, (uint16_t)(used->idx + 1), __ATOMIC_RELEASE);
	memmove(&d->taken[i], &d->taken[i + 1], (d->ntaken - i - 1) * sizeof(d->taken[0]));
	d->ntaken--;
	return written;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ring = aligned_alloc(4096, 4096);
	assert_non_null(f->ring);
	assert_int_equal(virtqueue_init(&f->vq, QSIZE, f->ring, ptr_phys(f->ring), f->slots), 0);
	f->dev.vq = &f->vq;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ring);
	free(f);
	return 0;
}

static void test_ring_bytes(void **state)
{
	static const struct {
		uint16_t size;
		size_t bytes;
	} cases[] = {
		/* desc 16n, avail 6+2n, used (4-aligned) 6+8n */
		{ 0, 0 }, { 3, 0 }, { 6, 0 }, { 1, 16 + 8 + 14 },
		{ 8, 152 + 70 }, { 256, 4096 + 520 + 2054 },
		{ 32768, 32768 * 16 + 65542 + 2 + 262150 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(virtqueue_ring_bytes(cases[i].size), cases[i].bytes);
}

static void test_init_rejects(void **state)
{
	struct virtqueue vq;
	struct virtqueue_slot slots[4];
	_Alignas(16) uint8_t mem[256];

	(void)state;
	assert_int_equal(virtqueue_init(&vq, 3, mem, ptr_phys(mem), slots), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 0, mem, ptr_phys(mem), slots), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 4, mem + 8, ptr_phys(mem + 8), slots), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 4, mem, ptr_phys(mem) + 4, slots), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 4, mem, ptr_phys(mem), NULL), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 4, mem, ptr_phys(mem), slots), 0);
	assert_int_equal(vq.num_free, 4);
	/* A polling driver: no interrupts asked for. */
	assert_int_equal(vq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_ptr_equal(phys_ptr(vq.used_phys), vq.used);
	assert_int_equal(vq.used_phys % 4, 0);
}

/* What virtio-rng does: one device-writable buffer, filled by the device. */
static void test_one_writable_buffer(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[64] = { 0 };
	struct virtqueue_buf b = { ptr_phys(buf), sizeof(buf), true };
	void *cookie = NULL;
	uint32_t written = 0;

	assert_int_equal(virtqueue_add(&f->vq, &b, 1, buf), 0);
	assert_int_equal(f->vq.num_free, QSIZE - 1);
	assert_true(virtqueue_should_notify(&f->vq));
	assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), -EAGAIN);

	device_take(&f->dev);
	assert_int_equal(f->dev.ntaken, 1);
	assert_int_equal(f->vq.desc[f->dev.taken[0]].flags, VIRTQ_DESC_F_WRITE);
	assert_int_equal(device_complete(&f->dev, 0, 0xa5, 40), 40);

	assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), 0);
	assert_ptr_equal(cookie, buf);
	assert_int_equal(written, 40);
	assert_int_equal(buf[39], 0xa5);
	assert_int_equal(buf[40], 0);
	assert_int_equal(f->vq.num_free, QSIZE);
	assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), -EAGAIN);
}

/* What virtio-net will do: a header the device reads, then buffers it writes. */
static void test_chain(void **state)
{
	struct fixture *f = *state;
	uint8_t out[12] = { 1 }, in1[100], in2[50];
	struct virtqueue_buf chain[] = {
		{ ptr_phys(out), sizeof(out), false },
		{ ptr_phys(in1), sizeof(in1), true },
		{ ptr_phys(in2), sizeof(in2), true },
	};
	struct virtqueue_buf bad[] = {
		{ ptr_phys(in1), sizeof(in1), true },
		{ ptr_phys(out), sizeof(out), false },
	};
	struct virtqueue_buf zero = { ptr_phys(out), 0, false };
	void *cookie;
	uint32_t written;

	assert_int_equal(virtqueue_add(&f->vq, bad, 2, NULL), -EINVAL);
	assert_int_equal(virtqueue_add(&f->vq, &zero, 1, NULL), -EINVAL);
	assert_int_equal(virtqueue_add(&f->vq, chain, 0, NULL), -EINVAL);
	assert_int_equal(f->vq.num_free, QSIZE);

	assert_int_equal(virtqueue_add(&f->vq, chain, 3, out), 0);
	assert_int_equal(f->vq.num_free, QSIZE - 3);
	device_take(&f->dev);
	assert_int_equal(device_complete(&f->dev, 0, 0x5a, 1000), 150);
	assert_int_equal(f->dev.read_bytes, sizeof(out));
	assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), 0);
	assert_ptr_equal(cookie, out);
	assert_int_equal(written, 150);
	assert_int_equal(in2[49], 0x5a);
	assert_int_equal(f->vq.num_free, QSIZE);
}

/* A full queue refuses; chains finished out of order free the right descriptors. */
static void test_full_and_out_of_order(void **state)
{
	struct fixture *f = *state;
	uint8_t bufs[QSIZE / 2][2][16];
	void *cookie;
	uint32_t written;

	for (uintptr_t i = 0; i < QSIZE / 2; i++) {
		struct virtqueue_buf chain[] = {
			{ ptr_phys(bufs[i][0]), 16, true }, { ptr_phys(bufs[i][1]), 16, true },
		};

		assert_int_equal(virtqueue_add(&f->vq, chain, 2, (void *)(i + 1)), 0);
	}
	assert_int_equal(f->vq.num_free, 0);
	{
		struct virtqueue_buf one = { ptr_phys(bufs[0][0]), 16, true };

		assert_int_equal(virtqueue_add(&f->vq, &one, 1, NULL), -ENOSPC);
	}
	device_take(&f->dev);
	device_complete(&f->dev, 2, 1, 32); /* the third chain first */
	device_complete(&f->dev, 0, 1, 5);  /* then the first */
	assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), 0);
	assert_ptr_equal(cookie, (void *)3);
	assert_int_equal(written, 32);
	assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), 0);
	assert_ptr_equal(cookie, (void *)1);
	assert_int_equal(written, 5);
	assert_int_equal(f->vq.num_free, 4);
	/* The freed descriptors serve a new chain of four. */
	{
		struct virtqueue_buf four[4];

		for (int i = 0; i < 4; i++)
			four[i] = (struct virtqueue_buf){ ptr_phys(bufs[i][0]), 16, true };
		assert_int_equal(virtqueue_add(&f->vq, four, 4, (void *)9), 0);
	}
	assert_int_equal(f->vq.num_free, 0);
	device_take(&f->dev);
	while (f->dev.ntaken)
		device_complete(&f->dev, f->dev.ntaken - 1, 2, 64);
	for (int i = 0; i < 3; i++)
		assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), 0);
	assert_ptr_equal(cookie, (void *)2); /* the last one completed: the second chain */
	assert_int_equal(f->vq.num_free, QSIZE);
}

/* 70,000 requests: the 16-bit ring indices wrap, nothing leaks. */
static void test_indices_wrap(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[8];
	struct virtqueue_buf b = { ptr_phys(buf), sizeof(buf), true };
	void *cookie;
	uint32_t written;

	for (uintptr_t i = 0; i < 70000; i++) {
		assert_int_equal(virtqueue_add(&f->vq, &b, 1, (void *)i), 0);
		device_take(&f->dev);
		device_complete(&f->dev, 0, (uint8_t)i, 8);
		assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), 0);
		assert_ptr_equal(cookie, (void *)i);
		assert_int_equal(buf[7], (uint8_t)i);
	}
	assert_int_equal(f->vq.num_free, QSIZE);
	assert_int_equal(f->vq.avail_idx, (uint16_t)70000);
}

static void test_no_notify_flag(void **state)
{
	struct fixture *f = *state;

	f->vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_false(virtqueue_should_notify(&f->vq));
	f->vq.used->flags = 0;
	assert_true(virtqueue_should_notify(&f->vq));
}

/* A device that lies in the used ring: each lie breaks the queue for good. */
enum lie { HEAD_OUT_OF_RANGE, HEAD_NOT_IN_USE, NOT_A_HEAD, TOO_LONG, INDEX_AHEAD, TWICE };

static void test_lying_device(void **state)
{
	static const enum lie lies[] = {
		HEAD_OUT_OF_RANGE, HEAD_NOT_IN_USE, NOT_A_HEAD, TOO_LONG, INDEX_AHEAD, TWICE,
	};

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		struct fixture *f;
		uint8_t buf[2][16];
		struct virtqueue_buf chain[] = {
			{ ptr_phys(buf[0]), 16, true }, { ptr_phys(buf[1]), 16, true },
		};
		struct virtq_used *used;
		void *cookie;
		uint32_t written;
		uint16_t head;

		setup(state);
		f = *state;
		used = f->vq.used;
		assert_int_equal(virtqueue_add(&f->vq, chain, 2, buf), 0);
		head = f->vq.avail->ring[0];
		used->ring[0] = (struct virtq_used_elem){ head, 32 };
		used->idx = 1;
		switch (lies[i]) {
		case HEAD_OUT_OF_RANGE: used->ring[0].id = QSIZE; break;
		case HEAD_NOT_IN_USE: used->ring[0].id = (uint16_t)(head + 2); break;
		case NOT_A_HEAD: used->ring[0].id = f->vq.desc[head].next; break;
		case TOO_LONG: used->ring[0].len = 33; break;
		case INDEX_AHEAD: used->idx = 2; break;
		case TWICE:
			assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), 0);
			used->ring[1] = used->ring[0];
			used->idx = 2;
			break;
		}
		assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), -EIO);
		assert_true(f->vq.broken);
		assert_int_equal(virtqueue_get_used(&f->vq, &cookie, &written), -EIO);
		assert_int_equal(virtqueue_add(&f->vq, chain, 1, NULL), -EIO);
		teardown(state);
	}
	*state = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_bytes),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test_setup_teardown(test_one_writable_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_and_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indices_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_notify_flag, setup, teardown),
		cmocka_unit_test(test_lying_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
