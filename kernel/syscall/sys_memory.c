/*
 * Memory system calls: brk, mmap, munmap, mprotect, madvise, mremap,
 * msync, mlock, munlock, mlock2, mlockall, munlockall.
 *
 * The application's memory lives in the low half of the address space:
 * brk's heap at a random page in [APP_BRK_BASE, APP_HEAP_BASE) (up to
 * APP_BRK_MAX bytes, mapped as it grows) and mmap's area [APP_MMAP_BASE,
 * APP_MMAP_LIMIT). Mappings without MAP_FIXED go above a random mmap base
 * (in the first half of the area), each at a random page among every free
 * gap (aslr_pick_base over a sorted table of reserved ranges), with an
 * unmapped guard page on both sides; freed ranges are reused. With
 * aslr=off both bases are the areas' starts and placement is first-fit.
 * Pages are fresh, zeroed frames (memory_map_anon, kernel/mm/app_memory.c).
 *
 * W^X: write and execute together are refused (-EACCES) by mmap and
 * mprotect, unless the boot option `wx=allow` lifted it for the
 * application's mappings (mmu_map and mmu_protect check the same switch,
 * and never accept such pages in the kernel's half). A file mapping is a copy of the file's bytes; MAP_SHARED of a
 * file with PROT_WRITE is refused (-ENODEV): writes would not reach the
 * file. madvise is checked; MADV_DONTNEED drops the range's pages as
 * Linux's: a private anonymous page reads as a fresh one (zeros), a file's
 * page reads the file again, a MAP_SHARED anonymous page keeps its bytes
 * (the "kept" table below); the rest is ignored.
 * mremap shrinks a mapping in place, and with MREMAP_MAYMOVE grows it by
 * moving it (move_grown); growing in place is -ENOMEM.
 *
 * Only application memory: every call decodes and checks all of its
 * arguments before it acts, and a range that is not wholly inside
 * [APP_AREA_START, LOW_HALF_END) (or wraps) fails with Linux's errno for
 * an address no process could map, changing nothing: -ENOMEM for mmap
 * (MAP_FIXED), mprotect, madvise, msync and mlock/munlock, -EINVAL for
 * munmap and mremap. kernel/mm/app_memory.c checks the same range again.
 * Nothing is ever paged out, so mlock and friends only check their
 * arguments; msync has nothing to write back (a file mapping is a copy).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/aslr.h>
#include <carapace/kheap.h>
#include <carapace/memory.h>
#include <carapace/mutex.h>
#include <carapace/panic.h>
#include <carapace/vfs.h>

#include <carapace/layout.h>
#include <carapace/mmu.h>
#include "sys_kernel.h"

#define NR_MMAP     9
#define NR_MPROTECT 10
#define NR_MUNMAP   11
#define NR_BRK      12
#define NR_MREMAP   25
#define NR_MSYNC    26
#define NR_MADVISE  28
#define NR_MLOCK    149
#define NR_MUNLOCK  150
#define NR_MLOCKALL 151
#define NR_MUNLOCKALL 152
#define NR_MLOCK2   325


#define MAX_RANGES 4096

/* Reserved ranges of the mmap area, sorted by start, never overlapping (no guards recorded). */
static struct mutex vm_lock = MUTEX_INIT;
static struct aslr_region ranges[MAX_RANGES];
static int nranges;
static uint64_t mmap_base = APP_MMAP_BASE; /* where placements may start */
static uint64_t brk_base = APP_BRK_BASE, brk_current = APP_BRK_BASE;

/*
 * Mappings whose pages MADV_DONTNEED must not simply zero (drop_pages): a
 * MAP_SHARED anonymous one keeps its bytes (Linux's is shared memory, which
 * the advice leaves alone) and a file's reads the file again (here its pages
 * are a copy, so the mapping holds a reference to the file, as Linux's
 * does). Unsorted, under vm_lock; grown as needed. kept_reserve makes room
 * before a change that may split an entry, so that releasing cannot fail
 * half-way.
 */
