/*
 * kheap: slabs for small objects, whole pages for large ones.
 *
 * The header of every heap page sits at its start, so a block's header is
 * found with ptr & ~(page - 1), and its magic (mixed with the page address,
 * so a header copied elsewhere does not pass) tells a slab, a large block
 * and anything else apart. A free is fully checked before anything changes:
 * a bad pointer or a second free goes to on_error and leaves the heap as it
 * was.
 *
 *   slab page:  [struct kheap_slab, 64 bytes][slot 0][slot 1]...
 *   large run:  [struct large | pad][block at LARGE_OFFSET ............]
 *
 * LARGE_OFFSET lies inside the slab header, so a stale large pointer that
 * lands on a page now used as a slab is "inside the header", never a slot.
 *
 * Limits: the page at ptr & ~(page - 1) must be readable; a block freed
 * twice is caught while its page is still a heap page or unused, not once
 * the page has been handed out again for the same kind of block.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/kheap.h>

#define SLAB_MAGIC   0x534c4142cafe5ab1ull
#define LARGE_MAGIC  0x4c415247cafe1a29ull
#define LARGE_LIVE   0x11fe11fe11fe11feull
#define LARGE_FREED  0xf4eef4eef4eef4eeull
#define SLAB_HEADER  64u
#define LARGE_OFFSET 48u
#define MAP_WORDS    4 /* bitmap words: enough for 4032 / 16 = 252 slots */
#define FREE_POISON  0xdf

struct kheap_slab {
	uint64_t magic;        /* SLAB_MAGIC ^ page address */
	uint16_t cls;
	uint16_t nslots;
	uint16_t used;
	uint16_t unused;
	struct kheap_slab *next; /* in h->partial[cls] while it has a free slot */
	struct kheap_slab *prev;
	uint64_t free_map[MAP_WORDS]; /* 1 = slot free */
};

struct large {
	uint64_t magic;  /* LARGE_MAGIC ^ page address */
	uint64_t state;  /* LARGE_LIVE or LARGE_FREED */
	uint64_t npages;
};

_Static_assert(sizeof(struct kheap_slab) <= SLAB_HEADER, "slab header size");
_Static_assert(sizeof(struct large) <= LARGE_OFFSET, "large header size");
_Static_assert(LARGE_OFFSET % 16 == 0 && LARGE_OFFSET < SLAB_HEADER,
	       "large blocks start inside what would be a slab header");
_Static_assert((KHEAP_PAGE_SIZE - SLAB_HEADER) / KHEAP_MIN_SMALL <=
	       MAP_WORDS * 64, "slab bitmap size");

/* What a pointer passed to free turned out to be. */
enum block_kind { BLOCK_SMALL, BLOCK_LARGE, BLOCK_INVALID, BLOCK_FREED };

struct block {
	enum block_kind kind;
	struct kheap_slab *slab; /* BLOCK_SMALL */
	size_t slot;             /* BLOCK_SMALL */
	struct large *large;     /* BLOCK_LARGE */
};

static size_t class_size(unsigned cls)
{
	return (size_t)KHEAP_MIN_SMALL << cls;
}

static unsigned class_slots(unsigned cls)
{
	return (unsigned)((KHEAP_PAGE_SIZE - SLAB_HEADER) / class_size(cls));
}

static unsigned class_of(size_t size)
{
	unsigned cls = 0;

	while (class_size(cls) < size)
		cls++;
	return cls;
}

static uintptr_t page_of(const void *p)
{
	return (uintptr_t)p & ~(uintptr_t)(KHEAP_PAGE_SIZE - 1);
}

void kheap_init(struct kheap *h, const struct kheap_page_source *src,
		void (*on_error)(void *ctx, enum kheap_error err, const void *ptr),
		void *error_ctx)
{
	memset(h, 0, sizeof(*h));
	h->src = *src;
	h->on_error = on_error;
	h->error_ctx = error_ctx;
}

