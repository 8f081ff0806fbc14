/*
 * The syscall program engine of syscall_prog.h. Each call of the table
 * reads its arguments from its record through the generators below, which
 * favour edge values (lengths around page and integer limits, descriptors
 * that are closed or out of range, pointers just before and after the
 * scratch memory, kernel and non-canonical addresses) and otherwise take
 * a resource of the right kind.
 *
 * Calls that could wait for ever are tamed, so that a program always
 * ends: pipes and eventfds are O_NONBLOCK (and F_SETFL keeps them so),
 * futex waits, poll, select and nanosleep get timeouts of a few
 * milliseconds. Nothing here writes to the memory it hands the kernel
 * except the scratch area, so a kernel that wrote where it should not is
 * seen by the checks, not by a crash of the engine.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, O_DIRECTORY, SYS_* in both libcs */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "prog/syscall_prog.h"

#define PAGE          4096ul
#define LOW_HALF_END  0x0000800000000000ul
/* The scratch area: futex words, two path slots, argument arrays, data. */
#define SCR_FUTEX     0
#define SCR_OUT       128 /* pipe2's two descriptors, timespecs */
#define SCR_PATH_A    256
#define SCR_PATH_B    768
#define SCR_ARRAYS    1280
#define SCR_DATA      2048
#define FUTEX_WORDS   16
#define WAIT_NS_MAX   2000000 /* futex, poll, select, nanosleep: 2 ms at most */

struct call {
	struct prog_state *s;
	const uint8_t *rec;
	unsigned at;
	bool must_fail; /* an argument no call may accept */
};

static const struct prog_platform *plat(struct call *c) { return c->s->p; }

static uint8_t u8(struct call *c)
{
	return c->at < PROG_RECORD ? c->rec[c->at++] : 0;
}

static uint16_t u16(struct call *c)
{
	return (uint16_t)(u8(c) | u8(c) << 8);
}

static long sys(struct call *c, long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return plat(c)->sys(nr, a0, a1, a2, a3, a4, a5);
}

static void fail(struct prog_state *s, const char *fmt, long nr, long ret)
{
	char line[160];

	snprintf(line, sizeof(line), fmt, nr, ret);
	s->p->failed(line);
}

/* ---- value generators ---- */

static long pick_int(struct call *c)
{
	static const long edges[] = { 0, 1, -1, 2, 3, 4, 7, 8, 16, 255, 256, 4095, 4096,
				      INT_MAX, INT_MIN, (long)UINT_MAX, LONG_MAX, LONG_MIN,
				      0x80000000l, -4096, 1l << 40 };
	uint8_t sel = u8(c);

	if (sel < 0x80)
		return edges[sel % (sizeof(edges) / sizeof(edges[0]))];
	return (long)u16(c) - (sel & 1) * 0x8000;
}

static size_t pick_len(struct call *c)
{
	static const size_t lens[] = { 0, 1, 2, 3, 7, 8, 16, 24, 64, 100, 512, 4095, 4096, 4097,
				       8192, 1u << 16, 1u << 20, (size_t)INT_MAX,
				       (size_t)INT_MAX + 1, SIZE_MAX / 2, SIZE_MAX - 4095, SIZE_MAX };

	return lens[u8(c) % (sizeof(lens) / sizeof(lens[0]))];
}

/* A descriptor of one of the kinds in mask (1 << kind), or an edge value. */
static int pick_fd(struct call *c, unsigned mask)
{
	static const int edges[] = { -1, -100, 1000, INT_MAX, 1023, 1024, -2, 65536 };
	struct prog_state *s = c->s;
	uint8_t sel = u8(c);
	unsigned match[PROG_MAX_FDS], n = 0;

	if (sel >= 0xf0 || s->nfds == 0)
		return edges[sel % (sizeof(edges) / sizeof(edges[0]))];
	for (unsigned i = 0; i < s->nfds; i++)
		if (mask & (1u << s->fds[i].kind))
			match[n++] = i;
	if (n == 0)
		return s->fds[sel % s->nfds].fd;
	return s->fds[match[sel % n]].fd;
}

static uintptr_t pick_from(struct call *c, const uintptr_t *list, size_t n)
{
	return n ? list[u8(c) % n] : LOW_HALF_END;
}

/*
 * A buffer of len bytes that the kernel reads (kernel_writes false) or
 * writes. Pointers into the scratch may run off either end into its guard
 * pages; into a mapping they stay inside it (the mapping may be gone or
 * inaccessible by now, which the kernel must refuse on its own).
 */
