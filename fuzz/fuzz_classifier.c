/*
 * Fuzzes the packet classifier (kernel/net/): single frames, and streams
 * of operations that open and close channels, classify frames and pop
 * them, checked against a model of the channel table.
 *
 * Input: a mode byte (bit 0: stream; bit 1: fragments go to the stack;
 * bit 2: check the counters' text too, which halves the speed; bit 3:
 * a fake RCU, whose readers and grace periods are checked),
 * then in single mode the rest is one frame; in stream mode, operations
 * (the byte modulo 8):
 *   0 S F       open slot S on the flow of the last valid TCP/UDP frame;
 *               F: bit 0 wildcard remote, bit 1 any local (UDP), bits
 *               2-3 the ring's capacity (1, 2, 4, 8); bit 4 a capacity
 *               open must refuse instead (bit 5: 3, else 0)
 *   1 S K[38]   open slot S on a raw key (usually refused: -EINVAL)
 *   2 S         close slot S (a slot not open: -ENOENT)
 *   3 LL DATA   classify a frame of LL (big-endian, at most 2048) bytes
 *   4 S         pop one frame from slot S
 *   5 S T       open slot S on slot T's key with another remote port,
 *               the first whose flow lands in T's bucket: a chain of two,
 *               as a sender who knew the key could make
 *   6 MMM       classifier_init again with MTU MMM (24 bits, big-endian):
 *               -EINVAL outside 68-65535 (0 is 1500), -EBUSY while a
 *               channel is open, else the counters start again
 *   7 S         slot S's channel is busy (another CPU is pushing) for the
 *               next frame: a frame of its flow goes to the stack
 * Checked for every frame: the verdict, path and reason agree; a frame
 * that reaches the stack or a channel keeps its length fields inside the
 * frame (an oracle written apart from frame_check.c); a flow's frame goes
 * to the channel the model says, or to the stack when the model's ring is
 * full, with one wake call per push; popped handles come out in order;
 * the counters add up, and their text agrees with them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/classifier.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define SLOTS 8
#define MAX_CAPACITY 8
#define MAX_FRAME 2048

struct model_slot {
	bool open;
	struct flow_key key;
	size_t capacity;
	uintptr_t fifo[MAX_CAPACITY]; /* handles in the ring, oldest first */
	size_t fill;
	struct channel ch;
	void *slots[MAX_CAPACITY];
};

static struct model_slot model[SLOTS];
static struct model_slot *busy_slot; /* its channel marked as producing */
static uintptr_t next_handle;
static uint64_t frames_seen, wakes, pushes, busy;

/* The fake RCU: one reader at a time, never inside a grace period. */
static int rcu_readers;
static uint64_t rcu_grace_periods;

static void fake_read_lock(void)
{
	CHECK(rcu_readers == 0);
	rcu_readers++;
}

static void fake_read_unlock(void)
{
	CHECK(rcu_readers == 1);
	rcu_readers--;
}

static void fake_synchronize(void)
{
	CHECK(rcu_readers == 0);
	rcu_grace_periods++;
}

static const struct classifier_rcu fake_rcu = {
	fake_read_lock, fake_read_unlock, fake_synchronize,
};
static bool rcu_on;

/* Called once per frame pushed, with the channel it went into. */
static void count_wake(struct channel *ch)
{
	CHECK(ch->owner >= (void *)model && ch->owner < (void *)(model + SLOTS));
	wakes++;
}

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The oracle: for a frame let through, the IP and upper-layer lengths lie
 * inside the frame. Written from the RFCs, not from frame_check.c.
 */
