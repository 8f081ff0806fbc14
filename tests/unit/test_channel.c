/*
 * Tests for the channel table (kernel/net/channel.c) and its hash
 * (kernel/net/siphash.c): SipHash-2-4 against the reference vectors; two
 * keys (two boots) place flows in different buckets, and flows chosen to
 * share one bucket under one key spread out under another; the rules of
 * channel_open and channel_close; and channels opened and closed by one
 * thread while two others classify their frames, each closed channel's
 * memory freed at once (ASan sees any use after the grace period) and
 * every frame accounted for. Also built under ThreadSanitizer.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/classifier.h>
#include <carapace/siphash.h>

#include "frames.h"
#include "host_rcu.h"

static const struct classifier_rcu rcu = {
	host_rcu_read_lock, host_rcu_read_unlock, host_rcu_synchronize,
};

static void init_key(uint8_t first)
{
	struct classifier_config cfg = { .rcu = &rcu };

	for (int i = 0; i < CLASSIFIER_KEY_LEN; i++)
		cfg.key[i] = (uint8_t)(first + i);
	assert_int_equal(classifier_init(&cfg), 0);
}

static int setup(void **state)
{
	(void)state;
	init_key(0);
	return 0;
}

/* The paper's key 00..0f, message 00..len-1 (its reference vectors). */
static void test_siphash_vectors(void **state)
{
	static const struct {
		size_t len;
		uint64_t hash;
	} vectors[] = {
		{ 0, 0x726fdb47dd0e0e31ull }, { 1, 0x74f839c593dc67fdull },
		{ 2, 0x0d6c8009d9a94f5aull }, { 3, 0x85676696d7fb7e2dull },
		{ 7, 0xab0200f58b01d137ull }, { 8, 0x93f5f5799a932462ull },
		{ 15, 0xa129ca6149be45e5ull }, { 16, 0x3f2acc7f57c29bdbull },
	};
	uint8_t key[16], msg[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		assert_int_equal(siphash24(key, msg, vectors[i].len), vectors[i].hash);
}

static struct flow_key tcp_flow(uint16_t remote_port)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = FLOW_IPV4;
	k.protocol = FLOW_TCP;
	k.local_port = 80;
	k.remote_port = remote_port;
	memcpy(k.local_addr, fr_guest4, 4);
	memcpy(k.remote_addr, fr_peer4, 4);
	return k;
}

/* Two boots: the same 1000 flows land in unrelated buckets. */
static void test_two_keys_place_differently(void **state)
{
	static unsigned bucket_a[1000];
	uint64_t hash_a;
	int same = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		struct flow_key k = tcp_flow((uint16_t)(1024 + i));

		bucket_a[i] = classifier_bucket(&k);
	}
	hash_a = classifier_flow_hash(&(struct flow_key){ 0 });
	init_key(0x40);
	assert_true(classifier_flow_hash(&(struct flow_key){ 0 }) != hash_a);
	for (int i = 0; i < 1000; i++) {
		struct flow_key k = tcp_flow((uint16_t)(1024 + i));

		same += classifier_bucket(&k) == bucket_a[i];
	}
	/* By chance about 1000 / 256, i.e. 4; a hash that ignores the key, 1000. */
	assert_true(same < 20);
}

/*
 * An attacker who knew key A finds 16 source ports whose flows share one
 * bucket: under A they make one chain 16 long. Under key B the same flows
 * spread out like any others.
 */
static void test_collisions_do_not_carry_over(void **state)
{
	struct flow_key chosen[16];
	unsigned count[CLASSIFIER_BUCKETS] = { 0 }, worst = 0, n = 0;
	unsigned target;

	(void)state;
	target = classifier_bucket(&(struct flow_key){ .family = FLOW_IPV4 });
	for (uint32_t port = 1; port < 65536 && n < 16; port++) {
		struct flow_key k = tcp_flow((uint16_t)port);

		if (classifier_bucket(&k) == target)
			chosen[n++] = k;
	}
	assert_int_equal(n, 16);
	init_key(0x80);
	for (unsigned i = 0; i < 16; i++) {
		unsigned b = classifier_bucket(&chosen[i]);

		if (++count[b] > worst)
			worst = count[b];
	}
	assert_true(worst <= 3);
	/* And under A again, all 16 in one chain, all still found. */
	init_key(0);
	{
		struct channel ch[16];
		void *slots[16][1];
		uint8_t f[FR_MAX];
		struct classify_result res;

		for (unsigned i = 0; i < 16; i++)
			assert_int_equal(channel_open(&ch[i], &chosen[i], slots[i], 1, NULL, NULL), 0);
		for (unsigned i = 0; i < 16; i++) {
			size_t len = fr_tcp4(f, chosen[i].remote_port, 80, FR_TCP_ACK, 0);

			void *got;

			assert_int_equal(classify(f, len, f, &res), CLASSIFY_CHANNEL);
			assert_ptr_equal(res.channel, &ch[i]);
			assert_true(channel_pop(&ch[i], &got));
		}
		for (unsigned i = 0; i < 16; i += 2)
			assert_int_equal(channel_close(&ch[i]), 0);
		for (unsigned i = 0; i < 16; i++) {
			size_t len = fr_tcp4(f, chosen[i].remote_port, 80, FR_TCP_ACK, 0);

			assert_int_equal(classify(f, len, f, &res), i % 2 ? CLASSIFY_CHANNEL : CLASSIFY_STACK);
		}
		for (unsigned i = 1; i < 16; i += 2)
			assert_int_equal(channel_close(&ch[i]), 0);
	}
}