static uintptr_t pick_buf(struct call *c, size_t len, bool kernel_writes)
{
	const struct prog_platform *p = plat(c);
	struct prog_state *s = c->s;
	uintptr_t start = (uintptr_t)p->scratch, end = start + p->scratch_len, a;
	uint8_t sel = u8(c) % 16;

	if (sel >= 7 && sel <= 9 && s->nmaps) {
		const struct prog_map *m = &s->maps[u8(c) % s->nmaps];
		size_t off = (size_t)u16(c) * 16 % m->len;

		return len <= m->len - off ? m->addr + off : m->addr;
	}
	switch (sel) {
	case 10:
		return 0;
	case 11:
	case 12:
		c->must_fail |= len > 0;
		return pick_from(c, p->no_access, p->n_no_access);
	case 13:
		c->must_fail |= len > 0 && kernel_writes && p->n_no_write;
		return pick_from(c, p->no_write, p->n_no_write);
	case 14:
		a = start - 64;
		break;
	case 15:
		a = len < end - start - SCR_DATA ? end - len : start + SCR_DATA;
		break;
	default:
		a = start + SCR_DATA + (size_t)u16(c) % (p->scratch_len - SCR_DATA);
		break;
	}
	/* Into a guard page: below the scratch, or past its end. */
	if (len > 0 && (a < start || len > end - a))
		c->must_fail = true;
	return a;
}

/* A path in the scratch slot (or a pointer no call may follow). */
static uintptr_t pick_path(struct call *c, unsigned slot)
{
	static const char *const paths[] = {
		"/tmp/a", "/tmp/b", "/tmp/d", "/tmp/d/e", "/tmp/a/x", "/dev/null", "/dev/zero",
		"/", "/tmp", "", ".", "..", "/nonexistent/x", "/tmp//a/./", "/tmp/d/../b",
		"/dev", "/tmp/d/e/f", "tmp/a",
	};
	const struct prog_platform *p = plat(c);
	uint8_t sel = u8(c);
	size_t n = sizeof(paths) / sizeof(paths[0]);
	char *at = (char *)p->scratch + slot;

	if (sel < 0xe0) {
		strcpy(at, paths[sel % n]);
		return (uintptr_t)at;
	}
	switch (sel & 3) {
	case 0: /* longer than PATH_MAX */
		memset(p->scratch + SCR_DATA, 'a', 4200);
		p->scratch[SCR_DATA + 4200] = '\0';
		c->must_fail = true;
		return (uintptr_t)(p->scratch + SCR_DATA);
	case 1: /* no NUL before the guard page */
		memset(p->scratch + p->scratch_len - 8, 'z', 8);
		c->must_fail = true;
		return (uintptr_t)(p->scratch + p->scratch_len - 8);
	case 2:
		return 0;
	default:
		c->must_fail = true;
		return pick_from(c, p->no_access, p->n_no_access);
	}
}

/* ---- resources ---- */

static void add_fd(struct prog_state *s, long fd, enum prog_kind kind)
{
	unsigned i;

	for (i = 0; i < s->nfds && s->fds[i].fd != fd; i++)
		;
	if (i == s->nfds && s->nfds == PROG_MAX_FDS) {
		i = s->fd_victim++ % PROG_MAX_FDS; /* the pool is full: close one, in turn */
		s->p->sys(SYS_close, s->fds[i].fd, 0, 0, 0, 0, 0);
	} else if (i == s->nfds) {
		s->nfds++;
	}
	s->fds[i] = (struct prog_fd){ (int)fd, kind };
}

static void drop_fd(struct prog_state *s, long fd)
{
	for (unsigned i = 0; i < s->nfds; i++)
		if (s->fds[i].fd == fd)
			s->fds[i--] = s->fds[--s->nfds];
}

static int kind_of(struct prog_state *s, long fd, enum prog_kind *kind)
{
	for (unsigned i = 0; i < s->nfds; i++)
		if (s->fds[i].fd == fd) {
			*kind = s->fds[i].kind;
			return 1;
		}
	return 0;
}

static bool overlaps(uintptr_t a, size_t n, uintptr_t b, size_t m)
{
	return a < b + m && b < a + n;
}