static void check_lengths(const uint8_t *f, size_t len, const struct classify_result *r)
{
	size_t l3 = 14, l4 = r->l4_offset;

	CHECK(len >= 14 && r->packet_end <= len);
	if (r->ethertype == 0x0806) {
		CHECK(len >= 42);
		return;
	}
	if (r->ethertype == 0x0800) {
		size_t ihl = (size_t)(f[l3] & 0xf) * 4, total = be16(f + l3 + 2);

		CHECK(f[l3] >> 4 == 4 && ihl >= 20 && ihl <= total && l3 + total <= len);
		CHECK(r->packet_end == l3 + total && l4 == l3 + ihl);
	} else {
		CHECK(r->ethertype == 0x86dd);
		CHECK(f[l3] >> 4 == 6 && l3 + 40 + be16(f + l3 + 4) <= len);
		CHECK(l4 >= l3 + 40 && l4 <= r->packet_end);
	}
	if (!r->has_flow)
		return;
	if (r->protocol == 6)
		CHECK(l4 + 20 <= r->packet_end && (f[l4 + 12] >> 4) >= 5 &&
		      l4 + (size_t)(f[l4 + 12] >> 4) * 4 <= r->packet_end);
	if (r->protocol == 17)
		CHECK(be16(f + l4 + 4) >= 8 && l4 + be16(f + l4 + 4) <= r->packet_end);
}

/* The slot the model says takes flow, as channel_lookup's order has it. */
static struct model_slot *model_lookup(const struct flow_key *flow)
{
	struct flow_key want[3];
	int tries = flow->protocol == FLOW_UDP ? 3 : 1;

	want[0] = *flow;
	want[1] = *flow;
	want[1].remote_port = 0;
	memset(want[1].remote_addr, 0, 16);
	want[2] = want[1];
	memset(want[2].local_addr, 0, 16);
	for (int t = 0; t < tries; t++)
		for (int i = 0; i < SLOTS; i++)
			if (model[i].open && memcmp(&model[i].key, &want[t], sizeof(want[t])) == 0)
				return &model[i];
	return NULL;
}

/* The counters add up, and (with_text) their text says the same. */
static void check_counters(bool with_text)
{
	struct classifier_counters c;
	uint64_t paths = 0, drops = 0;
	char text[CLASSIFIER_COUNTERS_TEXT_MAX], line[64];
	int len;

	classifier_counters_read(&c);
	for (int i = 0; i < CLASSIFY_PATH_COUNT; i++)
		paths += c.paths[i];
	for (int i = 0; i < CLASSIFY_DROP_COUNT; i++)
		drops += c.drops[i];
	CHECK(c.frames == paths && paths == frames_seen && drops == c.paths[CLASSIFY_PATH_DROP]);
	CHECK(c.paths[CLASSIFY_PATH_CHANNEL] == pushes && wakes == pushes);
	CHECK(c.paths[CLASSIFY_PATH_CHANNEL_BUSY] == busy);
	CHECK(strcmp(classify_path_name(CLASSIFY_PATH_COUNT), "unknown") == 0);
	CHECK(strcmp(classify_drop_name(CLASSIFY_DROP_COUNT), "unknown") == 0);
	if (!with_text)
		return;
	len = classifier_counters_format(text, sizeof(text));
	CHECK(len > 0 && (size_t)len < sizeof(text) && strlen(text) == (size_t)len);
	snprintf(line, sizeof(line), "frames %llu\n", (unsigned long long)c.frames);
	CHECK(strncmp(text, line, strlen(line)) == 0);
	/* Each counter's line, under the name the API reports it by. */
	for (int i = 0; i < CLASSIFY_PATH_COUNT; i++) {
		snprintf(line, sizeof(line), "\npath-%s %llu\n",
			 classify_path_name((enum classify_path)i), (unsigned long long)c.paths[i]);
		CHECK(strstr(text, line) != NULL);
	}
	for (int i = 0; i < CLASSIFY_DROP_COUNT; i++) {
		snprintf(line, sizeof(line), "\ndrop-%s %llu\n",
			 classify_drop_name((enum classify_drop)i), (unsigned long long)c.drops[i]);
		CHECK(strstr(text, line) != NULL);
	}
}