struct kept {
	uint64_t start, end;
	struct vfs_file *file; /* NULL: a MAP_SHARED anonymous mapping */
	uint64_t off;          /* the file offset of start */
};
static struct kept *kept;
static int nkept, kept_cap;

/* Room for n more entries (0 or -ENOMEM). */
static int kept_reserve(int n)
{
	struct kept *grown;
	int cap;

	if (nkept + n <= kept_cap)
		return 0;
	cap = kept_cap ? 2 * kept_cap : 16;
	while (cap < nkept + n)
		cap *= 2;
	if (!(grown = kmalloc((size_t)cap * sizeof(*grown))))
		return -ENOMEM;
	if (nkept)
		memcpy(grown, kept, (size_t)nkept * sizeof(*grown));
	kfree(kept);
	kept = grown;
	kept_cap = cap;
	return 0;
}

/* Records [start, end); room was reserved. */
static void kept_add(uint64_t start, uint64_t end, struct vfs_file *file, uint64_t off)
{
	kept[nkept++] = (struct kept){ .start = start, .end = end, .file = file, .off = off };
}

/* Forgets [start, end) (one entry may split: room for one was reserved). */
static void kept_release(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nkept; i++) {
		struct kept *k = &kept[i];

		if (k->end <= start || k->start >= end)
			continue;
		if (k->start < start && k->end > end) { /* a hole in the middle */
			if (k->file)
				vfs_file_get(k->file);
			kept_add(end, k->end, k->file, k->off + (end - k->start));
			k->end = start;
		} else if (k->start < start) {
			k->end = start;
		} else if (k->end > end) {
			k->off += end - k->start;
			k->start = end;
		} else { /* covered whole */
			if (k->file)
				sys_files_put_unlocked(k->file);
			kept[i--] = kept[--nkept];
		}
	}
}

/* The entry that holds the page at va, or NULL. */
static const struct kept *kept_find(uint64_t va)
{
	for (int i = 0; i < nkept; i++)
		if (kept[i].start <= va && va < kept[i].end)
			return &kept[i];
	return NULL;
}

/* How many entries overlap [start, end). */
static int kept_overlaps(uint64_t start, uint64_t end)
{
	int n = 0;

	for (int i = 0; i < nkept; i++)
		n += kept[i].start < end && kept[i].end > start;
	return n;
}

/*
 * A move (mremap): what the entries say of [from, from + len) is said of
 * [to, to + len) too (the caller then unmaps the old range, which trims
 * them); room for one entry per overlap was reserved (kept_overlaps).
 */
static void kept_copy(uint64_t from, uint64_t len, uint64_t to)
{
	int n = nkept; /* not the entries added here */

	for (int i = 0; i < n; i++) {
		struct kept k = kept[i];
		uint64_t a = k.start > from ? k.start : from;
		uint64_t b = k.end < from + len ? k.end : from + len;

		if (a >= b)
			continue;
		if (k.file)
			vfs_file_get(k.file);
		kept_add(a - from + to, b - from + to, k.file, k.off + (a - k.start));
	}
}

static bool wx_allowed(void)
{
	return mmu_app_wx();
}

static unsigned to_memory_prot(long prot)
{
	return (unsigned)prot & LINUX_PROT_RWX; /* MEMORY_PROT_* are Linux's values */
}

/* A length rounded up to whole pages; false when the rounding overflows. */
static bool page_len(uint64_t len_arg, uint64_t *len)
{
	*len = ALIGN_UP(len_arg, PAGE_SIZE);
	return *len >= len_arg;
}