/* Pages from the source, refused unless page-aligned as promised. */
static void *get_pages(struct kheap *h, size_t npages)
{
	void *p = h->src.alloc_pages(h->src.ctx, npages);

	if (p == NULL)
		return NULL;
	if ((uintptr_t)p % KHEAP_PAGE_SIZE != 0) {
		h->src.free_pages(h->src.ctx, p, npages);
		return NULL;
	}
	h->pages_in_use += npages;
	return p;
}

static void put_pages(struct kheap *h, void *p, size_t npages)
{
	h->pages_in_use -= npages;
	h->src.free_pages(h->src.ctx, p, npages);
}

static void push_head(struct kheap *h, struct kheap_slab *s)
{
	struct kheap_slab **head = &h->partial[s->cls];

	s->prev = NULL;
	s->next = *head;
	if (*head != NULL)
		(*head)->prev = s;
	*head = s;
}

static void unlink_slab(struct kheap *h, struct kheap_slab *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		h->partial[s->cls] = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

/*
 * Puts a slab that has a free slot again back on its list. An empty slab,
 * if any, is kept at the head, so "is one cached already" is one look.
 */
static void relist(struct kheap *h, struct kheap_slab *s)
{
	struct kheap_slab *head = h->partial[s->cls];

	if (head == NULL || head->used != 0) {
		push_head(h, s);
		return;
	}
	s->prev = head;
	s->next = head->next;
	if (head->next != NULL)
		head->next->prev = s;
	head->next = s;
}

static void release_slab(struct kheap *h, struct kheap_slab *s)
{
	s->magic = 0; /* stale pointers into it now look like garbage */
	put_pages(h, s, 1);
}

static struct kheap_slab *new_slab(struct kheap *h, unsigned cls)
{
	struct kheap_slab *s = get_pages(h, 1);
	unsigned n = class_slots(cls);

	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->magic = SLAB_MAGIC ^ (uintptr_t)s;
	s->cls = (uint16_t)cls;
	s->nslots = (uint16_t)n;
	for (unsigned i = 0; i < n; i++)
		s->free_map[i / 64] |= (uint64_t)1 << (i % 64);
	push_head(h, s);
	return s;
}

static void *alloc_small(struct kheap *h, size_t size)
{
	unsigned cls = class_of(size);
	struct kheap_slab *s = h->partial[cls];
	size_t slot = 0;

	if (s == NULL && (s = new_slab(h, cls)) == NULL)
		return NULL;
	for (unsigned w = 0; w < MAP_WORDS; w++) {
		if (s->free_map[w] != 0) {
			slot = w * 64 + (size_t)__builtin_ctzll(s->free_map[w]);
			break;
		}
	}
	s->free_map[slot / 64] &= ~((uint64_t)1 << (slot % 64));
	if (++s->used == s->nslots)
		unlink_slab(h, s); /* full slabs are on no list */
	h->bytes_in_use += class_size(cls);
	return (char *)s + SLAB_HEADER + slot * class_size(cls);
}

static void *alloc_large(struct kheap *h, size_t size)
{
	size_t npages;
	struct large *l;

	if (size > SIZE_MAX - LARGE_OFFSET - (KHEAP_PAGE_SIZE - 1))
		return NULL;
	npages = (size + LARGE_OFFSET + KHEAP_PAGE_SIZE - 1) / KHEAP_PAGE_SIZE;
	l = get_pages(h, npages);
	if (l == NULL)
		return NULL;
	l->magic = LARGE_MAGIC ^ (uintptr_t)l;
	l->state = LARGE_LIVE;
	l->npages = npages;
	h->bytes_in_use += npages * KHEAP_PAGE_SIZE - LARGE_OFFSET;
	return (char *)l + LARGE_OFFSET;
}

void *kheap_alloc(struct kheap *h, size_t size)
{
	if (size <= KHEAP_MAX_SMALL)
		return alloc_small(h, size);
	return alloc_large(h, size);
}

void *kheap_calloc(struct kheap *h, size_t nmemb, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(nmemb, size, &total))
		return NULL;
	p = kheap_alloc(h, total);
	if (p != NULL)
		memset(p, 0, total);
	return p;
}

