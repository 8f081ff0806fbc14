/*
 * The packet classifier on the host (kernel/net/, built -O2): ns per frame
 * on each path, with 64 channels open so lookups walk a populated table.
 * scripts/bench prints the medians of a few runs.
 *   drop       a TCP segment whose data offset points past the frame
 *              (every header before it validated)
 *   stack      a TCP SYN (validated, no channel lookup: SYN goes to the stack)
 *   stack-miss a UDP datagram to a port without a channel, while a bound
 *              UDP socket elsewhere makes every miss three lookups (exact,
 *              bound to the address, bound to any address)
 *   channel    a TCP data segment of an open channel (pushed, then popped
 *              here so the ring never fills)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <carapace/classifier.h>

#include "frames.h"

#define ITERATIONS 2000000
#define CHANNELS 64

static struct channel channels[CHANNELS], bound_udp;
static void *slots[CHANNELS][4], *bound_slots[4];

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ns per classify() of frame; pop_from, when given, is emptied each time. */
static long long time_path(const uint8_t *frame, size_t len, struct channel *pop_from,
			   enum classify_path want)
{
	struct classify_result res;
	void *got;
	long long t0;

	classify(frame, len, NULL, &res);
	if (res.path != want) {
		fprintf(stderr, "classifier_bench: path %s, expected %s\n",
			classify_path_name(res.path), classify_path_name(want));
		return -1;
	}
	if (pop_from)
		channel_pop(pop_from, &got);
	t0 = now_ns();
	for (int i = 0; i < ITERATIONS; i++) {
		classify(frame, len, NULL, &res);
		if (pop_from)
			channel_pop(pop_from, &got);
	}
	return (now_ns() - t0) / (ITERATIONS / 1000);
}

static void report(const char *name, long long ns_x1000)
{
	printf("bench: classifier-%s %lld ns\n", name, (ns_x1000 + 500) / 1000);
}

int main(void)
{
	struct classifier_config cfg = { .key = "bench-key-012345" };
	static uint8_t drop[FR_MAX], syn[FR_MAX], miss[FR_MAX], data[FR_MAX];
	size_t drop_len, syn_len, miss_len, data_len;
	long long ns[4];

	if (classifier_init(&cfg))
		return 1;
	for (int i = 0; i < CHANNELS; i++) {
		struct flow_key key = { .family = FLOW_IPV4, .protocol = FLOW_TCP,
					.local_port = 80, .remote_port = (uint16_t)(40000 + i) };

		memcpy(key.local_addr, fr_guest4, 4);
		memcpy(key.remote_addr, fr_peer4, 4);
		if (channel_open(&channels[i], &key, slots[i], 4, NULL, NULL))
			return 1;
	}
	{
		struct flow_key ntp = { .family = FLOW_IPV4, .protocol = FLOW_UDP, .local_port = 123 };

		if (channel_open(&bound_udp, &ntp, bound_slots, 4, NULL, NULL))
			return 1;
	}
	drop_len = fr_tcp4(drop, 40000, 80, FR_TCP_ACK, 8);
	drop[FR_ETH + FR_IP4 + 12] = 8 << 4;
	syn_len = fr_tcp4(syn, 40000, 80, FR_TCP_SYN, 0);
	miss_len = fr_udp4(miss, 5000, 53, 32);
	data_len = fr_tcp4(data, 40007, 80, FR_TCP_ACK | FR_TCP_PSH, 1000);
	ns[0] = time_path(drop, drop_len, NULL, CLASSIFY_PATH_DROP);
	ns[1] = time_path(syn, syn_len, NULL, CLASSIFY_PATH_STACK);
	ns[2] = time_path(miss, miss_len, NULL, CLASSIFY_PATH_STACK);
	ns[3] = time_path(data, data_len, &channels[7], CLASSIFY_PATH_CHANNEL);
	for (int i = 0; i < 4; i++)
		if (ns[i] < 0)
			return 1;
	report("drop", ns[0]);
	report("stack", ns[1]);
	report("stack-miss", ns[2]);
	report("channel", ns[3]);
	return 0;
}