/* Takes [start, end) out of the table, splitting a range that straddles it. */
static int ranges_release(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nranges; i++) {
		struct aslr_region *r = &ranges[i];

		if (r->end <= start || r->start >= end)
			continue;
		if (r->start < start && r->end > end) { /* a hole in the middle */
			if (nranges == MAX_RANGES)
				return -ENOMEM;
			for (int j = nranges; j > i + 1; j--)
				ranges[j] = ranges[j - 1];
			nranges++;
			ranges[i + 1] = (struct aslr_region){ .start = end, .end = r->end };
			r->end = start;
			return 0;
		}
		if (r->start < start) {
			r->end = start;
		} else if (r->end > end) {
			r->start = end;
		} else { /* covered whole */
			for (int j = i; j < nranges - 1; j++)
				ranges[j] = ranges[j + 1];
			nranges--;
			i--;
		}
	}
	return 0;
}

/* Records [start, end), which must not overlap a reserved range. */
static int ranges_insert(uint64_t start, uint64_t end)
{
	int i = 0;

	if (nranges == MAX_RANGES)
		return -ENOMEM;
	while (i < nranges && ranges[i].start < start)
		i++;
	for (int j = nranges; j > i; j--)
		ranges[j] = ranges[j - 1];
	ranges[i] = (struct aslr_region){ .start = start, .end = end };
	nranges++;
	return 0;
}

/* Whether [start, end) and a guard page on each side are free. */
static bool ranges_free(uint64_t start, uint64_t end)
{
	if (start < APP_MMAP_BASE + PAGE_SIZE || end > APP_MMAP_LIMIT - PAGE_SIZE || end <= start)
		return false;
	for (int i = 0; i < nranges; i++)
		if (ranges[i].start < end + PAGE_SIZE && ranges[i].end + PAGE_SIZE > start)
			return false;
	return true;
}

/*
 * A page above mmap_base where len bytes fit between guard pages, uniform
 * over every free gap (the first fit with aslr=off); below mmap_base only
 * when nothing fits above it. 0 if none.
 */
static uint64_t ranges_find(uint64_t len)
{
	struct aslr_request q = {
		.lo = mmap_base, .hi = APP_MMAP_LIMIT, .size = len, .align = PAGE_SIZE,
		.guard_before = PAGE_SIZE, .guard_after = PAGE_SIZE,
	};
	uint64_t va;

	if (aslr_pick_base(NULL, &q, ranges, (size_t)nranges, &va) == 0)
		return va;
	q.lo = APP_MMAP_BASE;
	return aslr_pick_base(NULL, &q, ranges, (size_t)nranges, &va) ? 0 : va;
}

static bool in_mmap_area(uint64_t start, uint64_t end)
{
	return start < APP_MMAP_LIMIT && end > APP_MMAP_BASE;
}

/* Unmaps [start, end) and forgets it; vm_lock held. */
static int unmap_locked(uint64_t start, uint64_t end)
{
	int rc = 0;

	if (in_mmap_area(start, end) && !(rc = kept_reserve(1)) &&
	    !(rc = ranges_release(start, end)))
		kept_release(start, end);
	if (!rc)
		memory_unmap(start, end - start);
	return rc;
}