static void add_map(struct call *c, long addr, size_t len, long nr)
{
	const struct prog_platform *p = plat(c);
	struct prog_state *s = c->s;
	uintptr_t a = (uintptr_t)addr;

	if (a % PAGE || a >= LOW_HALF_END || len > LOW_HALF_END - a)
		fail(s, "call %ld: mapping at %#lx is not a page of the low half", nr, addr);
	if (overlaps(a, len, (uintptr_t)p->scratch - PAGE, p->scratch_len + 2 * PAGE))
		fail(s, "call %ld: new mapping %#lx lies over the program's scratch memory", nr, addr);
	if (s->nmaps == PROG_MAX_MAPS) {
		struct prog_map *m = &s->maps[s->map_victim++ % PROG_MAX_MAPS];

		s->p->sys(SYS_munmap, (long)m->addr, (long)m->len, 0, 0, 0, 0);
		*m = (struct prog_map){ a, len };
		return;
	}
	s->maps[s->nmaps++] = (struct prog_map){ a, len };
}

/* A mapping's address (plus an offset in pages), or an address no call may take. */
static uintptr_t pick_map(struct call *c, size_t *len, bool *hostile)
{
	const struct prog_platform *p = plat(c);
	struct prog_state *s = c->s;
	uint8_t sel = u8(c);

	*hostile = false;
	if (sel >= 0xe0 || s->nmaps == 0) {
		/* Outside the application's half: unmapping or changing it is
		   always refused (a hole of the low half may answer 0, as Linux). */
		static const uintptr_t high[] = { LOW_HALF_END, 0xffff800000000000ul,
						  0xffffffff80000000ul, (uintptr_t)-PAGE };
		uint8_t k = u8(c);
		uintptr_t a = high[k % 4];

		if (k >= 0x80 && p->n_no_write && p->no_write[k % p->n_no_write] >= LOW_HALF_END)
			a = p->no_write[k % p->n_no_write];
		*hostile = true;
		*len = PAGE;
		return a & ~(PAGE - 1);
	}
	const struct prog_map *m = &s->maps[sel % s->nmaps];
	size_t pages = m->len / PAGE, skip = u8(c) % (pages + 1);

	*len = m->len - skip * PAGE;
	return m->addr + skip * PAGE;
}

static void forget_map(struct prog_state *s, uintptr_t a, size_t len)
{
	for (unsigned i = 0; i < s->nmaps; i++)
		if (a <= s->maps[i].addr && len >= s->maps[i].len &&
		    s->maps[i].addr - a <= len - s->maps[i].len)
			s->maps[i--] = s->maps[--s->nmaps];
}

/* ---- the calls ---- */

static long c_open(struct call *c)
{
	uintptr_t path = pick_path(c, SCR_PATH_A);
	/* The low bits as they are; O_DIRECTORY, O_CLOEXEC, O_NOFOLLOW from bits 12-14. */
	unsigned v = u16(c);
	long flags = (long)(v & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK)) |
		     ((v & 0x1000) ? O_DIRECTORY : 0) | ((v & 0x2000) ? O_CLOEXEC : 0) |
		     ((v & 0x4000) ? O_NOFOLLOW : 0);
	long fd = sys(c, SYS_open, (long)path, flags, 0644, 0, 0, 0);

	if (fd >= 0)
		add_fd(c->s, fd, (flags & O_DIRECTORY) ? PROG_DIR : PROG_FILE);
	return fd;
}

static long c_openat(struct call *c)
{
	int dir = pick_fd(c, 1u << PROG_DIR);
	uintptr_t path = pick_path(c, SCR_PATH_A);
	long flags = pick_int(c) & ~(long)(O_PATH | O_TMPFILE);
	long fd = sys(c, SYS_openat, dir, (long)path, flags, 0600, 0, 0);

	if (fd >= 0)
		add_fd(c->s, fd, (flags & O_DIRECTORY) ? PROG_DIR : PROG_FILE);
	return fd;
}

static long c_close(struct call *c)
{
	int fd = pick_fd(c, ~0u);
	long r = sys(c, SYS_close, fd, 0, 0, 0, 0, 0);

	if (r == 0)
		drop_fd(c->s, fd);
	return r;
}

static long c_rw(struct call *c, long nr, bool kernel_writes, bool positional)
{
	int fd = pick_fd(c, ~0u);
	size_t len = pick_len(c);
	uintptr_t buf = pick_buf(c, len, kernel_writes);
	long off = positional ? pick_int(c) : 0;
	long r = sys(c, nr, fd, (long)buf, (long)len, off, 0, 0);

	if (r > 0 && (size_t)r > len)
		fail(c->s, "call %ld: transferred %ld bytes, more than asked", nr, r);
	return r;
}

static long c_read(struct call *c) { return c_rw(c, SYS_read, true, false); }
static long c_write(struct call *c) { return c_rw(c, SYS_write, false, false); }
static long c_pread(struct call *c) { return c_rw(c, SYS_pread64, true, true); }
static long c_pwrite(struct call *c) { return c_rw(c, SYS_pwrite64, false, true); }