static void test_open_rules(void **state)
{
	struct flow_key ok = tcp_flow(5000), k;
	struct channel ch, other;
	void *slots[8];

	(void)state;
#define REFUSED(mutate)                                                          \
	do {                                                                     \
		k = ok;                                                          \
		mutate;                                                          \
		assert_int_equal(channel_open(&ch, &k, slots, 8, NULL, NULL), -EINVAL); \
	} while (0)
	REFUSED(k.family = 5);
	REFUSED(k.protocol = 1);
	REFUSED(k.local_port = 0);
	REFUSED(k.remote_port = 0);
	REFUSED(k.local_addr[7] = 1);                  /* IPv4 not canonical */
	REFUSED(memset(k.local_addr, 0, 16));         /* TCP: exact only */
	REFUSED(k.remote_port = 0; memset(k.remote_addr, 0, 16));
	REFUSED(k.protocol = FLOW_UDP; k.remote_port = 0);          /* half a wildcard */
	REFUSED(k.protocol = FLOW_UDP; memset(k.local_addr, 0, 16)); /* any local, exact remote */
#undef REFUSED
	assert_int_equal(channel_open(&ch, &ok, slots, 6, NULL, NULL), -EINVAL);
	assert_int_equal(channel_open(&ch, &ok, slots, 0, NULL, NULL), -EINVAL);
	assert_int_equal(channel_open(&ch, &ok, slots, 8, NULL, NULL), 0);
	assert_int_equal(channel_open(&other, &ok, slots, 8, NULL, NULL), -EEXIST);
	assert_int_equal(channel_close(&other), -ENOENT);
	assert_int_equal(channel_close(&ch), 0);
	assert_int_equal(channel_close(&ch), -ENOENT);
}

#define FLOWS 8
#define ROUNDS 3000
#define READERS 2

struct handle {
	int flow; /* which of the FLOWS this frame belongs to */
};

static struct handle handles[FLOWS];
static uint8_t frames[FLOWS][64];
static size_t frame_len[FLOWS];
static int stop, readers_running;

static void *reader(void *arg)
{
	struct classify_result res;
	unsigned long i = (unsigned long)arg;

	__atomic_fetch_add(&readers_running, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		int f = (int)(i++ % FLOWS);

		classify(frames[f], frame_len[f], &handles[f], &res);
	}
	return NULL;
}

/*
 * One writer opens and closes channels (fresh memory each time, freed
 * right after channel_close) while READERS threads classify the frames of
 * those flows. Every handle a closed channel holds must be of its flow,
 * and the frames drained must equal the channel path's count.
 */
static void test_open_close_under_lookups(void **state)
{
	pthread_t t[READERS];
	struct classifier_counters c;
	unsigned long drained = 0;

	(void)state;
	for (int i = 0; i < FLOWS; i++) {
		handles[i].flow = i;
		frame_len[i] = fr_tcp4(frames[i], 6000 + i, 80, FR_TCP_ACK, 0);
	}
	stop = 0;
	readers_running = 0;
	for (unsigned long i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, (void *)(i * 3)), 0);
	while (__atomic_load_n(&readers_running, __ATOMIC_ACQUIRE) < READERS)
		sched_yield();
	/* On a loaded machine the readers may hardly run: go on until one of
	 * them has hit an open channel, within a bound. */
	for (int round = 0; round < ROUNDS || (drained == 0 && round < 100 * ROUNDS); round++) {
		int flow = round % FLOWS;
		struct flow_key key = tcp_flow((uint16_t)(6000 + flow));
		struct channel *ch = malloc(sizeof(*ch));
		void **slots = malloc(16 * sizeof(void *));
		void *got;

		assert_non_null(ch);
		assert_non_null(slots);
		assert_int_equal(channel_open(ch, &key, slots, 16, NULL, NULL), 0);
		for (volatile int spin = 0; spin < 2000; spin++)
			;
		assert_int_equal(channel_close(ch), 0);
		while (channel_pop(ch, &got)) {
			assert_int_equal(((struct handle *)got)->flow, flow);
			drained++;
		}
		memset(ch, 0xa5, sizeof(*ch));
		free(slots);
		free(ch);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	classifier_counters_read(&c);
	assert_int_equal(c.paths[CLASSIFY_PATH_CHANNEL], drained);
	assert_int_equal(c.paths[CLASSIFY_PATH_DROP], 0);
	assert_int_equal(c.channels_open, 0);
	assert_true(c.paths[CLASSIFY_PATH_STACK] > 0);
	assert_true(drained > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test_setup(test_two_keys_place_differently, setup),
		cmocka_unit_test_setup(test_collisions_do_not_carry_over, setup),
		cmocka_unit_test_setup(test_open_rules, setup),
		cmocka_unit_test_setup(test_open_close_under_lookups, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