static long sys_mmap(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t hint = (uint64_t)args[0], len = ALIGN_UP((uint64_t)args[1], PAGE_SIZE), va;
	int prot = (int)args[2], flags = (int)args[3], fd = (int)args[4];
	uint64_t off = (uint64_t)args[5];
	int type = flags & LINUX_MAP_TYPE;
	bool fixed = flags & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE);
	unsigned mprot = to_memory_prot(prot);
	long rc;

	(void)env;
	if (args[1] == 0 || (off & (PAGE_SIZE - 1)) ||
	    (type != LINUX_MAP_SHARED && type != LINUX_MAP_PRIVATE && type != LINUX_MAP_SHARED_VALIDATE))
		return -EINVAL;
	if (len < (uint64_t)args[1])
		return -ENOMEM;
	if ((mprot & MEMORY_PROT_WRITE) && (mprot & MEMORY_PROT_EXEC) && !wx_allowed())
		return -EACCES;
	if (!(flags & LINUX_MAP_ANONYMOUS) && type != LINUX_MAP_PRIVATE && (mprot & MEMORY_PROT_WRITE))
		return -ENODEV;
	if (!(flags & LINUX_MAP_ANONYMOUS) && (rc = sys_files_copy(fd, off, NULL, 0, NULL)))
		return rc; /* not a readable regular file: nothing is touched */
	if (fixed && ((hint & (PAGE_SIZE - 1)) || hint < APP_MMAP_BASE || hint > APP_MMAP_LIMIT ||
		      len > APP_MMAP_LIMIT - hint))
		return (hint & (PAGE_SIZE - 1)) ? -EINVAL : -ENOMEM;
	/* More pages than free frames: refused before MAP_FIXED unmaps anything. */
	if (len / PAGE_SIZE > memory_free_frames())
		return -ENOMEM;

	mutex_lock(&vm_lock);
	rc = kept_reserve(2); /* a split by MAP_FIXED, and this mapping's own */
	if (!rc && fixed) {
		va = hint;
		if (flags & LINUX_MAP_FIXED_NOREPLACE) /* wins over MAP_FIXED, as in Linux */
			for (int i = 0; i < nranges; i++)
				if (ranges[i].start < va + len && ranges[i].end > va)
					rc = -EEXIST;
		if (!rc && !(rc = ranges_release(va, va + len)))
			kept_release(va, va + len);
	} else if (!rc) {
		va = (!(hint & (PAGE_SIZE - 1)) && ranges_free(hint, hint + len)) ? hint : ranges_find(len);
		rc = va ? 0 : -ENOMEM;
	}
	if (!rc)
		rc = ranges_insert(va, va + len);
	if (!rc) {
		/* A file's bytes are copied in while the pages are still writable. */
		bool file = !(flags & LINUX_MAP_ANONYMOUS);
		struct vfs_file *held = NULL;

		rc = memory_map_anon(va, len, file ? MEMORY_PROT_READ | MEMORY_PROT_WRITE : mprot);
		if (!rc && file && !(rc = sys_files_copy(fd, off, (void *)va, (size_t)args[1], &held)))
			rc = memory_protect(va, len, mprot);
		if (!rc && (file || type != LINUX_MAP_PRIVATE))
			kept_add(va, va + len, held, off);
		else if (held)
			sys_files_put_unlocked(held);
		if (rc) {
			unmap_locked(va, va + len);
			rc = rc == -EINVAL ? -ENOMEM : rc;
		}
	}
	mutex_unlock(&vm_lock);
	return rc ? rc : (long)va;
}

/*
 * Linux's checks: -EINVAL for an unaligned start, an empty range, or one
 * that leaves the low half. Nothing lies below APP_AREA_START, so that part
 * of a range has nothing to unmap.
 */
static long sys_munmap(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t va = (uint64_t)args[0], len, start;
	long rc;

	(void)env;
	if ((va & (PAGE_SIZE - 1)) || args[1] == 0 || !page_len((uint64_t)args[1], &len) ||
	    va >= LOW_HALF_END || len > LOW_HALF_END - va)
		return -EINVAL;
	start = va < APP_AREA_START ? APP_AREA_START : va;
	if (va + len <= start)
		return 0;
	mutex_lock(&vm_lock);
	rc = unmap_locked(start, va + len);
	mutex_unlock(&vm_lock);
	return rc;
}

/*
 * Linux's order: an unaligned start is -EINVAL, an empty range succeeds,
 * a length that wraps or a range outside the application's memory is
 * -ENOMEM (no process has it mapped), and so is a hole in the range.
 */