/* readv/writev: up to 4 iovecs in the scratch, each a buffer of its own. */
static long c_rwv(struct call *c, long nr, bool kernel_writes)
{
	int fd = pick_fd(c, ~0u);
	unsigned n = u8(c) % 6;
	uint64_t *iov = (uint64_t *)(plat(c)->scratch + SCR_ARRAYS);
	bool must_fail = c->must_fail;

	for (unsigned i = 0; i < n && i < 4; i++) {
		iov[2 * i + 1] = pick_len(c) & 0xffff;
		iov[2 * i] = pick_buf(c, iov[2 * i + 1], kernel_writes);
	}
	c->must_fail = must_fail; /* an iovec may be skipped at end of file */
	return sys(c, nr, fd, (long)iov, n == 5 ? -1 : (long)n, 0, 0, 0);
}

static long c_readv(struct call *c) { return c_rwv(c, SYS_readv, true); }
static long c_writev(struct call *c) { return c_rwv(c, SYS_writev, false); }

static long c_lseek(struct call *c)
{
	int fd = pick_fd(c, ~0u);
	long off = pick_int(c);

	return sys(c, SYS_lseek, fd, off, u8(c) % 6, 0, 0, 0);
}

static long c_dup(struct call *c)
{
	int fd = pick_fd(c, ~0u);
	enum prog_kind kind = PROG_FILE;
	long r = sys(c, SYS_dup, fd, 0, 0, 0, 0, 0);

	if (r >= 0 && kind_of(c->s, fd, &kind))
		add_fd(c->s, r, kind);
	if (r >= 0 && r == fd)
		fail(c->s, "call %ld: dup answered the descriptor it was given (%ld)", SYS_dup, r);
	return r;
}

static long c_dup3(struct call *c)
{
	int fd = pick_fd(c, ~0u), to = pick_fd(c, ~0u);
	enum prog_kind kind = PROG_FILE;
	long nr = (u8(c) & 1) ? SYS_dup2 : SYS_dup3;

	if (to >= 0 && to <= 2)
		to = 3 + to; /* never the console's descriptors */
	long r = sys(c, nr, fd, to, nr == SYS_dup3 ? (u8(c) & 1) * O_CLOEXEC : 0, 0, 0, 0);

	if (r >= 0 && r != to)
		fail(c->s, "call %ld: dup2/dup3 answered %ld, not the descriptor asked for", nr, r);
	if (r >= 0 && kind_of(c->s, fd, &kind))
		add_fd(c->s, r, kind);
	return r;
}

static long c_fcntl(struct call *c)
{
	static const int cmds[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD,
				    F_DUPFD_CLOEXEC, 1234, -1 };
	int fd = pick_fd(c, ~0u);
	int cmd = cmds[u8(c) % (sizeof(cmds) / sizeof(cmds[0]))];
	long arg = pick_int(c);
	enum prog_kind kind = PROG_FILE;

	if (cmd == F_SETFL)
		arg |= O_NONBLOCK; /* a pipe must never block the program */
	long r = sys(c, SYS_fcntl, fd, cmd, arg, 0, 0, 0);

	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && r >= 0) {
		if (r < arg)
			fail(c->s, "call %ld: F_DUPFD answered %ld, below its minimum", SYS_fcntl, r);
		if (kind_of(c->s, fd, &kind))
			add_fd(c->s, r, kind);
	}
	return r;
}

static long c_fstat(struct call *c)
{
	int fd = pick_fd(c, ~0u);

	return sys(c, SYS_fstat, fd, (long)pick_buf(c, 144, true), 0, 0, 0, 0);
}

static long c_ftruncate(struct call *c)
{
	int fd = pick_fd(c, 1u << PROG_FILE);
	long len = (u8(c) & 1) ? pick_int(c) : (long)(u16(c) * 61);

	return sys(c, SYS_ftruncate, fd, len, 0, 0, 0, 0);
}

static long c_getdents(struct call *c)
{
	int fd = pick_fd(c, 1u << PROG_DIR);
	size_t len = pick_len(c);
	long r = sys(c, SYS_getdents64, fd, (long)pick_buf(c, len, true), (long)len, 0, 0, 0);

	if (r > 0 && (size_t)r > len)
		fail(c->s, "call %ld: %ld bytes of entries, more than the buffer", SYS_getdents64, r);
	return r;
}