static void do_frame(const uint8_t *f, size_t len, struct classify_result *last)
{
	struct classify_result r;
	uintptr_t handle = ++next_handle;
	enum classify_verdict v;
	struct model_slot *want = NULL, *marked = busy_slot;
	bool candidate;

	/* Another CPU in the middle of a push into the marked channel. */
	if (marked)
		marked->ch.producing = 1;
	v = classify(f, len, (void *)handle, &r);
	if (marked) {
		CHECK(marked->ch.producing == 1);
		marked->ch.producing = 0;
		busy_slot = NULL;
	}
	CHECK(rcu_readers == 0);
	frames_seen++;
	CHECK(v == r.verdict && (unsigned)r.path < CLASSIFY_PATH_COUNT);
	CHECK(strcmp(classify_path_name(r.path), "unknown") != 0);
	if (v == CLASSIFY_DROP) {
		CHECK(r.path == CLASSIFY_PATH_DROP && (unsigned)r.reason < CLASSIFY_DROP_COUNT);
		CHECK(strcmp(classify_drop_name(r.reason), "unknown") != 0);
		CHECK(r.channel == NULL);
		return;
	}
	check_lengths(f, len, &r);
	CHECK(!r.has_flow || (!r.fragment && (r.flow.protocol == 6 || r.flow.protocol == 17)));
	/* TCP without SYN, FIN, RST; UDP to a unicast MAC (a group MAC's is the stack's). */
	candidate = r.has_flow && (r.flow.protocol == FLOW_UDP ? (f[0] & 1) == 0
							   : (f[r.l4_offset + 13] & 7) == 0);
	if (candidate)
		want = model_lookup(&r.flow);
	if (!want) {
		CHECK(v == CLASSIFY_STACK && r.path == CLASSIFY_PATH_STACK && r.channel == NULL);
	} else if (want == marked) {
		CHECK(v == CLASSIFY_STACK && r.path == CLASSIFY_PATH_CHANNEL_BUSY && r.channel == NULL);
		busy++;
	} else if (want->fill == want->capacity) {
		CHECK(v == CLASSIFY_STACK && r.path == CLASSIFY_PATH_CHANNEL_FULL);
	} else {
		CHECK(v == CLASSIFY_CHANNEL && r.path == CLASSIFY_PATH_CHANNEL && r.channel == &want->ch);
		want->fifo[want->fill++] = handle;
		pushes++;
	}
	if (r.has_flow)
		*last = r;
}

static void do_open(struct model_slot *s, const struct flow_key *key, size_t capacity)
{
	bool taken = false, capacity_ok = capacity != 0 && (capacity & (capacity - 1)) == 0;
	int ret;

	if (s->open)
		return;
	for (int i = 0; i < SLOTS; i++)
		taken |= model[i].open && memcmp(&model[i].key, key, sizeof(*key)) == 0;
	ret = channel_open(&s->ch, key, s->slots, capacity, count_wake, s);
	/* A key that is open was valid: the second open must say -EEXIST. */
	CHECK((taken && capacity_ok) == (ret == -EEXIST));
	CHECK(capacity_ok || ret == -EINVAL);
	if (ret != 0) {
		CHECK(ret == -EINVAL || ret == -EEXIST);
		return;
	}
	s->open = true;
	s->key = *key;
	s->capacity = capacity;
	s->fill = 0;
}

static void do_close(struct model_slot *s)
{
	void *got;
	uint64_t grace_periods = rcu_grace_periods;

	if (!s->open) {
		/* Not in the table (never opened, or closed): nothing changes. */
		CHECK(channel_close(&s->ch) == -ENOENT);
		CHECK(rcu_grace_periods == grace_periods);
		return;
	}
	CHECK(channel_close(&s->ch) == 0);
	/* The ring is the caller's again only after a grace period. */
	CHECK(rcu_grace_periods == grace_periods + (rcu_on ? 1 : 0));
	/* What the ring still holds is the caller's: drained in order. */
	for (size_t i = 0; i < s->fill; i++)
		CHECK(channel_pop(&s->ch, &got) && (uintptr_t)got == s->fifo[i]);
	CHECK(!channel_pop(&s->ch, &got));
	s->open = false;
}

static void do_pop(struct model_slot *s)
{
	void *got;

	if (!s->open)
		return;
	if (s->fill == 0) {
		CHECK(!channel_pop(&s->ch, &got));
		return;
	}
	CHECK(channel_pop(&s->ch, &got) && (uintptr_t)got == s->fifo[0]);
	memmove(s->fifo, s->fifo + 1, (s->fill - 1) * sizeof(s->fifo[0]));
	s->fill--;
}