static long sys_mprotect(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t va = (uint64_t)args[0], len;
	unsigned mprot = to_memory_prot(args[2]);
	long rc;

	(void)env;
	if (va & (PAGE_SIZE - 1))
		return -EINVAL;
	if (args[1] == 0)
		return 0;
	if (!page_len((uint64_t)args[1], &len) || !memory_app_range(va, len))
		return -ENOMEM;
	if ((mprot & MEMORY_PROT_WRITE) && (mprot & MEMORY_PROT_EXEC) && !wx_allowed())
		return -EACCES;
	mutex_lock(&vm_lock);
	rc = memory_protect(va, len, mprot);
	mutex_unlock(&vm_lock);
	return rc == -EINVAL ? -ENOMEM : rc;
}

/*
 * brk: the heap grows page by page on demand with zeroed pages and
 * shrinks by unmapping. A request it cannot meet leaves the break where
 * it was, and the old break is returned, as Linux does.
 */
static long sys_brk(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t want = (uint64_t)args[0], old, mapped_old, mapped_new;

	(void)env;
	mutex_lock(&vm_lock);
	old = brk_current;
	if (want >= brk_base && want <= brk_base + APP_BRK_MAX) {
		mapped_old = ALIGN_UP(old, PAGE_SIZE);
		mapped_new = ALIGN_UP(want, PAGE_SIZE);
		if (mapped_new > mapped_old &&
		    memory_map_anon(mapped_old, mapped_new - mapped_old,
				    MEMORY_PROT_READ | MEMORY_PROT_WRITE) != 0)
			want = old;
		else if (mapped_new < mapped_old)
			memory_unmap(mapped_new, mapped_old - mapped_new);
		brk_current = want;
	}
	old = brk_current;
	mutex_unlock(&vm_lock);
	return (long)old;
}

/* Linux's advice values (MADV_HWPOISON and MADV_SOFT_OFFLINE need privilege). */
static bool advice_known(long advice)
{
	return (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25);
}

#define MADV_DONTNEED 4

/*
 * MADV_DONTNEED, page by page as Linux drops them: the next read of a
 * private anonymous page finds zeros, a promise allocators build on (they
 * give memory back this way and count on it reading as new); a page of a
 * file mapping reads the file again (what the application wrote to a
 * private one is lost, as on Linux; past the end of the file, zeros); a
 * MAP_SHARED anonymous page keeps its bytes. Each frame is written through
 * the direct map, so read-only pages are dropped too. Under vm_lock: no
 * munmap frees a frame under the write. The range was checked to be mapped
 * application memory; PROT_NONE pages (not present) keep their bytes.
 */
static void drop_pages(uint64_t va, uint64_t len)
{
	const struct kept *k = NULL;

	mutex_lock(&vm_lock);
	for (uint64_t at = va; at < va + len; at += PAGE_SIZE) {
		uint64_t pte, size;
		void *frame;

		if (!mmu_lookup(mmu_root(), at, &pte, &size)) /* a PROT_NONE page is not present */
			continue;
		if (nkept && !(k && k->start <= at && at < k->end))
			k = kept_find(at);
		if (k && !k->file)
			continue; /* MAP_SHARED anonymous */
		frame = mmu_phys_to_virt((pte & PTE_ADDR & ~(size - 1)) + (at & (size - 1)));
		memset(frame, 0, PAGE_SIZE);
		/* A file that cannot be read now leaves zeros: the call has no error for it. */
		if (k)
			(void)sys_files_copy_held(k->file, k->off + (at - k->start), frame, PAGE_SIZE);
	}
	mutex_unlock(&vm_lock);
}

/*
 * Checked as Linux does, then MADV_DONTNEED
 * drops the pages (drop_pages) and the rest is ignored: -EINVAL for unknown advice, an
 * unaligned start or a length that wraps; 0 for an empty range; -ENOMEM
 * unless every page of the range is application memory that is mapped.
 */
static long sys_madvise(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t va = (uint64_t)args[0], len;

	(void)env;
	if (!advice_known(args[2]) || (va & (PAGE_SIZE - 1)) || !page_len((uint64_t)args[1], &len) ||
	    va + len < va)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!memory_app_mapped(va, len))
		return -ENOMEM;
	if (args[2] == MADV_DONTNEED)
		drop_pages(va, len);
	return 0;
}