static long c_pipe2(struct call *c)
{
	uint8_t sel = u8(c);
	uintptr_t where = sel < 0xe0 ? (uintptr_t)(plat(c)->scratch + SCR_OUT) : pick_buf(c, 8, true);
	long r = sys(c, SYS_pipe2, (long)where, O_NONBLOCK | ((sel & 1) ? O_CLOEXEC : 0), 0, 0, 0, 0);

	/*
	 * The two descriptors go to the pool wherever they were written (a
	 * call that wrote them succeeded on writable memory): a pipe the pool
	 * does not know would outlive prog_reset, and the next program would
	 * start with descriptors of its own. On memory no call may touch the
	 * success is the failure prog_run_call reports; nothing is read there.
	 */
	if (r == 0 && where != 0 && !c->must_fail) {
		int32_t got[2];

		memcpy(got, (const void *)where, sizeof(got));
		if (got[0] < 0 || got[1] < 0 || got[0] == got[1])
			fail(c->s, "pipe2 gave descriptors %ld and %ld", got[0], got[1]);
		add_fd(c->s, got[0], PROG_PIPE_READ);
		add_fd(c->s, got[1], PROG_PIPE_WRITE);
	}
	return r;
}

static long c_eventfd(struct call *c)
{
	long init = pick_int(c);
	long flags = (pick_int(c) & ~(long)0x80000) | O_NONBLOCK; /* EFD_NONBLOCK */
	long r = sys(c, SYS_eventfd2, init, flags, 0, 0, 0, 0);

	if (r >= 0)
		add_fd(c->s, r, PROG_EVENTFD);
	return r;
}

