/*
 * Tests for kernel/dev/virtio_net_check.c: what the virtio-net driver
 * accepts from its device. The receive lengths and MACs of a table, then a
 * fake device on a real virtqueue that lies about a receive buffer the way
 * the driver would see it: too short for the header (caught here), longer
 * than the buffer (caught by the virtqueue first).
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

#include <carapace/virtio_net.h>
#include <carapace/virtqueue.h>

#define QSIZE 4

static char err[160];

static void test_rx_lengths(void **state)
{
	static const struct {
		uint32_t used_len;
		int rc;
		size_t frame_len;
		const char *msg;
	} cases[] = {
		{ 0, -EIO, 0, "said it wrote 0 bytes into a receive buffer, less than the 12-byte header" },
		{ 11, -EIO, 0, "said it wrote 11 bytes into a receive buffer, less than the 12-byte header" },
		{ 12, 0, 0, NULL },    /* an empty frame: the stack drops it */
		{ 26, 0, 14, NULL },
		{ VIRTIO_NET_RX_BUF_SIZE, 0, 1514, NULL },
		{ VIRTIO_NET_RX_BUF_SIZE + 1, -EIO, 0,
		  "said it wrote 1527 bytes into a receive buffer of 1526" },
		{ UINT32_MAX, -EIO, 0, "said it wrote 4294967295 bytes into a receive buffer of 1526" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t frame_len = 12345;

		err[0] = '\0';
		assert_int_equal(virtio_net_rx_check(cases[i].used_len, VIRTIO_NET_RX_BUF_SIZE,
						     &frame_len, err, sizeof(err)), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(frame_len, cases[i].frame_len);
		else
			assert_string_equal(err, cases[i].msg);
	}
}

static void test_macs(void **state)
{
	static const struct {
		uint8_t mac[6];
		const char *msg; /* NULL: accepted */
	} cases[] = {
		{ { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, NULL },
		{ { 0x02, 0, 0, 0, 0, 1 }, NULL },
		{ { 0, 0, 0, 0, 0, 0 }, "gave the MAC 00:00:00:00:00:00" },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "gave a multicast MAC ff:ff:ff:ff:ff:ff" },
		{ { 0x01, 0x00, 0x5e, 0, 0, 1 }, "gave a multicast MAC 01:00:5e:00:00:01" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = virtio_net_mac_check(cases[i].mac, err, sizeof(err));

		assert_int_equal(rc, cases[i].msg ? -EINVAL : 0);
		if (cases[i].msg)
			assert_string_equal(err, cases[i].msg);
	}
}

struct fixture {
	struct virtqueue vq;
	struct virtqueue_slot slots[QSIZE];
	void *ring;
	uint8_t *buf; /* one receive buffer */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct virtqueue_buf b;

	assert_non_null(f);
	f->ring = aligned_alloc(4096, 4096);
	f->buf = calloc(1, VIRTIO_NET_RX_BUF_SIZE);
	assert_non_null(f->ring);
	assert_non_null(f->buf);
	assert_int_equal(virtqueue_init(&f->vq, QSIZE, f->ring, (uintptr_t)f->ring, f->slots), 0);
	b = (struct virtqueue_buf){ (uintptr_t)f->buf, VIRTIO_NET_RX_BUF_SIZE, true };
	assert_int_equal(virtqueue_add(&f->vq, &b, 1, f->buf), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->buf);
	free(f->ring);
	free(f);
	return 0;
}

/* The device hands the one buffer back saying it wrote len bytes. */
static void device_uses(struct fixture *f, uint32_t len)
{
	uint16_t head = f->vq.avail->ring[0];

	f->vq.used->ring[0] = (struct virtq_used_elem){ head, len };
	__atomic_store_n(&f->vq.used->idx, 1, __ATOMIC_RELEASE);
}

/* The driver's receive step: the virtqueue's checks, then the driver's. */
static int driver_takes(struct fixture *f, size_t *frame_len)
{
	uint32_t written;
	void *cookie;
	int rc = virtqueue_get_used(&f->vq, &cookie, &written);

	if (rc)
		return rc;
	assert_ptr_equal(cookie, f->buf);
	return virtio_net_rx_check(written, VIRTIO_NET_RX_BUF_SIZE, frame_len, err, sizeof(err));
}

static void test_device_honest(void **state)
{
	struct fixture *f = *state;
	size_t frame_len;

	device_uses(f, VIRTIO_NET_HDR_SIZE + 60);
	assert_int_equal(driver_takes(f, &frame_len), 0);
	assert_int_equal(frame_len, 60);
}

static void test_device_short_header(void **state)
{
	struct fixture *f = *state;
	size_t frame_len;

	device_uses(f, 5);
	assert_int_equal(driver_takes(f, &frame_len), -EIO);
	assert_string_equal(err,
			    "said it wrote 5 bytes into a receive buffer, less than the 12-byte header");
}

static void test_device_overlong(void **state)
{
	struct fixture *f = *state;
	size_t frame_len;

	device_uses(f, VIRTIO_NET_RX_BUF_SIZE + 100);
	assert_int_equal(driver_takes(f, &frame_len), -EIO); /* the virtqueue refuses it */
	assert_true(f->vq.broken);
	assert_int_equal(driver_takes(f, &frame_len), -EIO); /* and stays broken */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_lengths),
		cmocka_unit_test(test_macs),
		cmocka_unit_test_setup_teardown(test_device_honest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_short_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_overlong, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