/* msync: nothing to write back (a file mapping is a copy); the range is checked. */
static long sys_msync(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t va = (uint64_t)args[0], len;
	long flags = args[2];

	(void)env;
	if ((flags & ~(long)(LINUX_MS_ASYNC | LINUX_MS_INVALIDATE | LINUX_MS_SYNC)) ||
	    (va & (PAGE_SIZE - 1)) || ((flags & LINUX_MS_ASYNC) && (flags & LINUX_MS_SYNC)))
		return -EINVAL;
	if (!page_len((uint64_t)args[1], &len) || va + len < va)
		return -ENOMEM;
	if (len == 0)
		return 0;
	return memory_app_mapped(va, len) ? 0 : -ENOMEM;
}

/*
 * mlock, munlock, mlock2: nothing is ever paged out, so locking is only
 * Linux's checks: the start rounded down to its page, a range that wraps
 * -EINVAL, one with a page that is not mapped application memory -ENOMEM.
 * The main thread's stack counts as application memory here (it lies in
 * the kernel's half; nothing is changed, only looked at).
 */
static long lock_range(uint64_t va, long len_arg)
{
	uint64_t len, start = va & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t from_start = (uint64_t)len_arg + (va - start);

	if (from_start < (uint64_t)len_arg || !page_len(from_start, &len) || start + len < start)
		return -EINVAL;
	if (len == 0)
		return 0;
	return memory_app_mapped(start, len) || memory_in_main_stack(start, len) ? 0 : -ENOMEM;
}

static long sys_mlock(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return lock_range((uint64_t)args[0], args[1]);
}

static long sys_mlock2(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	if ((uint64_t)args[2] & ~(uint64_t)LINUX_MLOCK_ONFAULT)
		return -EINVAL;
	return lock_range((uint64_t)args[0], args[1]);
}

static long sys_mlockall(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long flags = args[0];

	(void)env;
	if (!flags || (flags & ~(long)(LINUX_MCL_CURRENT | LINUX_MCL_FUTURE | LINUX_MCL_ONFAULT)) ||
	    flags == LINUX_MCL_ONFAULT)
		return -EINVAL;
	return 0;
}

static long sys_munlockall(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	(void)args;
	return 0;
}

/*
 * The same size, or smaller (the tail is unmapped), in place; larger only
 * with MREMAP_MAYMOVE, by a move (move_grown). Every
 * argument is checked first: unknown flags, an unaligned address, a
 * length whose rounding overflows or a new length of 0 are -EINVAL, as is
 * a range that is not wholly application memory; an old range with a page
 * that is not mapped is -EFAULT (Linux: no mapping there).
 */
/*
 * mremap with MREMAP_MAYMOVE growing a mapping of the mmap area: a new
 * range anywhere (as mmap places one), the old bytes copied in, the old
 * range's protection given to the whole new one, the old range unmapped;
 * *va becomes the new address. The old pages must all be accessible (a
 * PROT_NONE page cannot be read to be copied) and share one protection:
 * else -ENOMEM, as when there is no room. vm_lock held.
 */