static long c_mmap(struct call *c)
{
	static const long flag_sets[] = {
		MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE,
		MAP_SHARED, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		MAP_ANONYMOUS,
	};
	long flags = flag_sets[u8(c) % (sizeof(flag_sets) / sizeof(flag_sets[0]))];
	size_t len = (u8(c) & 0x80) ? pick_len(c) : (size_t)(u8(c) % 8 + 1) * PAGE;
	long prot = u8(c) & 7;
	int fd = (flags & MAP_ANONYMOUS) ? -1 : pick_fd(c, 1u << PROG_FILE);
	long off = (u8(c) & 1) ? pick_int(c) : 0;
	uintptr_t hint = 0;
	size_t hint_len;
	bool hostile = false;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
		hint = pick_map(c, &hint_len, &hostile); /* only over its own mappings */
	long r = sys(c, SYS_mmap, (long)hint, (long)len, prot, flags, fd, off);

	if (r >= 0) {
		if (hostile)
			fail(c->s, "call %ld: mmap MAP_FIXED over memory no call may take gave %#lx", SYS_mmap, r);
		if ((prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
			fail(c->s, "call %ld: mmap granted write and execute at %#lx", SYS_mmap, r);
		if ((flags & MAP_FIXED) && (uintptr_t)r != hint)
			fail(c->s, "call %ld: MAP_FIXED placed the mapping elsewhere, at %#lx", SYS_mmap, r);
		add_map(c, r, (len + PAGE - 1) & ~(PAGE - 1), SYS_mmap);
	}
	return r;
}

static long c_munmap(struct call *c)
{
	size_t len;
	bool hostile;
	uintptr_t a = pick_map(c, &len, &hostile);

	if (u8(c) & 1)
		len = (len / 2 + PAGE - 1) & ~(PAGE - 1);
	long r = sys(c, SYS_munmap, (long)a, (long)len, 0, 0, 0, 0);

	c->must_fail |= hostile;
	if (r == 0)
		forget_map(c->s, a, len);
	return r;
}

static long c_mprotect(struct call *c)
{
	size_t len;
	bool hostile;
	uintptr_t a = pick_map(c, &len, &hostile);
	long prot = (u8(c) & 0x80) ? pick_int(c) : u8(c) & 7;
	long r = sys(c, SYS_mprotect, (long)a, (long)len, prot, 0, 0, 0);

	c->must_fail |= hostile;
	if (r == 0 && len > 0 && (prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
		fail(c->s, "call %ld: mprotect granted write and execute (%ld)", SYS_mprotect, r);
	return r;
}

static long c_madvise(struct call *c)
{
	size_t len;
	bool hostile;
	uintptr_t a = pick_map(c, &len, &hostile);
	long advice = (u8(c) & 0x80) ? pick_int(c) : u8(c) % 24;

	/* MADV_DONTNEED and friends may answer 0 on nothing mapped: no check. */
	return sys(c, SYS_madvise, (long)a, (long)len, advice, 0, 0, 0);
}

static long c_mremap(struct call *c)
{
	size_t len;
	bool hostile;
	uintptr_t a = pick_map(c, &len, &hostile);
	size_t new_len = (u8(c) & 0x80) ? pick_len(c) : (size_t)(u8(c) % 8 + 1) * PAGE;
	long flags = u8(c) & 1; /* MREMAP_MAYMOVE; MREMAP_FIXED needs a target we own */
	long r = sys(c, SYS_mremap, (long)a, (long)len, (long)new_len, flags, 0, 0);

	c->must_fail |= hostile;
	if (r >= 0) {
		forget_map(c->s, a, len);
		add_map(c, r, (new_len + PAGE - 1) & ~(PAGE - 1), SYS_mremap);
	}
	return r;
}

static long c_msync(struct call *c)
{
	size_t len;
	bool hostile;
	uintptr_t a = pick_map(c, &len, &hostile);

	return sys(c, SYS_msync, (long)a, (long)len, u8(c) & 7, 0, 0, 0);
}

static long c_mlock(struct call *c)
{
	size_t len;
	bool hostile;
	uintptr_t a = pick_map(c, &len, &hostile);

	return sys(c, (u8(c) & 1) ? SYS_munlock : SYS_mlock, (long)a, (long)len, 0, 0, 0, 0);
}

/* A timespec of at most WAIT_NS_MAX in the scratch (absolute ones are then long past). */
static uintptr_t short_timespec(struct call *c)
{
	long *ts = (long *)(plat(c)->scratch + SCR_OUT + 16);

	ts[0] = 0;
	ts[1] = (long)(u16(c) % WAIT_NS_MAX);
	return (uintptr_t)ts;
}

/* A futex word: in the scratch, in a mapping, or nowhere a call may look. */
static uintptr_t futex_word(struct call *c)
{
	uint8_t sel = u8(c);
	const struct prog_platform *p = plat(c);

	if (sel < 0xb0)
		return (uintptr_t)(p->scratch + SCR_FUTEX + 4 * (sel % FUTEX_WORDS));
	if (sel < 0xf0 && c->s->nmaps)
		return c->s->maps[sel % c->s->nmaps].addr + 4 * (sel % 8);
	if (sel < 0xf8)
		return (uintptr_t)(p->scratch + SCR_FUTEX + 1); /* misaligned */
	c->must_fail = true;
	return pick_from(c, p->no_access, p->n_no_access);
}

static long c_futex(struct call *c)
{
	uint8_t sel = u8(c);
	long op = (sel & 0x0f) | (sel & 0x10 ? 128 : 0) | (sel & 0x20 ? 256 : 0);
	bool hostile_word;
	uintptr_t word = futex_word(c);

	hostile_word = c->must_fail;
	long val = (u8(c) & 0x80) ? pick_int(c) : u8(c) % 4;
	uintptr_t timeout = short_timespec(c);
	long val2 = pick_int(c) & 0xff; /* requeue counts; otherwise the timeout */
	uintptr_t word2 = futex_word(c);
	long val3 = (u8(c) & 1) ? -1 : pick_int(c);
	int cmd = (int)(op & 0x7f);

	/* Only a wait must read its word; a wake may find no waiter and answer 0. */
	c->must_fail = hostile_word && (cmd == 0 || cmd == 9);
	/* WAIT, LOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2 take a timeout there. */
	long arg4 = (cmd == 0 || cmd == 6 || cmd == 9 || cmd == 11 || cmd == 13) ? (long)timeout : val2;

	return sys(c, SYS_futex, (long)word, op, val, arg4, (long)word2, val3);
}

/* A pollfd array of the program's descriptors in the scratch. */
static long c_poll(struct call *c)
{
	int16_t *pfd = (int16_t *)(plat(c)->scratch + SCR_ARRAYS);
	unsigned n = u8(c) % 9;

	for (unsigned i = 0; i < n; i++) {
		int fd = pick_fd(c, ~0u);

		memcpy(pfd + 4 * i, &fd, sizeof(fd));
		pfd[4 * i + 2] = (int16_t)(u8(c) | (u8(c) & 0x80 ? 0xff00 : 0));
		pfd[4 * i + 3] = 0x7777; /* revents: the kernel rewrites it */
	}
	long r;
	if (u8(c) & 1) {
		r = sys(c, SYS_poll, (long)pfd, n == 8 ? 1 << 20 : (long)n, u8(c) % 3, 0, 0, 0);
	} else {
		uintptr_t ts = short_timespec(c);
		r = sys(c, SYS_ppoll, (long)pfd, (long)n, (long)ts, 0, 8, 0);
	}
	if (r > (long)n)
		fail(c->s, "call %ld: poll counted %ld ready descriptors, more than given", SYS_poll, r);
	return r;
}

static long c_select(struct call *c)
{
	uint8_t *sets = plat(c)->scratch + SCR_ARRAYS;
	long nfds = (u8(c) & 0x80) ? pick_int(c) : u8(c) % 64;

	for (unsigned i = 0; i < 3 * 128; i++)
		sets[i] = 0;
	for (unsigned i = 0; i < 4; i++) {
		int fd = pick_fd(c, ~0u);

		if (fd >= 0 && fd < 1024)
			sets[(i % 3) * 128 + fd / 8] |= (uint8_t)(1 << (fd % 8));
	}
	long *tv = (long *)(plat(c)->scratch + SCR_OUT + 32);
	tv[0] = 0;
	tv[1] = u8(c) % 2000; /* microseconds */
	return sys(c, SYS_select, nfds, (long)sets, (long)(sets + 128), (long)(sets + 256),
		   (long)tv, 0);
}

static long c_path1(struct call *c)
{
	static const long nrs[] = { SYS_unlink, SYS_rmdir, SYS_mkdir, SYS_chdir, SYS_access };
	long nr = nrs[u8(c) % (sizeof(nrs) / sizeof(nrs[0]))];
	uintptr_t path = pick_path(c, SCR_PATH_A);
	long r = sys(c, nr, (long)path, 0755, 0, 0, 0, 0);

	if (nr == SYS_chdir && r == 0) /* back to /, so that relative paths mean the same */
		sys(c, SYS_chdir, (long)"/", 0, 0, 0, 0, 0);
	return r;
}

static long c_rename(struct call *c)
{
	uintptr_t from = pick_path(c, SCR_PATH_A), to = pick_path(c, SCR_PATH_B);

	return sys(c, SYS_rename, (long)from, (long)to, 0, 0, 0, 0);
}

static long c_stat(struct call *c)
{
	uint8_t sel = u8(c);
	uintptr_t path = pick_path(c, SCR_PATH_A);
	uintptr_t buf = pick_buf(c, (sel & 1) ? 256 : 144, true);

	if (sel & 1)
		return sys(c, SYS_statx, -100, (long)path, (sel >> 1) & 0x100, 0x7ff, (long)buf, 0);
	return sys(c, SYS_newfstatat, (sel & 2) ? pick_fd(c, 1u << PROG_DIR) : -100, (long)path,
		   (long)buf, (sel >> 2) & 0x100, 0, 0);
}

static long c_readlink(struct call *c)
{
	uintptr_t path = pick_path(c, SCR_PATH_A);
	size_t len = pick_len(c);

	return sys(c, SYS_readlink, (long)path, (long)pick_buf(c, len, true), (long)len, 0, 0, 0);
}

static long c_nanosleep(struct call *c)
{
	return sys(c, SYS_nanosleep, (long)short_timespec(c), 0, 0, 0, 0, 0);
}

static long c_getrandom(struct call *c)
{
	size_t len = pick_len(c) & 0xffff;

	return sys(c, SYS_getrandom, (long)pick_buf(c, len, true), (long)len, u8(c) & 7, 0, 0, 0);
}

static long c_ioctl(struct call *c)
{
	static const long reqs[] = { 0x5401 /* TCGETS */, 0x5413 /* TIOCGWINSZ */,
				     0x541b /* FIONREAD */, 0x5451 /* FIOCLEX */, 0, -1, 0x80045430 };
	int fd = pick_fd(c, ~0u);
	long req = reqs[u8(c) % (sizeof(reqs) / sizeof(reqs[0]))];

	return sys(c, SYS_ioctl, fd, req, (long)pick_buf(c, 64, true), 0, 0, 0);
}

/*
 * Calls the table has no row for: a number the kernel must answer, from
 * a list of calls that cannot end or stop the program, or one it has
 * never heard of (-ENOSYS), with arguments of every kind.
 */
static long c_raw(struct call *c)
{
	static const long nrs[] = {
		SYS_getpid, SYS_gettid, SYS_uname, SYS_sysinfo, SYS_clock_gettime,
		SYS_clock_getres, SYS_gettimeofday, SYS_time, SYS_getrlimit, SYS_prlimit64,
		SYS_sched_getaffinity, SYS_sched_yield, SYS_getuid, SYS_getcwd,
		SYS_membarrier, SYS_faccessat, SYS_getppid,
		/* unknown to Linux and to the kernel: */
		-1, 1000, 512, 0x40000000 + 1, LONG_MIN,
	};
	const size_t known = sizeof(nrs) / sizeof(nrs[0]) - 5;
	size_t i = u8(c) % (sizeof(nrs) / sizeof(nrs[0]));
	long a[6];

	for (int k = 0; k < 6; k++) {
		uint8_t kind = u8(c) % 4;

		a[k] = kind == 0 ? (long)pick_buf(c, 64, true) : pick_int(c);
	}
	c->must_fail = false; /* the call may not take a pointer at all */
	long r = sys(c, nrs[i], a[0], a[1], a[2], a[3], a[4], a[5]);

	if (i >= known && r != -ENOSYS)
		fail(c->s, "call %ld: an unknown system call answered %ld, not -ENOSYS", nrs[i], r);
	return r;
}

/*
 * The table, by id (a record's first byte modulo PROG_CALL_IDS). Ids are
 * stable, so kept programs keep their meaning: a new call takes a free id.
 * Reserved: 40-47 sockets (socket, bind, listen, connect, accept4,
 * sendto/recvfrom, shutdown, get/setsockopt: resource kind PROG_SOCKET),
 * 48-51 epoll (epoll_create1, epoll_ctl, epoll_wait, epoll_pwait:
 * PROG_EPOLL). A free id runs c_raw.
 */
static const struct {
	const char *name;
	long (*run)(struct call *c);
} calls[PROG_CALL_IDS] = {
	[0] = { "open", c_open },         [1] = { "openat", c_openat },
	[2] = { "close", c_close },       [3] = { "read", c_read },
	[4] = { "write", c_write },       [5] = { "pread64", c_pread },
	[6] = { "pwrite64", c_pwrite },   [7] = { "readv", c_readv },
	[8] = { "writev", c_writev },     [9] = { "lseek", c_lseek },
	[10] = { "dup", c_dup },          [11] = { "dup3", c_dup3 },
	[12] = { "fcntl", c_fcntl },      [13] = { "fstat", c_fstat },
	[14] = { "ftruncate", c_ftruncate }, [15] = { "getdents64", c_getdents },
	[16] = { "pipe2", c_pipe2 },      [17] = { "eventfd2", c_eventfd },
	[18] = { "mmap", c_mmap },        [19] = { "munmap", c_munmap },
	[20] = { "mprotect", c_mprotect }, [21] = { "madvise", c_madvise },
	[22] = { "mremap", c_mremap },    [23] = { "msync", c_msync },
	[24] = { "futex", c_futex },      [25] = { "poll", c_poll },
	[26] = { "select", c_select },    [27] = { "path", c_path1 },
	[28] = { "rename", c_rename },    [29] = { "stat", c_stat },
	[30] = { "readlink", c_readlink }, [31] = { "nanosleep", c_nanosleep },
	[32] = { "getrandom", c_getrandom }, [33] = { "ioctl", c_ioctl },
	/* Descriptors and pipes come up often: more ids for them. */
	[34] = { "read", c_read },        [35] = { "write", c_write },
	[36] = { "pipe2", c_pipe2 },      [37] = { "mmap", c_mmap },
	[38] = { "open", c_open },        [39] = { "futex", c_futex },
	[52] = { "mlock", c_mlock },
};

const char *prog_call_name(const uint8_t record[PROG_RECORD])
{
	const char *name = calls[record[0] % PROG_CALL_IDS].name;

	return name ? name : "raw";
}

void prog_init(struct prog_state *s, const struct prog_platform *p)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	memset(p->scratch, 0, p->scratch_len);
}

long prog_run_call(struct prog_state *s, const uint8_t record[PROG_RECORD])
{
	struct call c = { .s = s, .rec = record, .at = 1 };
	unsigned id = record[0] % PROG_CALL_IDS;
	long r = calls[id].run ? calls[id].run(&c) : c_raw(&c);

	s->calls++;
	if (r < -4095)
		fail(s, "a call (id %ld) answered %ld, neither a count nor -errno", (long)id, r);
	if (c.must_fail && r >= 0)
		fail(s, "a call (id %ld) succeeded (%ld) on memory no call may touch", (long)id, r);
	return r;
}

void prog_reset(struct prog_state *s)
{
	while (s->nfds)
		s->p->sys(SYS_close, s->fds[--s->nfds].fd, 0, 0, 0, 0, 0);
	while (s->nmaps) {
		const struct prog_map *m = &s->maps[--s->nmaps];

		s->p->sys(SYS_munmap, (long)m->addr, (long)m->len, 0, 0, 0, 0);
	}
	s->calls = 0;
}
