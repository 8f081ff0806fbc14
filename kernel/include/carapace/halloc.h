/*
 * halloc: the hardened allocator (hardening/halloc*.c; portable: also built
 * on the host for unit tests and fuzzing). See hardening/README.md.
 *
 * One heap owns one reserved virtual range, cut into equal zones: zone 0
 * holds all metadata, each other zone is an area of one size class. Small
 * blocks live in slabs (one slab per fixed-size cell of a small area, the
 * unmapped rest of the cell being the slab's guard); a large block gets a
 * cell of a large area to itself, its mapping ending right at the block's
 * end, with unmapped pages after it. No metadata ever sits beside user data.
 *
 * The heap reaches the machine only through struct halloc_backend: pages,
 * random bytes, a lock, and the reporter of a caught violation.
 */
#ifndef CARAPACE_HALLOC_H
#define CARAPACE_HALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HALLOC_PAGE          4096u
#define HALLOC_ZONES         64    /* zone 0: metadata; 1..63: areas */
#define HALLOC_SMALL_CLASSES 38    /* 16 B ... 16 KiB slots */
#define HALLOC_MAX_SMALL     16376u /* the largest request a slab serves */
#define HALLOC_CANARY        8u     /* bytes of canary after a small block */
#define HALLOC_QUARANTINE    256    /* freed small blocks held back */
#define HALLOC_LARGE_QUARANTINE 64  /* freed large cells whose addresses are held back */
/*
 * Bytes of freed large blocks kept mapped: room for a whole quarantine of
 * the largest medium blocks (64 x 256 KiB) and more; halloc_shrink gives
 * them back when memory runs short.
 */
#define HALLOC_LARGE_CACHE  (32u << 20)
/*
 * Medium blocks: large blocks of up to this many bytes of pages. Freed,
 * they stay mapped and accessible, zeroed, and are checked all zero when
 * their cell is used again (no page-table change per free); a read after
 * free is not caught. Larger blocks are made inaccessible when freed.
 */
#define HALLOC_MEDIUM_MAX   (256u << 10)
/*
 * A cache (one per CPU in the kernel, per thread on the host) holds up to
 * HALLOC_MAGAZINE free slots of each small class (32 KiB of them at
 * most, 2 at least), and a quarantine of its own: the slots its owner
 * freed (checked, zeroed), up to HALLOC_QUARANTINE of them and
 * HALLOC_CACHE_QUARANTINE_BYTES of slots. A slot leaving that quarantine
 * (a random one, for each that comes in once it is full) goes to its
 * class's magazine, to be handed out again by this cache without the
 * lock; when the magazine is full, to a batch of up to HALLOC_FREE_BATCH
 * slots given back to their slabs under the lock. An empty magazine takes
 * free slots from the slabs, in one batch.
 */
#define HALLOC_MAGAZINE      16
/*
 * A bound on the memory a thread's (or CPU's) quarantine holds: the full
 * 256 slots of every class up to 512 bytes; 126 of 1 KiB, 31 of 4 KiB,
 * 8 of 16 KiB. More held the host's 4-thread benchmark's working set
 * past the caches of the CPU (hardening/README.md, "Caches").
 */
#define HALLOC_CACHE_QUARANTINE_BYTES (128u << 10)
/* Emptied slabs (past the spares) unmapped together, with one TLB shootdown. */
#define HALLOC_RELEASE_BATCH 16
#define HALLOC_FREE_BATCH    32
/* Large frees between two pages_sync calls (fewer than HALLOC_LARGE_QUARANTINE). */
#define HALLOC_CLEAN_BATCH   16

enum halloc_violation {
	HALLOC_HEAP_OVERFLOW,   /* a small block's canary changed */
	HALLOC_DOUBLE_FREE,     /* freed (or reallocated) twice */
	HALLOC_INVALID_FREE,    /* not a block's start: interior, stack, global, foreign */
	HALLOC_USE_AFTER_FREE,  /* a freed block was written to while quarantined */
};

/* What a fault at an address of the heap's range means. */
enum halloc_fault {
	HALLOC_FAULT_NONE,   /* not the heap's, or nothing to say */
	HALLOC_FAULT_GUARD,  /* a guard page past a slab or a large block */
	HALLOC_FAULT_FREED,  /* memory of a freed large block or released slab */
};

struct halloc_report {
	enum halloc_violation kind;
	uintptr_t addr;   /* the pointer given, or the first corrupted byte */
	uintptr_t block;  /* the block concerned (0 when there is none) */
	size_t size;      /* its requested size (0 when unknown) */
	const char *what; /* one sentence */
};