static int move_grown(uint64_t *va, uint64_t old_len, uint64_t new_len)
{
	uint64_t from = *va, to, pte, first_pte = 0;
	unsigned prot;
	int rc;

	if (!in_mmap_area(from, from + old_len) || new_len / PAGE_SIZE > memory_free_frames() ||
	    kept_reserve(kept_overlaps(from, from + old_len) + 1)) /* kept_copy's, the unmap's split */
		return -ENOMEM;
	for (uint64_t at = from; at < from + old_len; at += PAGE_SIZE) {
		if (!mmu_lookup(mmu_root(), at, &pte, NULL))
			return -ENOMEM;
		if (at == from)
			first_pte = pte;
		else if ((pte ^ first_pte) & (PTE_W | PTE_NX))
			return -ENOMEM;
	}
	prot = MEMORY_PROT_READ | (first_pte & PTE_W ? MEMORY_PROT_WRITE : 0) |
	       (first_pte & PTE_NX ? 0 : MEMORY_PROT_EXEC);
	if (!(to = ranges_find(new_len)) || ranges_insert(to, to + new_len))
		return -ENOMEM;
	if ((rc = memory_map_anon(to, new_len, MEMORY_PROT_READ | MEMORY_PROT_WRITE))) {
		unmap_locked(to, to + new_len);
		return -ENOMEM;
	}
	memcpy((void *)to, (const void *)from, old_len);
	if (prot != (MEMORY_PROT_READ | MEMORY_PROT_WRITE) && memory_protect(to, new_len, prot)) {
		unmap_locked(to, to + new_len);
		return -ENOMEM;
	}
	kept_copy(from, old_len, to);
	unmap_locked(from, from + old_len);
	*va = to;
	return 0;
}

static long sys_mremap(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	uint64_t va = (uint64_t)args[0], old_len, new_len;
	long rc = 0;

	(void)env;
	if ((args[3] & ~(long)LINUX_MREMAP_MAYMOVE) || (va & (PAGE_SIZE - 1)) ||
	    !page_len((uint64_t)args[1], &old_len) || !page_len((uint64_t)args[2], &new_len) ||
	    old_len == 0 || new_len == 0 ||
	    !memory_app_range(va, old_len > new_len ? old_len : new_len))
		return -EINVAL;
	mutex_lock(&vm_lock);
	if (!memory_app_mapped(va, old_len))
		rc = -EFAULT;
	else if (new_len > old_len)
		rc = (args[3] & LINUX_MREMAP_MAYMOVE) ? move_grown(&va, old_len, new_len) : -ENOMEM;
	else if (new_len < old_len)
		rc = unmap_locked(va + new_len, va + old_len);
	mutex_unlock(&vm_lock);
	return rc ? rc : (long)va;
}

/*
 * The bases, chosen once at boot (before the application starts, so that
 * layout=show lists them): the mmap base uniform over the first half of
 * the mmap area (33 bits of pages); brk's heap anywhere in its window
 * (30 bits). The window's lower guard is the image area's last page.
 */
static void choose_bases(void)
{
	struct aslr_request mmap_q = {
		.lo = APP_MMAP_BASE, .hi = APP_MMAP_LIMIT,
		.size = (APP_MMAP_LIMIT - APP_MMAP_BASE) / 2, .align = PAGE_SIZE,
	};
	struct aslr_request brk_q = {
		.lo = APP_BRK_BASE - PAGE_SIZE, .hi = APP_HEAP_BASE, .size = APP_BRK_MAX,
		.align = PAGE_SIZE, .guard_before = PAGE_SIZE, .guard_after = PAGE_SIZE,
	};

	if (aslr_pick_base("mmap", &mmap_q, NULL, 0, &mmap_base) ||
	    aslr_pick_base("heap", &brk_q, NULL, 0, &brk_base))
		panic("aslr: cannot place the application's mmap and brk areas");
	brk_current = brk_base;
}

void sys_memory_register(syscall_handler_fn *table)
{
	choose_bases();
	table[NR_MMAP] = sys_mmap;
	table[NR_MPROTECT] = sys_mprotect;
	table[NR_MUNMAP] = sys_munmap;
	table[NR_BRK] = sys_brk;
	table[NR_MREMAP] = sys_mremap;
	table[NR_MADVISE] = sys_madvise;
	table[NR_MSYNC] = sys_msync;
	table[NR_MLOCK] = sys_mlock;
	table[NR_MUNLOCK] = sys_mlock;
	table[NR_MLOCK2] = sys_mlock2;
	table[NR_MLOCKALL] = sys_mlockall;
	table[NR_MUNLOCKALL] = sys_munlockall;
}
