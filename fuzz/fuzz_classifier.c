/*
 * Fuzzes the packet classifier (kernel/net/): single frames, and streams
 * of operations that open and close channels, classify frames and pop
 * them, checked against a model of the channel table.
 *
 * Input: a mode byte (bit 0: stream; bit 1: fragments go to the stack;
 * bit 2: check the counters' text too, which halves the speed),
 * then in single mode the rest is one frame; in stream mode, operations:
 *   0 S F       open slot S on the flow of the last valid TCP/UDP frame;
 *               F: bit 0 wildcard remote, bit 1 any local (UDP), bits
 *               2-3 the ring's capacity (1, 2, 4, 8)
 *   1 S K[38]   open slot S on a raw key (usually refused: -EINVAL)
 *   2 S         close slot S
 *   3 LL DATA   classify a frame of LL (big-endian, at most 2048) bytes
 *   4 S         pop one frame from slot S
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
static uintptr_t next_handle;
static uint64_t frames_seen, wakes, pushes;

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
	if (!with_text)
		return;
	len = classifier_counters_format(text, sizeof(text));
	CHECK(len > 0 && (size_t)len < sizeof(text) && strlen(text) == (size_t)len);
	snprintf(line, sizeof(line), "frames %llu\n", (unsigned long long)c.frames);
	CHECK(strncmp(text, line, strlen(line)) == 0);
	snprintf(line, sizeof(line), "\npath-drop %llu\n",
		 (unsigned long long)c.paths[CLASSIFY_PATH_DROP]);
	CHECK(strstr(text, line) != NULL);
}

static void do_frame(const uint8_t *f, size_t len, struct classify_result *last)
{
	struct classify_result r;
	uintptr_t handle = ++next_handle;
	enum classify_verdict v = classify(f, len, (void *)handle, &r);
	struct model_slot *want = NULL;
	bool candidate;

	frames_seen++;
	CHECK(v == r.verdict && (unsigned)r.path < CLASSIFY_PATH_COUNT);
	if (v == CLASSIFY_DROP) {
		CHECK(r.path == CLASSIFY_PATH_DROP && (unsigned)r.reason < CLASSIFY_DROP_COUNT);
		CHECK(r.channel == NULL);
		return;
	}
	check_lengths(f, len, &r);
	CHECK(!r.has_flow || (!r.fragment && (r.flow.protocol == 6 || r.flow.protocol == 17)));
	candidate = r.has_flow && (r.flow.protocol == FLOW_UDP || (f[r.l4_offset + 13] & 7) == 0);
	if (candidate)
		want = model_lookup(&r.flow);
	if (!want) {
		CHECK(v == CLASSIFY_STACK && r.path == CLASSIFY_PATH_STACK && r.channel == NULL);
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
	bool taken = false;
	int ret;

	if (s->open)
		return;
	for (int i = 0; i < SLOTS; i++)
		taken |= model[i].open && memcmp(&model[i].key, key, sizeof(*key)) == 0;
	ret = channel_open(&s->ch, key, s->slots, capacity, count_wake, s);
	/* A key that is open was valid: the second open must say -EEXIST. */
	CHECK(taken == (ret == -EEXIST));
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

	if (!s->open)
		return;
	CHECK(channel_close(&s->ch) == 0);
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

static void run_stream(struct input *in)
{
	struct classify_result last = { .has_flow = false };
	uint8_t op, arg, flags, lenb[2];

	while (take(in, &op, 1)) {
		switch (op % 5) {
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
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct classifier_config cfg = { .key = "fuzz-key-0123456" };
	struct classify_result last;
	uint8_t mode;

	if (!take(&in, &mode, 1))
		return 0;
	cfg.fragments_to_stack = mode & 2;
	CHECK(classifier_init(&cfg) == 0);
	frames_seen = wakes = pushes = 0;
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
