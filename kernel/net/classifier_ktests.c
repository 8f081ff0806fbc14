/*
 * test=classifier: the classifier with the kernel's key and RCU. A UDP
 * frame of an open channel lands in it, the same frame cut short is
 * dropped as udp-bad-length, and after channel_close (a real grace period)
 * the frame takes the stack's path. Prints the counters, and the hash of
 * one fixed flow, which must change from boot to boot with the key
 * (tests/unit/test_classifier_boots.py); 0 when passed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/classifier.h>
#include <carapace/console.h>
#include <carapace/ktests.h>

#define FRAME_LEN 50 /* Ethernet 14, IPv4 20, UDP 8, 8 bytes of data */

/* 10.0.2.2:5353 -> 10.0.2.15:53, the IPv4 checksum filled in by the test. */
static const uint8_t udp_frame[FRAME_LEN] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02, 0x08, 0x00,
	0x45, 0x00, 0x00, 36, 0x00, 0x01, 0x00, 0x00, 64, 17, 0x00, 0x00,
	10, 0, 2, 2, 10, 0, 2, 15,
	0x14, 0xe9, 0x00, 53, 0x00, 16, 0x00, 0x00,
	'c', 'a', 'r', 'a', 'p', 'a', 'c', 'e',
};

static void fill_ipv4_checksum(uint8_t *f)
{
	uint32_t sum = 0;

	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (uint8_t)(~sum >> 8);
	f[25] = (uint8_t)~sum;
}

static int ktest_classifier(void)
{
	static struct channel ch;
	static void *slots[4];
	struct flow_key key = { .family = FLOW_IPV4, .protocol = FLOW_UDP, .local_port = 53 };
	struct classify_result res;
	uint8_t frame[FRAME_LEN];
	void *got = NULL;
	bool ok = true;
	int ret;

	ret = classifier_kernel_init(0, false);
	if (ret) {
		kprintf("classifier: init %d\n", ret);
		return 1;
	}
	memcpy(frame, udp_frame, sizeof(frame));
	fill_ipv4_checksum(frame);
	ret = channel_open(&ch, &key, slots, 4, NULL, NULL);
	ok &= ret == 0;
	ok &= classify(frame, sizeof(frame), frame, &res) == CLASSIFY_CHANNEL;
	ok &= channel_pop(&ch, &got) && got == frame;
	frame[39] = 17; /* the UDP length one byte past the frame */
	ok &= classify(frame, sizeof(frame), frame, &res) == CLASSIFY_DROP &&
	      res.reason == CLASSIFY_DROP_UDP_BAD_LENGTH;
	frame[39] = 16;
	ok &= channel_close(&ch) == 0;
	ok &= classify(frame, sizeof(frame), frame, &res) == CLASSIFY_STACK;
	classifier_print_counters();
	kprintf("classifier: flow-hash 0x%016llx bucket %u\n",
		(unsigned long long)classifier_flow_hash(&key), classifier_bucket(&key));
	kprintf("classifier: %s\n", ok ? "passed" : "FAILED");
	return ok ? 0 : 1;
}
KTEST("classifier", ktest_classifier);