/*
 * Works out what ptr is from the page header alone, changing nothing:
 * a live block, one already freed, or something the heap never handed out.
 */
static struct block classify(const void *ptr)
{
	uintptr_t page = page_of(ptr);
	size_t off = (uintptr_t)ptr - page;
	uint64_t magic = *(const uint64_t *)page;
	struct block b = { BLOCK_INVALID, NULL, 0, NULL };

	if (magic == (SLAB_MAGIC ^ page)) {
		struct kheap_slab *s = (struct kheap_slab *)page;
		size_t size, slot;

		if (s->cls >= KHEAP_NCLASSES || s->nslots != class_slots(s->cls) ||
		    s->used > s->nslots || off < SLAB_HEADER)
			return b;
		size = class_size(s->cls);
		slot = (off - SLAB_HEADER) / size;
		if ((off - SLAB_HEADER) % size != 0 || slot >= s->nslots)
			return b;
		b.slab = s;
		b.slot = slot;
		if (s->free_map[slot / 64] & ((uint64_t)1 << (slot % 64)))
			b.kind = BLOCK_FREED;
		else if (s->used > 0)
			b.kind = BLOCK_SMALL;
	} else if (magic == (LARGE_MAGIC ^ page) && off == LARGE_OFFSET) {
		struct large *l = (struct large *)page;

		b.large = l;
		if (l->state == LARGE_FREED)
			b.kind = BLOCK_FREED;
		else if (l->state == LARGE_LIVE && l->npages > 0)
			b.kind = BLOCK_LARGE;
	}
	return b;
}

static void report(struct kheap *h, enum kheap_error err, const void *ptr)
{
	if (h->on_error != NULL)
		h->on_error(h->error_ctx, err, ptr);
}

static void free_small(struct kheap *h, struct kheap_slab *s, size_t slot,
		       void *ptr)
{
	size_t size = class_size(s->cls);
	int was_full = s->used == s->nslots;
	struct kheap_slab *head;

	memset(ptr, FREE_POISON, size);
	s->free_map[slot / 64] |= (uint64_t)1 << (slot % 64);
	s->used--;
	h->bytes_in_use -= size;
	if (s->used > 0) {
		if (was_full)
			relist(h, s);
		return;
	}
	/* Empty: keep one per class for the next allocation, give back more. */
	if (!was_full)
		unlink_slab(h, s);
	head = h->partial[s->cls];
	if (head != NULL && head->used == 0)
		release_slab(h, s);
	else
		push_head(h, s);
}

void kheap_free(struct kheap *h, void *ptr)
{
	struct block b;

	if (ptr == NULL)
		return;
	b = classify(ptr);
	switch (b.kind) {
	case BLOCK_SMALL:
		free_small(h, b.slab, b.slot, ptr);
		break;
	case BLOCK_LARGE:
		b.large->state = LARGE_FREED;
		h->bytes_in_use -= b.large->npages * KHEAP_PAGE_SIZE - LARGE_OFFSET;
		put_pages(h, b.large, b.large->npages);
		break;
	case BLOCK_FREED:
		report(h, KHEAP_ERR_DOUBLE_FREE, ptr);
		break;
	default:
		report(h, KHEAP_ERR_INVALID_FREE, ptr);
		break;
	}
}

size_t kheap_usable_size(struct kheap *h, const void *ptr)
{
	struct block b;

	(void)h;
	if (ptr == NULL)
		return 0;
	b = classify(ptr);
	if (b.kind == BLOCK_SMALL)
		return class_size(b.slab->cls);
	if (b.kind == BLOCK_LARGE)
		return b.large->npages * KHEAP_PAGE_SIZE - LARGE_OFFSET;
	return 0;
}

void kheap_trim(struct kheap *h)
{
	for (unsigned cls = 0; cls < KHEAP_NCLASSES; cls++) {
		struct kheap_slab *head = h->partial[cls];

		if (head != NULL && head->used == 0) {
			unlink_slab(h, head);
			release_slab(h, head);
		}
	}
}