struct halloc_backend {
	/* Makes [addr, addr+len) readable and writable with zeroed pages: 0 or -ENOMEM. */
	int (*map)(void *ctx, uintptr_t addr, size_t len);
	/* Takes the pages away: any access faults; a later map gives zeroes. */
	void (*unmap)(void *ctx, uintptr_t addr, size_t len);
	/* Optional: unmap of n ranges, one TLB shootdown for them all (NULL: one by one). */
	void (*unmap_many)(void *ctx, const uint64_t *addr, const uint64_t *len, unsigned n);
	/*
	 * Mapped pages made inaccessible (access false: any access faults at
	 * once on this CPU, and the pages read as zero once accessible again)
	 * or accessible again, readable and writable (true). A freed large
	 * block is kept so, to be reused without a new mapping. The kernel
	 * zeroes the pages and keeps their frames; the host discards them (a
	 * host's page-table changes cost more than its fresh pages). 0 or an
	 * error; NULL: no such cache, every freed large block is unmapped.
	 */
	int (*protect)(void *ctx, uintptr_t addr, size_t len, bool access);
	/*
	 * Optional (NULL: every page counts as written). The pages of a
	 * medium block's [addr, addr + npages pages) (npages <= 64) written
	 * since pages_clean last cleaned them: bit i for page i (a page it
	 * cannot tell about counts as written). A freed medium block is
	 * zeroed, and its cell checked all zero when reused, in those pages
	 * only: a page written by no one since it was zeroed still is. The
	 * kernel's app-heap reads the page tables' dirty bits.
	 */
	uint64_t (*pages_written)(void *ctx, uintptr_t addr, unsigned npages);
	void (*pages_clean)(void *ctx, uintptr_t addr, unsigned npages, uint64_t mask);
	/*
	 * Optional, with pages_clean (NULL: what pages_clean does holds at
	 * once). Makes the pages cleaned so far clean on every CPU (in the
	 * kernel: one TLB shootdown, as another CPU may still write through
	 * an entry it cached dirty, which sets no bit); true when it did, and
	 * the pages must then be checked all zero again (a write before it
	 * is in the data; one after it sets the dirty bit). The heap calls it
	 * once per HALLOC_CLEAN_BATCH large frees with freed medium blocks
	 * cleaned, before any of them can leave the large quarantine.
	 */
	bool (*pages_sync)(void *ctx);
	/* Secrets (the canaries): never reproducible. */
	void (*random)(void *ctx, void *buf, size_t len);
	/*
	 * Layout decisions (which slot a block gets, which quarantined slot
	 * leaves first): the kernel draws them from the heap's own ASLR
	 * stream, so that aslr=off and aslr.seed=N repeat every address.
	 */
	void (*layout_random)(void *ctx, void *buf, size_t len);
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	/*
	 * A caught violation. The kernel's reports and ends the application
	 * (never returns); a host test's records it and returns, and the
	 * operation then does nothing more (free) or returns NULL.
	 */
	void (*report)(void *ctx, const struct halloc_report *r);
	/*
	 * Optional (NULL: every operation takes the lock). The cache of the
	 * caller's CPU (kernel) or thread (host), kept the caller's (in the
	 * kernel: interrupts off, saved in *saved) until cache_put; NULL:
	 * none now (the operation takes the lock). cache_put may be NULL
	 * when there is nothing to undo (a cache per thread): under TCG an
	 * indirect call and its return are two lookups of a translated block.
	 */
	struct halloc_cache *(*cache_get)(void *ctx, uint64_t *saved);
	void (*cache_put)(void *ctx, uint64_t saved);
	void *ctx;
};

/*
 * One CPU's or thread's cache: only its owner reads or writes it (the
 * heap's lock held or not); see HALLOC_MAGAZINE. Zeroed: empty.
 */
struct halloc_cache {
	const struct halloc *heap; /* the heap whose slots it holds (NULL: none yet) */
	struct {
		uint32_t n;
		uint64_t key[HALLOC_MAGAZINE]; /* SLOT_CACHED slots (packed: area, slot, cell) */
	} mag[HALLOC_SMALL_CLASSES];
	uint32_t nfreed;
	uint64_t freed[HALLOC_FREE_BATCH]; /* out of the quarantine, magazine full: to the slabs */
	/* Blocks and bytes handed out less those freed, not yet added to the heap's stats. */
	int64_t blocks, requested;
	/*
	 * The slots this cache's owner freed, SLOT_QUARANTINED, in no order
	 * (the one leaving is drawn from this cache's stream, seeded from the
	 * heap's layout stream), and their slots' bytes.
	 */
	uint32_t nquarantine, rng_uses;
	uint64_t quarantine_bytes;
	uint64_t rng[2];
	uint64_t quarantine[HALLOC_QUARANTINE];
};

/*
 * Bytes between what every operation reads and what the lock's holder
 * writes, so that they never share a cache line: otherwise each refill
 * or release by one CPU would take the line that every other CPU's
 * lock-free malloc and free read next (the caches, halloc_cache.c).
 */
#define HALLOC_LINE_GAP 64