/* Slot s on t's key with the first other remote port of t's bucket. */
static void do_open_same_bucket(struct model_slot *s, const struct model_slot *t)
{
	struct flow_key k;
	unsigned bucket;

	if (!t->open || t->key.remote_port == 0)
		return;
	k = t->key;
	bucket = classifier_bucket(&k);
	for (unsigned port = (unsigned)t->key.remote_port + 1; port < t->key.remote_port + 65536u; port++) {
		k.remote_port = (uint16_t)port; /* every other port once, 0 skipped */
		if (k.remote_port != 0 && classifier_bucket(&k) == bucket) {
			do_open(s, &k, t->capacity);
			return;
		}
	}
}

static bool any_open(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (model[i].open)
			return true;
	return false;
}

static struct classifier_config config = { .key = "fuzz-key-0123456" };

/*
 * classifier_init again: refused for a bad MTU (the argument is checked
 * first) or while a channel is open.
 */
static void do_init(size_t mtu)
{
	int ret;

	config.mtu = mtu;
	ret = classifier_init(&config);
	if (mtu != 0 && (mtu < 68 || mtu > 65535)) {
		CHECK(ret == -EINVAL);
	} else if (any_open()) {
		CHECK(ret == -EBUSY);
	} else {
		CHECK(ret == 0);
		frames_seen = wakes = pushes = busy = 0;
	}
}

static void run_stream(struct input *in)
{
	struct classify_result last = { .has_flow = false };
	uint8_t op, arg, flags, lenb[2], mtub[3];

	while (take(in, &op, 1)) {
		switch (op % 8) {
		case 0: {
			struct flow_key k = last.flow;

			if (!take(in, &arg, 1) || !take(in, &flags, 1) || !last.has_flow)
				break;
			if (flags & 1) {
				k.remote_port = 0;
				memset(k.remote_addr, 0, 16);
			}
			if (flags & 2)
				memset(k.local_addr, 0, 16);
			if (flags & 0x10)
				do_open(&model[arg % SLOTS], &k, flags & 0x20 ? 3 : 0);
			else
				do_open(&model[arg % SLOTS], &k, (size_t)1 << ((flags >> 2) & 3));
			break;
		}
		case 1: {
			struct flow_key k;

			if (!take(in, &arg, 1) || !take(in, &k, sizeof(k)))
				break;
			do_open(&model[arg % SLOTS], &k, 4);
			break;
		}
		case 2:
			if (take(in, &arg, 1))
				do_close(&model[arg % SLOTS]);
			break;
		case 3: {
			uint8_t *frame;
			size_t len;

			if (!take(in, lenb, 2))
				break;
			len = be16(lenb) % (MAX_FRAME + 1);
			if (len > in->left)
				len = in->left;
			/* A buffer of exactly len bytes: ASan sees a read past it. */
			frame = malloc(len ? len : 1);
			CHECK(frame != NULL);
			take(in, frame, len);
			do_frame(frame, len, &last);
			free(frame);
			break;
		}
		case 4:
			if (take(in, &arg, 1))
				do_pop(&model[arg % SLOTS]);
			break;
		case 5:
			if (take(in, &arg, 1) && take(in, &flags, 1))
				do_open_same_bucket(&model[arg % SLOTS], &model[flags % SLOTS]);
			break;
		case 6:
			if (take(in, mtub, 3))
				do_init((size_t)mtub[0] << 16 | (size_t)mtub[1] << 8 | mtub[2]);
			break;
		case 7:
			if (take(in, &arg, 1) && model[arg % SLOTS].open)
				busy_slot = &model[arg % SLOTS];
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct classify_result last;
	uint8_t mode;

	if (!take(&in, &mode, 1))
		return 0;
	config.mtu = 0;
	config.fragments_to_stack = mode & 2;
	rcu_on = mode & 8;
	config.rcu = rcu_on ? &fake_rcu : NULL;
	rcu_readers = 0;
	rcu_grace_periods = 0;
	CHECK(classifier_init(&config) == 0);
	frames_seen = wakes = pushes = busy = 0;
	busy_slot = NULL;
	memset(model, 0, sizeof(model));
	if (mode & 1)
		run_stream(&in);
	else
		do_frame(in.p, in.left, &last);
	check_counters(mode & 4);
	for (int i = 0; i < SLOTS; i++)
		do_close(&model[i]);
	return 0;
}