struct halloc_area {
	/* Read by every operation; written at init (ncells: rarely). */
	uintptr_t base, meta;  /* the area's cells, and its metadata slice */
	size_t cell_bytes;     /* slab cell, or a large area's power-of-two cell */
	uint32_t slot_bytes;   /* small: the class size; 0 for a large area */
	uint32_t slot_recip;   /* small: 2^32 / slot_bytes rounded up (off / slot_bytes as a multiply) */
	uint32_t cell_shift;   /* log2(cell_bytes) */
	uint32_t nslots;       /* small: slots per slab */
	uint32_t data_pages;   /* small: pages mapped per slab */
	uint32_t stride;       /* bytes of metadata per cell */
	uint32_t ncells_max, ncells; /* cells possible, cells ever used */
	uint8_t gap_before[HALLOC_LINE_GAP];
	/* Written under the lock. */
	size_t meta_mapped;    /* bytes of the metadata slice mapped so far */
	uint32_t free_cells;   /* released cells (index + 1; 0: none) */
	uint32_t partial;      /* small: slabs with a free slot (index + 1) */
	uint32_t nempty;       /* small: slabs with every slot free, kept mapped */
	size_t released_cached; /* large: bytes cached by cells on the free-cell list */
	uint8_t gap_after[HALLOC_LINE_GAP]; /* from the next area's first fields */
};

struct halloc_stats {
	size_t requested;   /* bytes asked for by the blocks alive */
	size_t blocks;      /* blocks alive */
	size_t data_mapped; /* bytes of slab and large-block pages mapped */
	size_t meta_mapped; /* bytes of metadata pages mapped */
	size_t cached;      /* of data_mapped: freed large blocks kept (medium: zeroed; larger: inaccessible) */
	uint64_t detected;  /* violations reported */
};

struct halloc {
	/* Kept by pointer: the caller's backend can then be read-only (const). */
	const struct halloc_backend *be;
	/* Read by every operation (see HALLOC_LINE_GAP), written at init. */
	uintptr_t base, end;  /* the reserved range */
	size_t zone_bytes;
	uint64_t canary_secret;
	int nareas;           /* small areas, then large ones */
	/* (need + 15) / 16 for need up to 16 KiB: the first small class that fits it. */
	uint8_t class_of[16384 / 16 + 1];
	struct halloc_area areas[HALLOC_ZONES - 1]; /* each with its own gaps */
	/* Written under the lock. */
	uint64_t rng[2];      /* slot choice (reseeded from be->layout_random) */
	uint32_t rng_uses;
	uint64_t quarantine[HALLOC_QUARANTINE]; /* small slots (packed) */
	int nquarantine;
	uint64_t large_quarantine[HALLOC_LARGE_QUARANTINE]; /* a FIFO of large cells */
	int large_head, nlarge_quarantine;
	/* Emptied slabs to be unmapped (area << 32 | cell): all free, in no list meanwhile. */
	uint64_t releasing[HALLOC_RELEASE_BATCH];
	int nreleasing;
	/*
	 * Freed medium blocks whose written pages were zeroed and cleaned,
	 * to be checked again after the next pages_sync (area << 32 | cell),
	 * with those pages; large frees since the first of them.
	 */
	uint64_t cleaning[HALLOC_CLEAN_BATCH], cleaning_pages[HALLOC_CLEAN_BATCH];
	int ncleaning, clean_age;
	struct halloc_stats stats;
};

/*
 * Sets up a heap on [base, base + bytes), a reserved range that nothing
 * else maps (page-aligned; at least 64 MiB). Returns 0 or -EINVAL. be is
 * kept by pointer: it must outlive the heap (a static const, as a rule).
 */
int halloc_init(struct halloc *h, const struct halloc_backend *be, uintptr_t base,
		size_t bytes);

void *halloc_malloc(struct halloc *h, size_t size);
void *halloc_calloc(struct halloc *h, size_t nmemb, size_t size);
void *halloc_realloc(struct halloc *h, void *ptr, size_t size);
/* align: a power of two (else NULL); covers aligned_alloc, memalign, posix_memalign. */
void *halloc_aligned(struct halloc *h, size_t align, size_t size);
void halloc_free(struct halloc *h, void *ptr);
/*
 * Gives back (unmaps) up to about wanted bytes of the pages freed large
 * blocks keep cached, the released cells' first; returns the bytes given
 * back. For a shrinker: takes the heap's lock.
 */
size_t halloc_shrink(struct halloc *h, size_t wanted);
/*
 * Gives everything a cache holds back to the heap (its free slots to
 * their slabs, its freed ones to the quarantine, its counts to the stats)
 * and empties it: for a thread that ends. Takes the heap's lock.
 */
void halloc_cache_flush(struct halloc *h, struct halloc_cache *c);
/*
 * malloc and free through c, the caller's own cache (one that only this
 * thread uses, as a backend's without cache_put hands out): what
 * halloc_malloc and halloc_free do, without asking the backend for it
 * (under TCG an indirect call and its return are two lookups of a
 * translated block). What c cannot serve takes the locked path.
 */
void *halloc_malloc_cached(struct halloc *h, struct halloc_cache *c, size_t size);
void halloc_free_cached(struct halloc *h, struct halloc_cache *c, void *ptr);
/* The requested size of a live block (0 for NULL; an invalid pointer is reported). */
size_t halloc_usable_size(struct halloc *h, const void *ptr);

/*
 * Explains a page fault at addr (lock-free: called from the fault handler,
 * perhaps while the heap's lock is held).
 */
enum halloc_fault halloc_explain_fault(const struct halloc *h, uintptr_t addr);

const char *halloc_violation_name(enum halloc_violation v);

#endif
