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
	bool extend;    /* past the record: bytes from extra's generator (extend()) */
	uint64_t extra;
};

static const struct prog_platform *plat(struct call *c) { return c->s->p; }

static uint8_t more(struct call *c)
{
	uint64_t z = (c->extra += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint8_t)(z ^ (z >> 31));
}

static uint8_t u8(struct call *c)
{
	if (c->at < PROG_RECORD)
		return c->rec[c->at++];
	return c->extend ? more(c) : 0;
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

/*
 * A descriptor of one of the kinds in mask (1 << kind), or an edge value:
 * among them the number the last close freed (a closed file's number:
 * EBADF, or the file that took the number since; -2 before any close).
 */
static int pick_fd(struct call *c, unsigned mask)
{
	static const int edges[] = { -1, -100, 1000, INT_MAX, 1023, 1024, -2, 65536 };
	struct prog_state *s = c->s;
	uint8_t sel = u8(c);
	unsigned match[PROG_MAX_FDS], n = 0;

	if ((sel >= 0xf0 || s->nfds == 0) && sel % 8 == 6)
		return s->last_closed;
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
	s->last_closed = (int)fd;
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

/*
 * The two descriptors pipe2 or socketpair wrote at where go to the pool
 * wherever they were written (a call that wrote them succeeded on
 * writable memory): a pair the pool does not know would outlive
 * prog_reset, and the next program would start with descriptors of its
 * own. On memory no call may touch the success is the failure
 * prog_run_call reports; nothing is read there.
 */
static void add_pair(struct call *c, uintptr_t where, enum prog_kind k0, enum prog_kind k1)
{
	int32_t got[2];

	if (where == 0 || c->must_fail)
		return;
	memcpy(got, (const void *)where, sizeof(got));
	if (got[0] < 0 || got[1] < 0 || got[0] == got[1])
		fail(c->s, "a pair of descriptors %ld and %ld", got[0], got[1]);
	add_fd(c->s, got[0], k0);
	add_fd(c->s, got[1], k1);
}

static long c_pipe2(struct call *c)
{
	uint8_t sel = u8(c);
	uintptr_t where = sel < 0xe0 ? (uintptr_t)(plat(c)->scratch + SCR_OUT) : pick_buf(c, 8, true);
	long r = sys(c, SYS_pipe2, (long)where, O_NONBLOCK | ((sel & 1) ? O_CLOEXEC : 0), 0, 0, 0, 0);

	if (r == 0)
		add_pair(c, where, PROG_PIPE_READ, PROG_PIPE_WRITE);
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

	/* FIONREAD writes an int (on a socket; the others answer ENOTTY). */
	return sys(c, SYS_ioctl, fd, req, (long)pick_buf(c, req == 0x541b ? 4 : 64, true), 0, 0, 0);
}

/* ---- sockets, epoll and the datagram API ---- */

/*
 * Records carry 15 bytes of arguments; a call with arrays (msghdrs, a
 * datagram batch) reads more. Past the record's end, a call that set
 * c->extend draws its bytes from a generator seeded by the record, so a
 * record still says all of its call (the older calls read zeros there,
 * and keep doing so: their kept programs replay the same).
 */
static void extend(struct call *c)
{
	c->extend = true;
	for (unsigned i = 0; i < PROG_RECORD; i++)
		c->extra = c->extra * 131 + c->rec[i];
}

#define PROG_AF_UNIX  1
#define PROG_AF_INET  2
#define PROG_AF_INET6 10
#define SOCK_NONBLOCK_FLAG 04000 /* SOCK_NONBLOCK = O_NONBLOCK */
#define MSG_DONTWAIT_FLAG  0x40
#define SCR_ADDR      (SCR_PATH_B)       /* a socket address the call passes */
#define SCR_ADDR_OUT  (SCR_PATH_B + 256) /* one the kernel writes, 128 bytes and a canary */
#define ADDR_OUT_ROOM 128
#define CANARY        0xa5
#define DGRAM_SIZE    48 /* struct carapace_dgram */
#define DGRAM_BATCH   16
#define DGRAM_RECV    500
#define DGRAM_SEND    501

/*
 * The bytes from a that the program may surely read (write false) or
 * write: the rest of the scratch; unknown (SIZE_MAX) in a mapping of its
 * own (which may be unmapped or read-only by now); none elsewhere (NULL,
 * guard pages, kernel memory; kernel text and struct cpu may be read).
 */
static size_t room_at(struct call *c, uintptr_t a, bool write)
{
	const struct prog_platform *p = plat(c);
	uintptr_t start = (uintptr_t)p->scratch, end = start + p->scratch_len;

	if (a >= start && a < end)
		return end - a;
	for (unsigned i = 0; i < c->s->nmaps; i++)
		if (a >= c->s->maps[i].addr && a - c->s->maps[i].addr < c->s->maps[i].len)
			return SIZE_MAX;
	for (size_t i = 0; !write && i < p->n_no_write; i++)
		if (a == p->no_write[i])
			return SIZE_MAX;
	return 0;
}

/* A socket of the program's (or, now and then, any descriptor or an edge value). */
static int sock_fd(struct call *c)
{
	return u8(c) < 0x20 ? pick_fd(c, ~0u) : pick_fd(c, 1u << PROG_SOCKET);
}

/*
 * Addresses from a small set, so that binds and connects of the same
 * program meet: 127.0.0.1 and ::1 on two ports (or port 0), two AF_UNIX
 * path names and two abstract ones; or one no family takes (a bad family,
 * a short or long length, no NUL in a unix name). Written at SCR_ADDR (or
 * at to, when given); *len gets the length to pass.
 */
static uintptr_t put_addr(struct call *c, uint8_t *to, long *len)
{
	static const uint16_t ports[] = { 0x7a79, 0x7b79, 0 }; /* 31098, 31099 in network order */
	static const char *const unix_names[] = { "/tmp/s0", "/tmp/s1", "/tmp/a", "/nonexistent/s" };
	static const long odd_lens[] = { 0, 1, 2, 3, 15, 17, 27, 29, 110, 111, 128, 129, -1, INT_MAX };
	const struct prog_platform *p = plat(c);
	uint8_t *a = to ? to : p->scratch + SCR_ADDR;
	uint8_t sel = u8(c), port = u8(c);

	memset(a, 0, 112);
	switch (sel % 8) {
	case 0:
	case 1:
	case 2: /* struct sockaddr_in */
		a[0] = PROG_AF_INET;
		memcpy(a + 2, &ports[port % 3], 2);
		a[4] = 127;
		a[7] = (sel & 0x80) ? 2 : 1; /* 127.0.0.2 now and then: nobody there */
		*len = 16;
		break;
	case 3:
	case 4: /* struct sockaddr_in6 */
		a[0] = PROG_AF_INET6;
		memcpy(a + 2, &ports[port % 3], 2);
		a[23] = 1; /* ::1 */
		if (sel & 0x80) { /* ::ffff:127.0.0.1 */
			a[18] = a[19] = 0xff;
			a[20] = 127;
			a[23] = 1;
		}
		*len = 28;
		break;
	case 5:
	case 6: /* struct sockaddr_un: a path, an abstract name, or none (autobind) */
		a[0] = PROG_AF_UNIX;
		if (port & 0x40) {
			a[3] = 's';
			a[4] = (uint8_t)('0' + (port & 1));
			*len = 5;
		} else if (port & 0x20) {
			*len = 2;
		} else {
			strcpy((char *)a + 2, unix_names[port % 4]);
			*len = 2 + (long)strlen((char *)a + 2) + ((port & 0x80) ? 1 : 0);
		}
		break;
	default: /* odd: any family, any length; a unix name without its NUL */
		a[0] = (uint8_t)(sel >> 3);
		a[1] = (sel & 0x40) ? 0xff : 0;
		memset(a + 2, 'u', 108);
		*len = odd_lens[port % (sizeof(odd_lens) / sizeof(odd_lens[0]))];
		break;
	}
	if (!to && (sel & 0xf0) == 0x60) { /* a pointer no call may follow */
		c->must_fail |= *len != 0;
		return pick_from(c, p->no_access, p->n_no_access);
	}
	return (uintptr_t)a;
}

/* An address out: the room at SCR_ADDR_OUT's length word, a canary past it. */
static uintptr_t addr_out(struct call *c, uintptr_t *ulen, int32_t *room)
{
	static const int32_t rooms[] = { ADDR_OUT_ROOM, 16, 28, 2, 0, 110, -1, 1 };
	uint8_t *a = plat(c)->scratch + SCR_ADDR_OUT, sel = u8(c);

	memset(a, CANARY, ADDR_OUT_ROOM + 16);
	*room = rooms[sel % 8];
	memcpy(a + ADDR_OUT_ROOM + 8, room, sizeof(*room));
	*ulen = (uintptr_t)(a + ADDR_OUT_ROOM + 8);
	if (sel >= 0xf0) { /* no length word the kernel may read */
		c->must_fail = true;
		*ulen = pick_from(c, plat(c)->no_access, plat(c)->n_no_access);
	}
	return (sel & 0x70) == 0x60 ? 0 : (uintptr_t)a;
}

/* After a call that wrote an address: no byte past the room, a length that fits. */
static void addr_out_check(struct call *c, long nr, uintptr_t addr, int32_t room)
{
	const uint8_t *a = plat(c)->scratch + SCR_ADDR_OUT;
	uint32_t got;

	if (!addr)
		room = 0;
	for (int i = room > 0 ? room : 0; i < ADDR_OUT_ROOM + 8; i++)
		if (a[i] != CANARY)
			fail(c->s, "call %ld: wrote an address past its room (%ld)", nr, room);
	memcpy(&got, a + ADDR_OUT_ROOM + 8, sizeof(got));
	if (addr && got > ADDR_OUT_ROOM)
		fail(c->s, "call %ld: an address length of %ld", nr, (long)got);
}

static long c_socket(struct call *c)
{
	static const int families[] = { PROG_AF_INET, PROG_AF_INET6, PROG_AF_UNIX, PROG_AF_INET,
					PROG_AF_INET6, PROG_AF_UNIX, 0, 16 /* NETLINK */, 17 /* PACKET */,
					44, 46, -1, 1000, 3 };
	static const int types[] = { 1, 2, 1, 2, 5 /* SEQPACKET */, 3 /* RAW */, 0, 4, 10, 11, 15 };
	static const int protos[] = { 0, 0, 0, 0, 6 /* TCP */, 17 /* UDP */, 1, 255, -1, 132, 2 };
	uint8_t f = u8(c), t = u8(c), pr = u8(c);
	int family = families[f % (sizeof(families) / sizeof(families[0]))];
	/* Always non-blocking: no call on it may wait for ever. */
	int type = types[t % (sizeof(types) / sizeof(types[0]))] | SOCK_NONBLOCK_FLAG |
		   ((t & 0x80) ? O_CLOEXEC : 0) | ((t & 0x70) == 0x70 ? 0x100 : 0);
	int proto = (pr & 0x80) ? protos[pr % (sizeof(protos) / sizeof(protos[0]))] : 0;
	long r = sys(c, SYS_socket, family, type, proto, 0, 0, 0);

	if (r >= 0)
		add_fd(c->s, r, PROG_SOCKET);
	return r;
}

static long c_socketpair(struct call *c)
{
	static const int types[] = { 1, 2, 5, 3, 0, 4 };
	uint8_t sel = u8(c), t = u8(c);
	int family = (sel & 0x0f) == 0x0f ? PROG_AF_INET : PROG_AF_UNIX;
	int type = types[t % (sizeof(types) / sizeof(types[0]))] | SOCK_NONBLOCK_FLAG;
	uintptr_t where = sel < 0xe0 ? (uintptr_t)(plat(c)->scratch + SCR_OUT) : pick_buf(c, 8, true);
	long r = sys(c, SYS_socketpair, family, type, (t & 0x80) ? 6 : 0, (long)where, 0, 0);

	if (r == 0)
		add_pair(c, where, PROG_SOCKET, PROG_SOCKET);
	return r;
}

static long c_bind(struct call *c)
{
	int fd = sock_fd(c);
	long len;
	uintptr_t a = put_addr(c, NULL, &len);

	return sys(c, SYS_bind, fd, (long)a, len, 0, 0, 0);
}

static long c_connect(struct call *c)
{
	int fd = sock_fd(c);
	long len;
	uintptr_t a = put_addr(c, NULL, &len);

	return sys(c, SYS_connect, fd, (long)a, len, 0, 0, 0);
}

static long c_listen(struct call *c)
{
	static const long backlogs[] = { 4, 1, 0, 16, 128, -1, INT_MAX, 4096 };
	int fd = sock_fd(c);

	return sys(c, SYS_listen, fd, backlogs[u8(c) % 8], 0, 0, 0, 0);
}

static long c_accept4(struct call *c)
{
	int fd = sock_fd(c);
	uint8_t sel = u8(c);
	/* Non-blocking always (the new socket too); a bad flag now and then. */
	long flags = SOCK_NONBLOCK_FLAG | ((sel & 1) ? O_CLOEXEC : 0) | ((sel & 0x0e) == 0x0e ? 1 : 0);
	uintptr_t ulen = 0, a = 0;
	int32_t room = 0;

	if (sel & 0x80)
		a = addr_out(c, &ulen, &room);
	long r = sys(c, SYS_accept4, fd, (long)a, (long)ulen, flags, 0, 0);

	if (r >= 0) {
		add_fd(c->s, r, PROG_SOCKET);
		if (ulen == (uintptr_t)(plat(c)->scratch + SCR_ADDR_OUT + ADDR_OUT_ROOM + 8))
			addr_out_check(c, SYS_accept4, a, room);
	}
	return r;
}

/*
 * A listener and a connection to it in one record, so that programs have
 * connected sockets often: socket, bind and listen on one of put_addr's
 * addresses (or on port 0, the port then read with getsockname), a
 * second socket's connect to it, then an accept (which may find nothing
 * yet: a later accept4 takes it). TCP over IPv4 or IPv6, a unix stream or
 * seqpacket; or a UDP pair, where the second socket sends the first a
 * datagram instead (for recvfrom, recvmmsg and dgram_recv to take).
 * Every descriptor made goes to the pool.
 */
static long c_connect_pair(struct call *c)
{
	static const int families[] = { PROG_AF_INET, PROG_AF_INET6, PROG_AF_UNIX };
	uint8_t sel = u8(c), *a = plat(c)->scratch + SCR_ADDR;
	int family = families[sel % 3];
	bool inet = family != PROG_AF_UNIX, udp = inet && (sel & 0x40);
	int type = (udp ? 2 : (sel & 0x40) ? 5 /* SEQPACKET */ : 1) | SOCK_NONBLOCK_FLAG;
	int32_t *alen = (int32_t *)(plat(c)->scratch + SCR_OUT + 64);
	long len, lst, cli, r;

	lst = sys(c, SYS_socket, family, type, 0, 0, 0, 0);
	if (lst < 0)
		return lst;
	add_fd(c->s, lst, PROG_SOCKET);
	put_addr(c, a, &len); /* any family: mostly one that does not match */
	if (inet) { /* make it match: loopback, a port of the set or 0 */
		memset(a, 0, 28);
		a[0] = (uint8_t)family;
		if (!(sel & 0x20))
			memcpy(a + 2, (sel & 0x80) ? "\x79\x7a" : "\x79\x7b", 2);
		if (family == PROG_AF_INET) {
			memcpy(a + 4, "\x7f\0\0\x01", 4);
			len = 16;
		} else {
			a[23] = 1;
			len = 28;
		}
	} else if (a[0] != PROG_AF_UNIX || len <= 2) {
		a[0] = PROG_AF_UNIX;
		a[1] = 0;
		strcpy((char *)a + 2, (sel & 0x80) ? "/tmp/s2" : "/tmp/s3");
		len = 10;
	}
	if ((r = sys(c, SYS_bind, lst, (long)a, len, 0, 0, 0)) < 0)
		return r;
	*alen = (int32_t)len;
	if (inet && (sel & 0x20) && (r = sys(c, SYS_getsockname, lst, (long)a, (long)alen, 0, 0, 0)) < 0)
		return r;
	if (!udp && (r = sys(c, SYS_listen, lst, 4, 0, 0, 0, 0)) < 0)
		return r;
	cli = sys(c, SYS_socket, family, type, 0, 0, 0, 0);
	if (cli < 0)
		return cli;
	add_fd(c->s, cli, PROG_SOCKET);
	r = sys(c, SYS_connect, cli, (long)a, len, 0, 0, 0);
	if (udp)
		return r < 0 ? r : sys(c, SYS_sendto, cli, (long)(plat(c)->scratch + SCR_DATA),
				       1 + u8(c) % 64, MSG_DONTWAIT_FLAG, 0, 0);
	if (r < 0 && r != -EINPROGRESS && r != -EAGAIN)
		return r;
	r = sys(c, SYS_accept4, lst, 0, 0, SOCK_NONBLOCK_FLAG, 0, 0);
	if (r >= 0)
		add_fd(c->s, r, PROG_SOCKET);
	return r;
}

/* Flags of a send or a receive: odd ones, and MSG_DONTWAIT mostly. */
static long msg_flags(struct call *c)
{
	static const long odd[] = { 0, 0, 0, 1 /* OOB */, 2 /* PEEK */, 0x20 /* TRUNC */,
				    0x100 /* WAITALL */, 0x4000 /* NOSIGNAL */, 0x8000 /* MORE */,
				    0x800 /* CONFIRM */, 0x2000 /* ERRQUEUE */, 0x10000 /* WAITFORONE */,
				    0x40000000 /* CMSG_CLOEXEC */, 0x80 /* EOR */, -1, 0x4 };
	uint8_t sel = u8(c);

	/* The socket is non-blocking anyway: MSG_DONTWAIT is not what keeps it from waiting. */
	return odd[sel % 16] | ((sel & 0x10) ? 0 : MSG_DONTWAIT_FLAG) | ((sel & 0x20) ? 0x4000 : 0);
}

static long c_sendrecv(struct call *c)
{
	uint8_t sel = u8(c);
	int fd = sock_fd(c);
	size_t len = (sel & 0x40) ? pick_len(c) : (size_t)(u8(c) % 3 == 0 ? 1 : u8(c) * 7);
	bool send = sel & 1;
	uintptr_t buf = pick_buf(c, len, !send);
	long flags = msg_flags(c), r, alen = 0;
	uintptr_t a = 0, ulen = 0;
	int32_t room = 0;

	if (send) {
		if (sel & 2)
			a = put_addr(c, NULL, &alen);
		r = sys(c, SYS_sendto, fd, (long)buf, (long)len, flags, (long)a, alen);
	} else {
		if (sel & 2)
			a = addr_out(c, &ulen, &room);
		r = sys(c, SYS_recvfrom, fd, (long)buf, (long)len, flags, (long)a, (long)ulen);
		if (r >= 0 && ulen == (uintptr_t)(plat(c)->scratch + SCR_ADDR_OUT + ADDR_OUT_ROOM + 8))
			addr_out_check(c, SYS_recvfrom, a, room);
	}
	/* A receive of 0 bytes (end of file, an empty datagram) wrote nothing. */
	if (r > 0 && (size_t)r > len && !(flags & 0x20))
		fail(c->s, "call %ld: moved %ld bytes, more than asked", send ? SYS_sendto : SYS_recvfrom, r);
	return r;
}

/*
 * sendmsg, recvmsg, sendmmsg, recvmmsg: up to 3 headers (struct mmsghdr,
 * 64 bytes) at SCR_ARRAYS, up to 4 iovecs each after them, names after
 * those; each buffer from pick_buf. A header with a buffer no call may
 * touch (length > 0) must not have been moved: the single calls must
 * fail, the multiple ones must stop before it.
 */
#define MSG_HDRS    3
#define MSG_IOVS    4
#define SCR_IOVS    (SCR_ARRAYS + 192)
#define SCR_NAMES   (SCR_ARRAYS + 192 + MSG_HDRS * MSG_IOVS * 16)

static long c_msg(struct call *c)
{
	static const unsigned long vlens[] = { 1, 2, 3, 0, 1, 1, 1025, 1ul << 32 };
	uint8_t sel = u8(c), *arr = plat(c)->scratch + SCR_ARRAYS;
	int fd = sock_fd(c);
	bool send = sel & 1, multi = sel & 2, bad[MSG_HDRS] = { false };
	unsigned long vlen = multi ? vlens[u8(c) % 8] : 1;
	long flags, r, nr;
	uintptr_t hdrs = (uintptr_t)arr;

	extend(c);
	memset(arr, 0, 192);
	for (unsigned m = 0; m < MSG_HDRS; m++) {
		uint64_t *h = (uint64_t *)(arr + 64 * m);
		uint8_t *iov = plat(c)->scratch + SCR_IOVS + m * MSG_IOVS * 16;
		uint8_t shape = u8(c);
		unsigned niov = shape % (MSG_IOVS + 1);
		bool saved = c->must_fail;

		c->must_fail = false;
		for (unsigned i = 0; i < niov; i++) {
			uint64_t l = (u8(c) & 0x80) ? pick_len(c) : u8(c) * 3u;
			uint64_t b = pick_buf(c, l, !send);

			memcpy(iov + 16 * i, &b, 8);
			memcpy(iov + 16 * i + 8, &l, 8);
		}
		bad[m] = c->must_fail;
		c->must_fail = saved;
		h[2] = (uint64_t)(uintptr_t)iov;                                     /* msg_iov */
		h[3] = (shape & 0x18) == 0x18 ? (shape & 0x20 ? 1025 : SIZE_MAX) : niov; /* msg_iovlen */
		if (shape & 0x40) {                                                  /* msg_name */
			uint8_t *name = plat(c)->scratch + SCR_NAMES + 128 * (m % 2);
			long len = ADDR_OUT_ROOM;

			if (send)
				put_addr(c, name, &len);
			h[0] = (uint64_t)(uintptr_t)name;
			h[1] = (uint32_t)len; /* msg_namelen */
		}
		if ((shape & 0x81) == 0x81) { /* ancillary data: none is supported */
			h[4] = (uint64_t)(uintptr_t)(plat(c)->scratch + SCR_DATA);
			h[5] = (shape & 2) ? 24 : 1ul << 40;
		}
		h[6] = 0x5a5a5a5a; /* msg_flags in: ignored */
	}
	if ((sel & 0xe0) == 0xe0) { /* a header array no call may read */
		c->must_fail = (uint32_t)vlen > 0; /* the kernel takes vlen's low 32 bits */
		hdrs = pick_from(c, plat(c)->no_access, plat(c)->n_no_access);
	} else if ((sel & 0xe0) == 0xc0 && !send) { /* one it may read but not write */
		c->must_fail = (uint32_t)vlen > 0 && plat(c)->n_no_write > 0;
		hdrs = pick_from(c, plat(c)->no_write, plat(c)->n_no_write);
	}
	flags = msg_flags(c);
	if (!multi) {
		nr = send ? SYS_sendmsg : SYS_recvmsg;
		c->must_fail |= bad[0];
		r = sys(c, nr, fd, (long)hdrs, flags, 0, 0, 0);
		return r;
	}
	nr = send ? SYS_sendmmsg : SYS_recvmmsg;
	if (send)
		r = sys(c, nr, fd, (long)hdrs, (long)vlen, flags, 0, 0);
	else
		r = sys(c, nr, fd, (long)hdrs, (long)vlen, flags, (sel & 4) ? (long)short_timespec(c) : 0, 0);
	if (r > (long)vlen)
		fail(c->s, "call %ld: %ld messages, more than given", nr, r);
	if (c->must_fail)
		return r;
	for (long m = 0; m < r && m < MSG_HDRS; m++)
		if (bad[m])
			fail(c->s, "call %ld: message %ld moved with a buffer no call may touch", nr, m);
	/* Messages past the third are zeros from SCR_IOVS on: none can succeed but with 0 iovecs. */
	return r;
}

static long c_getname(struct call *c)
{
	uint8_t sel = u8(c);
	int fd = sock_fd(c);
	uintptr_t ulen, a;
	int32_t room;
	long nr = (sel & 1) ? SYS_getpeername : SYS_getsockname;

	a = addr_out(c, &ulen, &room);
	long r = sys(c, nr, fd, (long)a, (long)ulen, 0, 0, 0);

	if (r == 0 && ulen == (uintptr_t)(plat(c)->scratch + SCR_ADDR_OUT + ADDR_OUT_ROOM + 8))
		addr_out_check(c, nr, a, room);
	return r;
}

static long c_shutdown(struct call *c)
{
	static const long hows[] = { 0, 1, 2, 2, 3, -1, 1000 };
	int fd = sock_fd(c);

	return sys(c, SYS_shutdown, fd, hows[u8(c) % 7], 0, 0, 0, 0);
}

/* get/setsockopt: levels and names Carapace knows, and any other. */
static long c_sockopt(struct call *c)
{
	static const int levels[] = { 1 /* SOL_SOCKET */, 6 /* TCP */, 0 /* IP */, 41 /* IPV6 */,
				      17 /* UDP */, 1, 1, 6, 255, -1, 0x7fffffff, 263 };
	static const int names[] = { 2 /* REUSEADDR */, 3 /* TYPE */, 4 /* ERROR */, 7 /* SNDBUF */,
				     8 /* RCVBUF */, 9 /* KEEPALIVE */, 13 /* LINGER */, 20 /* RCVTIMEO */,
				     21 /* SNDTIMEO */, 15 /* REUSEPORT */, 6 /* BROADCAST */,
				     30 /* ACCEPTCONN */, 38 /* PROTOCOL */, 39 /* DOMAIN */,
				     1 /* TCP_NODELAY, SO_DEBUG */, 0, -1, 10 /* OOBINLINE */,
				     26 /* IPV6_V6ONLY */, 5 /* TCP_KEEPINTVL... */ };
	static const int32_t lens[] = { 4, 4, 8, 16, 0, 1, 3, 64, 65, 1 << 20, -1, 2 };
	uint8_t sel = u8(c), *val = plat(c)->scratch + SCR_DATA;
	int fd = sock_fd(c);
	int level = levels[u8(c) % (sizeof(levels) / sizeof(levels[0]))];
	int name = (sel & 0x80) ? (int)u8(c) : names[u8(c) % (sizeof(names) / sizeof(names[0]))];
	int32_t len = lens[u8(c) % (sizeof(lens) / sizeof(lens[0]))];
	uintptr_t v = (uintptr_t)val;

	if (sel & 1) { /* set: a value of random bytes (a timeval, a linger, an int) */
		for (int i = 0; i < 16; i++)
			val[i] = (sel & 2) ? u8(c) : (i == 0);
		if ((sel & 0x0c) == 0x0c)
			v = pick_buf(c, len > 0 ? (size_t)(len > 64 ? 64 : len) : 0, false);
		return sys(c, SYS_setsockopt, fd, level, name, (long)v, len, 0);
	}
	/* get: the room in a word at SCR_OUT + 64; the value at SCR_DATA, a canary past it */
	uint8_t *lenp = plat(c)->scratch + SCR_OUT + 64;
	uintptr_t ul = (uintptr_t)lenp;

	memset(val, CANARY, 128);
	memcpy(lenp, &len, sizeof(len));
	if ((sel & 0x0c) == 0x0c) {
		bool saved = c->must_fail;

		v = pick_buf(c, len > 0 ? (size_t)len : 0, true);
		c->must_fail = saved; /* checked below by what was written */
	} else if ((sel & 0x0c) == 0x08) {
		c->must_fail = true;
		ul = pick_from(c, plat(c)->no_access, plat(c)->n_no_access);
	}
	long r = sys(c, SYS_getsockopt, fd, level, name, (long)v, (long)ul, 0);

	if (r == 0 && ul == (uintptr_t)lenp) {
		int32_t got;

		memcpy(&got, lenp, sizeof(got));
		if (got < 0 || got > len)
			fail(c->s, "call %ld: an option of %ld bytes, more than its room", SYS_getsockopt, got);
		if (got > 0 && (size_t)got > room_at(c, v, true))
			fail(c->s, "call %ld: wrote an option value where no call may (%ld bytes)",
			     SYS_getsockopt, got);
		for (int i = len > 0 ? (len > 64 ? 64 : len) : 0; v == (uintptr_t)val && i < 128; i++)
			if (val[i] != CANARY)
				fail(c->s, "call %ld: wrote an option value past its room (%ld)", SYS_getsockopt, len);
	}
	return r;
}

static long c_epoll_create(struct call *c)
{
	uint8_t sel = u8(c);
	long r = (sel & 0x80) ? sys(c, SYS_epoll_create, (sel & 0x40) ? 1 : pick_int(c), 0, 0, 0, 0, 0)
			      : sys(c, SYS_epoll_create1, (sel & 1) ? O_CLOEXEC : (sel & 2) ? pick_int(c) : 0,
				    0, 0, 0, 0, 0);

	if (r >= 0)
		add_fd(c->s, r, PROG_EPOLL);
	return r;
}

static long c_epoll_ctl(struct call *c)
{
	static const long ops[] = { 1 /* ADD */, 1, 2 /* DEL */, 3 /* MOD */, 1, 0, 4, -1 };
	/* EPOLLIN, OUT, ERR, HUP, RDHUP, PRI, ET, ONESHOT, EXCLUSIVE, WAKEUP, any bit */
	static const uint32_t bits[] = { 0x1, 0x4, 0x8, 0x10, 0x2000, 0x2, 0x80000000u, 0x40000000,
					 0x10000000, 0x20000000, 0x800, 0xffffffffu };
	int ep = pick_fd(c, 1u << PROG_EPOLL);
	long op = ops[u8(c) % 8];
	int fd = pick_fd(c, ~0u);
	uint8_t *ev = plat(c)->scratch + SCR_OUT + 96, sel = u8(c);
	uint32_t events = 0;
	uintptr_t e = (uintptr_t)ev;

	for (int i = 0; i < 3; i++)
		events |= bits[u8(c) % (sizeof(bits) / sizeof(bits[0]))];
	memcpy(ev, &events, 4);
	memcpy(ev + 4, &fd, 4); /* data: the descriptor, twice */
	memcpy(ev + 8, &fd, 4);
	if (sel >= 0xe0) {
		e = 0;
	} else if (sel >= 0xc0) {
		c->must_fail = op == 1 || op == 3; /* ADD and MOD read it */
		e = pick_from(c, plat(c)->no_access, plat(c)->n_no_access);
	}
	return sys(c, SYS_epoll_ctl, ep, op, fd, (long)e, 0, 0);
}

static long c_epoll_wait(struct call *c, bool pwait)
{
	static const long maxes[] = { 8, 1, 2, 16, 0, -1, 1024, 0x7fffffff / 12 + 1 };
	int ep = pick_fd(c, 1u << PROG_EPOLL);
	long max = maxes[u8(c) % 8];
	size_t room = max > 0 && max <= 16 ? (size_t)max * 12 : 12;
	uintptr_t buf = pick_buf(c, room, true);
	long timeout = u8(c) % 3; /* milliseconds */
	long r;

	if (pwait) {
		uint64_t *mask = (uint64_t *)(plat(c)->scratch + SCR_OUT + 112);
		uint8_t sel = u8(c);

		*mask = ~0ull;
		r = sys(c, SYS_epoll_pwait, ep, (long)buf, max, timeout, (sel & 1) ? (long)mask : 0,
			(sel & 2) ? 8 : (sel & 4) ? 16 : 8);
	} else {
		r = sys(c, SYS_epoll_wait, ep, (long)buf, max, timeout, 0, 0);
	}
	if (r > 0 && r > max)
		fail(c->s, "call %ld: %ld events, more than the room", SYS_epoll_wait, r);
	if (r == 0) /* no event: nothing written (Linux checks the room the same way) */
		c->must_fail = false;
	return r;
}

static long c_epoll_wait1(struct call *c) { return c_epoll_wait(c, false); }
static long c_epoll_pwait(struct call *c) { return c_epoll_wait(c, true); }

/*
 * timerfd_create, timerfd_settime, timerfd_gettime (ids 61-63): every
 * clock Linux names (and bad ones), always TFD_NONBLOCK (a read of a timer
 * that never fires must not wait for ever); times of 0, 1 ms, 2 ms and 1 s
 * (no shorter period: in the guest a timer fires for real), relative or
 * absolute, and the bad ones (a negative second, 10^9 ns); the new value
 * from pick_buf now and then, the old one out or not.
 */
#define TFD_NONBLOCK_FLAG 04000
static long c_timerfd_create(struct call *c)
{
	static const long clocks[] = { 1 /* MONOTONIC */, 0 /* REALTIME */, 7 /* BOOTTIME */,
				       8 /* REALTIME_ALARM */, 9 /* BOOTTIME_ALARM */, 1, 2, -1, 1000 };
	uint8_t sel = u8(c);
	long flags = TFD_NONBLOCK_FLAG | ((sel & 0x10) ? O_CLOEXEC : 0) | ((sel & 0x60) == 0x60 ? 1 : 0);
	long r = sys(c, SYS_timerfd_create, clocks[sel % 9], flags, 0, 0, 0, 0);

	if (r >= 0)
		add_fd(c->s, r, PROG_TIMERFD);
	return r;
}

static long c_timerfd_settime(struct call *c)
{
	static const int64_t times[][2] = { { 0, 0 }, { 0, 1000000 }, { 0, 2000000 }, { 1, 0 },
					    { -1, 0 }, { 0, 1000000000 }, { 0, -1 },
					    { INT64_MAX, 999999999 } };
	static const long flags[] = { 0, 1 /* ABSTIME */, 2 /* CANCEL_ON_SET */, 3, 4, 0 };
	int fd = pick_fd(c, 1u << PROG_TIMERFD);
	uint8_t sel = u8(c), t = u8(c);
	int64_t *its = (int64_t *)(plat(c)->scratch + SCR_OUT + 16); /* interval, value */
	uintptr_t v = (uintptr_t)its, old = 0;

	memcpy(its, times[(t >> 3) % 8], 16);
	memcpy(its + 2, times[t % 8], 16);
	if ((sel & 0xc0) == 0xc0)
		v = pick_buf(c, 32, false);
	if (sel & 0x20)
		old = (sel & 0x10) ? pick_buf(c, 32, true) : (uintptr_t)(plat(c)->scratch + SCR_OUT + 48);
	return sys(c, SYS_timerfd_settime, fd, flags[sel % 6], (long)v, (long)old, 0, 0);
}

static long c_timerfd_gettime(struct call *c)
{
	int fd = pick_fd(c, 1u << PROG_TIMERFD);
	uint8_t sel = u8(c);
	uintptr_t cur = (sel & 1) ? pick_buf(c, 32, true) : (uintptr_t)(plat(c)->scratch + SCR_OUT + 48);

	return sys(c, SYS_timerfd_gettime, fd, (long)cur, 0, 0, 0, 0);
}

/*
 * An entry's buffer in a batch of the datagram or stream API (len bytes,
 * written by the kernel on a receive): the same one as entry i-1's, one
 * inside the array at arr itself (*in_array set), or pick_buf's; the
 * call's checks of it are per entry, so pick_buf's must_fail is undone.
 */
static uintptr_t entry_buf(struct call *c, uint8_t how, unsigned i, const uintptr_t *bufs,
			   uint8_t *arr, uint32_t len, bool recv, bool *in_array)
{
	bool saved = c->must_fail;
	uintptr_t b;

	if (how >= 0xf0 && i > 0)
		return bufs[i - 1];
	if (how >= 0xe8) {
		*in_array = true;
		return (uintptr_t)arr + (how & 7) * 8;
	}
	b = pick_buf(c, len > 0x10000 ? 0x10000 : len, recv);
	c->must_fail = saved;
	return b;
}

/* Where a batch's array goes (sel's low bits): arr, or now and then
 * memory no call may touch, or write (written: a receive's or the
 * results), or NULL; those must fail. */
static uintptr_t array_at(struct call *c, uint8_t sel, uint8_t *arr, bool written)
{
	if ((sel & 0x0f) == 0x0f) {
		c->must_fail = true;
		return pick_from(c, plat(c)->no_access, plat(c)->n_no_access);
	}
	if ((sel & 0x0f) == 0x0e && written && plat(c)->n_no_write) {
		c->must_fail = true;
		return pick_from(c, plat(c)->no_write, plat(c)->n_no_write);
	}
	if ((sel & 0x0f) == 0x0d) {
		c->must_fail = true;
		return 0;
	}
	return (uintptr_t)arr;
}

/*
 * carapace_dgram_recv/send (500, 501) called raw: n entries (struct
 * carapace_dgram, 48 bytes) at SCR_ARRAYS, or an array no call may
 * touch; n of 0 or past 16 must fail; buffers from pick_buf, the same
 * one twice, one inside the array itself. After the call, each datagram
 * counted must have moved its bytes only where the program may.
 */
static long c_dgram(struct call *c, bool send)
{
	static const long counts[] = { 1, 2, 3, 4, 8, 16, 1, 2, 0, 17, 1000, -1 };
	static const uint32_t lens[] = { 64, 16, 1, 0, 512, 1472, 65507, 65508, 4096, 0xffffffffu };
	uint8_t *arr = plat(c)->scratch + SCR_ARRAYS, sel = u8(c);
	int fd = sock_fd(c);
	long n = counts[u8(c) % (sizeof(counts) / sizeof(counts[0]))];
	unsigned k = n > 0 ? (unsigned)(n < DGRAM_BATCH ? n : DGRAM_BATCH) : 0;
	uintptr_t bufs[DGRAM_BATCH], ud;
	uint32_t rooms[DGRAM_BATCH];
	bool in_array = false;
	long flags = 0, r;

	extend(c);
	memset(arr, 0, DGRAM_SIZE * DGRAM_BATCH);
	for (unsigned i = 0; i < k; i++) {
		uint8_t *d = arr + DGRAM_SIZE * i, how = u8(c);
		uint32_t len = lens[how % (sizeof(lens) / sizeof(lens[0]))];

		bufs[i] = entry_buf(c, how, i, bufs, arr, len, !send, &in_array);
		rooms[i] = len;
		memcpy(d, &bufs[i], 8);
		memcpy(d + 8, &len, 4);
		if ((how & 0x60) == 0x60)
			memset(d + 12, 0xff, 4); /* flags in: must be refused or ignored */
		if (send) {
			long alen = 0;

			put_addr(c, d + 20, &alen);
			if (alen > 28 || alen < 0 || (how & 0x0c) == 0x0c)
				alen = (how & 0x10) ? 29 : alen < 0 || alen > 28 ? 16 : 0;
			if (i == 0 && alen > 28)
				c->must_fail = true; /* the first datagram's address is too long */
			memcpy(d + 16, &alen, 4);
		}
	}
	ud = array_at(c, sel, arr, !send);
	if (sel & 0x10)
		flags = send ? MSG_DONTWAIT_FLAG : (sel & 0x20) ? 0x2 : MSG_DONTWAIT_FLAG;
	if (n <= 0 || n > DGRAM_BATCH || (send && flags) || (!send && (flags & ~MSG_DONTWAIT_FLAG)))
		c->must_fail = true; /* out of the API's range: EINVAL */
	/* Flags 0 on a receive: the socket is non-blocking, so it does not wait either. */
	r = sys(c, send ? DGRAM_SEND : DGRAM_RECV, fd, (long)ud, n, flags, 0, 0);
	if (r > (long)k)
		fail(c->s, "call %ld: %ld datagrams, more than given", send ? DGRAM_SEND : DGRAM_RECV, r);
	for (long i = 0; i < r && ud == (uintptr_t)arr; i++) {
		const uint8_t *d = arr + DGRAM_SIZE * i;
		uint32_t len, dflags, alen;
		uintptr_t buf;

		memcpy(&buf, d, 8);
		memcpy(&len, d + 8, 4);
		memcpy(&dflags, d + 12, 4);
		memcpy(&alen, d + 16, 4);
		if (send) {
			if (rooms[i] > room_at(c, bufs[i], false))
				fail(c->s, "call %ld: sent datagram %ld from memory no call may read",
				     DGRAM_SEND, i);
			continue;
		}
		size_t moved = len < rooms[i] ? len : rooms[i];

		if (moved > room_at(c, bufs[i], true))
			fail(c->s, "call %ld: received datagram %ld into memory no call may write",
			     DGRAM_RECV, i);
		if (!in_array && (buf != bufs[i] || dflags & ~0x20u || alen > 28))
			fail(c->s, "call %ld: datagram %ld came back with a changed buffer, odd flags "
			     "or a long address", DGRAM_RECV, i);
	}
	return r;
}

static long c_dgram_recv(struct call *c) { return c_dgram(c, false); }
static long c_dgram_send(struct call *c) { return c_dgram(c, true); }

#define STREAM_SIZE  24 /* struct carapace_stream: buf, len, fd, result */
#define STREAM_BATCH 32
#define STREAM_RECV  502
#define STREAM_SEND  503

/*
 * carapace_stream_recv/send (502, 503) called raw: n entries at
 * SCR_ARRAYS (or an array no call may touch or write, or NULL); n of 0
 * or past 32, or a third argument, must fail. Each entry names a
 * descriptor of the pool (a socket mostly: TCP, unix, UDP, listeners)
 * and a buffer from pick_buf, the same one as the entry before, or one
 * inside the array itself. After the call: the count is n; each entry's
 * result is -errno or a count no larger than its length, and a count
 * (0 too: the buffer was checked first) on memory no call may use is a
 * failure; the kernel wrote nothing but the results.
 */
static long c_stream(struct call *c, bool send)
{
	static const long counts[] = { 1, 2, 3, 4, 8, 32, 1, 2, 0, 33, 1000, -1 };
	static const uint32_t lens[] = { 64, 16, 1, 0, 512, 4096, 1u << 16, 1u << 20,
					 0x7fffffffu, 0xffffffffu };
	uint8_t *arr = plat(c)->scratch + SCR_ARRAYS, sel = u8(c);
	long n = counts[u8(c) % (sizeof(counts) / sizeof(counts[0]))];
	unsigned k = n > 0 ? (unsigned)(n < STREAM_BATCH ? n : STREAM_BATCH) : 0;
	uintptr_t bufs[STREAM_BATCH], ua;
	uint32_t lens_in[STREAM_BATCH];
	int32_t fds[STREAM_BATCH];
	bool in_array = false;
	long third = (sel & 0x30) == 0x30 ? 1 : 0, r;

	extend(c);
	memset(arr, 0, STREAM_SIZE * STREAM_BATCH);
	for (unsigned i = 0; i < k; i++) {
		uint8_t *e = arr + STREAM_SIZE * i, how = u8(c);
		uint32_t len = lens[how % (sizeof(lens) / sizeof(lens[0]))];
		int64_t junk = -0x5a5a5a5a; /* the result in: overwritten */

		fds[i] = sock_fd(c);
		bufs[i] = entry_buf(c, how, i, bufs, arr, len, !send, &in_array);
		lens_in[i] = len;
		memcpy(e, &bufs[i], 8);
		memcpy(e + 8, &len, 4);
		memcpy(e + 12, &fds[i], 4);
		memcpy(e + 16, &junk, 8);
	}
	ua = array_at(c, sel, arr, true); /* the results are written back */
	if (n <= 0 || n > STREAM_BATCH || third)
		c->must_fail = true; /* out of the API's range: EINVAL */
	r = sys(c, send ? STREAM_SEND : STREAM_RECV, (long)ua, n, third, 0, 0, 0);
	if (r >= 0 && r != n)
		fail(c->s, "call %ld: answered %ld for the entries given", send ? STREAM_SEND : STREAM_RECV,
		     r);
	for (long i = 0; r > 0 && i < r && i < (long)k && ua == (uintptr_t)arr && !in_array; i++) {
		const uint8_t *e = arr + STREAM_SIZE * i;
		uintptr_t buf;
		uint32_t len;
		int32_t fd;
		int64_t res;

		memcpy(&buf, e, 8);
		memcpy(&len, e + 8, 4);
		memcpy(&fd, e + 12, 4);
		memcpy(&res, e + 16, 8);
		if (buf != bufs[i] || len != lens_in[i] || fd != fds[i])
			fail(c->s, "call %ld: entry %ld came back changed", send ? STREAM_SEND : STREAM_RECV, i);
		if (res < -4095 || res > (int64_t)len)
			fail(c->s, "call %ld: a result of %ld, neither -errno nor a count of the length",
			     send ? STREAM_SEND : STREAM_RECV, (long)res);
		if (res >= 0 && len > 0 && len > room_at(c, buf, !send))
			fail(c->s, "call %ld: entry %ld succeeded on memory no call may touch",
			     send ? STREAM_SEND : STREAM_RECV, i);
	}
	return r;
}

static long c_stream_recv(struct call *c) { return c_stream(c, false); }
static long c_stream_send(struct call *c) { return c_stream(c, true); }

/*
 * Three more calls (session 23), each a family of system calls chosen by
 * its second byte. The table's 64 ids are all taken, so they take over
 * three first bytes of ids that have a second row (read 34, write 35,
 * futex 39) with their top bits set: 226, 227 and 231, which no kept
 * reproducer (tests/fuzz_guest, fuzz/crashes) used then. Their arguments past
 * the record come from extend(). Signals are only ever ones whose action
 * does nothing (SIGPIPE, SIGALRM, SIGVTALRM and SIGPROF are ignored from
 * prog_init on; CHLD, URG and WINCH do nothing by default) and actions
 * only SIG_IGN or SIG_DFL, so that no call ends the program; prog_reset
 * puts back what these calls change of the process.
 */
#define MORE_SIGNAL   226
#define MORE_FILEMETA 227
#define MORE_SCHED    231
/* Session 25's: 99 (write's second row) and 103 (futex's), unused by every kept reproducer. */
#define MORE_TRANSFER 99
#define MORE_PTIMER   103
#define SIG_IGN_VALUE 1
#define SIGSET_SIZE   8
static const int quiet_signals[] = { 13 /* PIPE */, 14 /* ALRM */, 26 /* VTALRM */, 27 /* PROF */,
				     17 /* CHLD */, 23 /* URG */, 28 /* WINCH */ };
#define N_IGNORED     4 /* the first four: ignored by prog_init */

static long sigset_size(struct call *c)
{
	return (u8(c) & 7) ? SIGSET_SIZE : pick_int(c);
}

/* A signal set: bits from the record in the scratch, or a pointer from pick_buf. */
static uintptr_t sigset_at(struct call *c)
{
	uint8_t sel = u8(c);
	uint64_t *set = (uint64_t *)(plat(c)->scratch + SCR_ARRAYS);

	if (sel >= 0xe0)
		return pick_buf(c, SIGSET_SIZE, false);
	if (sel < 0x40)
		*set = ~0ull;
	else
		*set = (uint64_t)u16(c) << (u8(c) % 48) | 1ull << (quiet_signals[sel % 7] - 1);
	return (uintptr_t)set;
}

/* A signal number: a quiet one mostly, else 0 or one no call may name. */
static long quiet_signal(struct call *c)
{
	static const long bad[] = { 0, 65, -1, 1000 };
	uint8_t sel = u8(c);

	if (sel < 0xc0)
		return quiet_signals[sel % 7];
	return bad[sel % 4];
}

/*
 * A pid or tid: the program's own (as the kernel names it), a neighbour
 * of it (another thread: the kernel's own, in Carapace), 0, or one that
 * is no one's.
 */
static long some_id(struct call *c, long nr_self)
{
	static const long others[] = { 0, -1, 12345, INT_MIN, INT_MAX, 1 };
	uint8_t sel = u8(c);
	long self = sys(c, nr_self, 0, 0, 0, 0, 0, 0);

	if (sel < 0x80)
		return self;
	if (sel < 0xb0)
		return self + (long)(sel % 7) - 3;
	return others[sel % 6];
}

static long c_signal(struct call *c)
{
	uint8_t sel = u8(c), *a = plat(c)->scratch + SCR_ARRAYS;
	uintptr_t set, out;
	bool saved;
	long sig;

	extend(c);
	switch (sel % 8) {
	case 0: /* block, unblock or set the mask (or a bad how); the old one out */
		sig = u8(c) % 5; /* the how */
		set = (u8(c) & 0x0f) ? sigset_at(c) : 0;
		out = (u8(c) & 1) ? pick_buf(c, SIGSET_SIZE, true) : 0;
		return sys(c, SYS_rt_sigprocmask, sig == 4 ? -1 : sig, (long)set, (long)out,
			   sigset_size(c), 0, 0);
	case 1:
		out = pick_buf(c, SIGSET_SIZE, true);
		return sys(c, SYS_rt_sigpending, (long)out, sigset_size(c), 0, 0, 0, 0);
	case 2: /* wait 2 ms at most for one of a set; its siginfo out */
		set = sigset_at(c);
		saved = c->must_fail;
		out = (u8(c) & 3) ? pick_buf(c, 128, true) : 0;
		c->must_fail = saved; /* nothing is written when no signal comes */
		return sys(c, SYS_rt_sigtimedwait, (long)set, (long)out, (long)short_timespec(c),
			   sigset_size(c), 0, 0);
	case 3:
		sig = quiet_signal(c);
		return sys(c, SYS_kill, some_id(c, SYS_getpid), sig, 0, 0, 0, 0);
	case 4:
		sig = quiet_signal(c);
		return sys(c, SYS_tkill, some_id(c, SYS_gettid), sig, 0, 0, 0, 0);
	case 5:
		sig = quiet_signal(c);
		return sys(c, SYS_tgkill, some_id(c, SYS_getpid), some_id(c, SYS_gettid), sig, 0, 0, 0);
	case 6: { /* sigaction: SIG_IGN or SIG_DFL (SIGPIPE and the timers' signals: SIG_IGN) */
		int64_t act[4] = { 0, (int64_t)u16(c) << 16 | u8(c), 0, (int64_t)u16(c) << 3 };
		uintptr_t in = (uintptr_t)a;
		unsigned k = 0;

		sig = (u8(c) & 0x1f) == 0x1f ? 9 /* KILL: EINVAL */ : quiet_signal(c);
		while (k < 7 && quiet_signals[k] != sig)
			k++;
		act[0] = k < N_IGNORED || (u8(c) & 1) ? SIG_IGN_VALUE : 0;
		memcpy(a, act, sizeof(act));
		sel = u8(c);
		if (sel >= 0xf0) { /* an action no call may read; never one of random bytes */
			uintptr_t p = pick_buf(c, 32, false);

			in = c->must_fail ? p : in;
		} else if (sel >= 0xc0) {
			in = 0;
		}
		out = (sel & 1) ? pick_buf(c, 32, true) : 0;
		return sys(c, SYS_rt_sigaction, sig, (long)in, (long)out, sigset_size(c), 0, 0);
	}
	default: { /* an alternate stack that no handler uses, or the old one out */
		static const uint64_t sizes[] = { 0, 2048, 8192, 1 << 20, ~0ull };
		static const long flags[] = { 0, 1 /* SS_ONSTACK */, 2 /* SS_DISABLE */, 4, -1 };
		uint64_t ss[3] = { (uint64_t)pick_buf(c, 0, false), (uint64_t)flags[u8(c) % 5],
				   sizes[u8(c) % 5] };
		uintptr_t in = (u8(c) & 3) ? (uintptr_t)a : pick_buf(c, 24, false);

		memcpy(a, ss, sizeof(ss));
		out = (u8(c) & 1) ? pick_buf(c, 24, true) : 0;
		return sys(c, SYS_sigaltstack, (long)in, (long)out, 0, 0, 0, 0);
	}
	}
}

/* A directory descriptor for the *at calls: the working directory, one of the pool, or any. */
static int at_fd(struct call *c)
{
	uint8_t sel = u8(c);

	if (sel < 0x60)
		return -100; /* AT_FDCWD */
	return pick_fd(c, sel < 0xc0 ? 1u << PROG_DIR : ~0u);
}

static long at_flags(struct call *c)
{
	static const long flags[] = { 0, 0x100 /* SYMLINK_NOFOLLOW */, 0x1000 /* EMPTY_PATH */,
				      0x400 /* SYMLINK_FOLLOW */, 0x200 /* REMOVEDIR */, 0, 1, -1 };

	return flags[u8(c) % 8];
}

static long c_filemeta(struct call *c)
{
	static const long nss[] = { 0, 999999999, (1l << 30) - 1 /* UTIME_NOW */,
				    (1l << 30) - 2 /* UTIME_OMIT */, 1000000000, -1 };
	static const long ids[] = { -1, 0, 65534, 1000, INT_MAX };
	uint8_t sel = u8(c), how;
	int64_t *t = (int64_t *)(plat(c)->scratch + SCR_ARRAYS);
	uintptr_t path = 0, times;
	long mode, nr, fd = -1;

	extend(c);
	switch (sel % 10) {
	case 0: /* utimensat, futimens (a NULL path) */
		fd = at_fd(c);
		path = (u8(c) & 3) ? pick_path(c, SCR_PATH_A) : 0;
		for (int i = 0; i < 2; i++) {
			t[2 * i] = (u8(c) & 1) ? pick_int(c) : 1700000000;
			t[2 * i + 1] = nss[u8(c) % 6];
		}
		how = u8(c);
		times = how < 0x40 ? 0 : how < 0xf0 ? (uintptr_t)t : pick_buf(c, 32, false);
		return sys(c, SYS_utimensat, fd, (long)path, (long)times, at_flags(c), 0, 0);
	case 1:
		fd = at_fd(c);
		path = pick_path(c, SCR_PATH_A);
		return sys(c, SYS_fchmodat, fd, (long)path, (long)u16(c), 0, 0, 0);
	case 2:
		fd = at_fd(c);
		path = pick_path(c, SCR_PATH_A);
		return sys(c, SYS_fchownat, fd, (long)path, ids[u8(c) % 5], ids[u8(c) % 5], at_flags(c), 0);
	case 3: /* chmod, fchmod, chown, fchown, lchown */
		how = u8(c) % 5;
		mode = u16(c);
		if (how == 1 || how == 3)
			fd = pick_fd(c, ~0u);
		else
			path = pick_path(c, SCR_PATH_A);
		nr = how == 0 ? SYS_chmod : how == 1 ? SYS_fchmod : how == 2 ? SYS_chown
			     : how == 3 ? SYS_fchown : SYS_lchown;
		if (how < 2)
			return sys(c, nr, how ? fd : (long)path, mode, 0, 0, 0, 0);
		return sys(c, nr, how == 3 ? fd : (long)path, ids[mode % 5], ids[(mode >> 8) % 5], 0, 0, 0);
	case 4:
		path = pick_path(c, SCR_PATH_A);
		return sys(c, SYS_truncate, (long)path, (u8(c) & 1) ? pick_int(c) : (long)(u16(c) * 61),
			   0, 0, 0, 0);
	case 5: { /* link, symlink, linkat, symlinkat: links and loops of links among the paths */
		int from_fd = at_fd(c), to_fd = at_fd(c);
		uintptr_t from = pick_path(c, SCR_PATH_A), to = pick_path(c, SCR_PATH_B);

		switch (u8(c) % 4) {
		case 0:
			return sys(c, SYS_link, (long)from, (long)to, 0, 0, 0, 0);
		case 1:
			return sys(c, SYS_symlink, (long)from, (long)to, 0, 0, 0, 0);
		case 2:
			return sys(c, SYS_linkat, from_fd, (long)from, to_fd, (long)to, at_flags(c), 0);
		default:
			return sys(c, SYS_symlinkat, (long)from, to_fd, (long)to, 0, 0, 0);
		}
	}
	case 6: { /* mkdirat, unlinkat, renameat */
		int fd2 = at_fd(c);

		fd = at_fd(c);
		path = pick_path(c, SCR_PATH_A);
		how = u8(c) % 3;
		if (how == 0)
			return sys(c, SYS_mkdirat, fd, (long)path, 0755, 0, 0, 0);
		if (how == 1)
			return sys(c, SYS_unlinkat, fd, (long)path, at_flags(c), 0, 0, 0);
		return sys(c, SYS_renameat, fd, (long)path, fd2, (long)pick_path(c, SCR_PATH_B), 0, 0);
	}
	case 7: /* fsync, fdatasync, syncfs */
		how = u8(c) % 3;
		nr = how == 0 ? SYS_fsync : how == 1 ? SYS_fdatasync : SYS_syncfs;
		return sys(c, nr, pick_fd(c, ~0u), 0, 0, 0, 0, 0);
	case 8: /* fallocate, fadvise64, flock (never a lock that waits) */
		fd = pick_fd(c, 1u << PROG_FILE);
		how = u8(c) % 3;
		if (how == 0)
			return sys(c, SYS_fallocate, fd, u8(c) & 0x7f,
				   (u8(c) & 1) ? pick_int(c) : (long)u16(c), (u8(c) & 1) ? pick_int(c) : (long)u16(c),
				   0, 0);
		if (how == 1)
			return sys(c, SYS_fadvise64, fd, pick_int(c), pick_int(c), u8(c) % 8, 0, 0);
		return sys(c, SYS_flock, fd, (u8(c) % 9) | 4 /* LOCK_NB */, 0, 0, 0, 0);
	default: { /* preadv, pwritev: up to 4 iovecs, an offset */
		bool writes = u8(c) & 1;
		uint64_t *iov = (uint64_t *)(plat(c)->scratch + SCR_ARRAYS);
		unsigned n = u8(c) % 6;
		bool saved = c->must_fail;

		fd = pick_fd(c, ~0u);
		for (unsigned i = 0; i < n && i < 4; i++) {
			iov[2 * i + 1] = pick_len(c) & 0xffff;
			iov[2 * i] = pick_buf(c, iov[2 * i + 1], !writes);
		}
		c->must_fail = saved; /* an iovec may be skipped at end of file */
		long off = (u8(c) & 1) ? pick_int(c) : (long)u16(c);

		return sys(c, writes ? SYS_pwritev : SYS_preadv, fd, (long)iov, n == 5 ? -1 : (long)n, off,
			   0, 0);
	}
	}
}

static long c_sched(struct call *c)
{
	static const long lens[] = { 8, 128, 0, 7, 4096, 1, 16, INT_MAX };
	static const long policies[] = { 0 /* OTHER */, 3 /* BATCH */, 5 /* IDLE */, 1 /* FIFO */,
					 2 /* RR */, 6 /* DEADLINE */, -1, 0x40000000 };
	uint8_t sel = u8(c), how;
	int64_t *a = (int64_t *)(plat(c)->scratch + SCR_ARRAYS);
	uintptr_t buf;
	long len, r;

	extend(c);
	switch (sel % 10) {
	case 0: /* sched_get/setaffinity: the program may move to another CPU */
		len = lens[u8(c) % 8];
		how = u8(c);
		if (how & 1) {
			a[0] = how >> 1; /* CPUs 0-6, or none: EINVAL */
			buf = (u8(c) & 7) ? (uintptr_t)a : pick_buf(c, len > 4096 ? 4096 : (size_t)len, false);
			c->must_fail = false; /* Linux reads only the bytes of its own mask size */
			return sys(c, SYS_sched_setaffinity, some_id(c, SYS_gettid), len, (long)buf, 0, 0, 0);
		}
		buf = pick_buf(c, len > 4096 ? 4096 : (size_t)len, true);
		c->must_fail = false; /* as above: a room larger than the mask is not all written */
		r = sys(c, SYS_sched_getaffinity, some_id(c, SYS_gettid), len, (long)buf, 0, 0, 0);
		if (r > len)
			fail(c->s, "call %ld: wrote %ld bytes of CPU mask, more than asked", SYS_sched_getaffinity, r);
		return r;
	case 1: /* sched_setparam, sched_getparam, sched_setscheduler, sched_getscheduler */
		how = u8(c) % 4;
		if (how == 3)
			return sys(c, SYS_sched_getscheduler, some_id(c, SYS_gettid), 0, 0, 0, 0, 0);
		a[0] = (u8(c) & 1) ? pick_int(c) : 0;
		buf = (u8(c) & 7) ? (uintptr_t)a : pick_buf(c, 4, how == 1);
		if (how == 0)
			return sys(c, SYS_sched_setparam, some_id(c, SYS_gettid), (long)buf, 0, 0, 0, 0);
		if (how == 1)
			return sys(c, SYS_sched_getparam, some_id(c, SYS_gettid), (long)buf, 0, 0, 0, 0);
		return sys(c, SYS_sched_setscheduler, some_id(c, SYS_gettid), policies[u8(c) % 8],
			   (long)buf, 0, 0, 0);
	case 2:
		return sys(c, (u8(c) & 1) ? SYS_sched_get_priority_max : SYS_sched_get_priority_min,
			   policies[u8(c) % 8], 0, 0, 0, 0, 0);
	case 3: /* getpriority, setpriority: nice values and bad ones */
		how = u8(c);
		if (how & 1)
			return sys(c, SYS_getpriority, how % 5 - 1, some_id(c, SYS_getpid), 0, 0, 0, 0);
		return sys(c, SYS_setpriority, how % 5 - 1, some_id(c, SYS_getpid),
			   (u8(c) & 0x80) ? pick_int(c) : (long)(u8(c) % 41) - 20, 0, 0, 0);
	case 4: { /* getrlimit, prlimit64 setting a limit to what it is (or a bad one) */
		long res = (u8(c) & 0x80) ? pick_int(c) : u8(c) % 17;
		uintptr_t in = 0;

		buf = pick_buf(c, 16, true);
		if (u8(c) & 1)
			return sys(c, SYS_getrlimit, res, (long)buf, 0, 0, 0, 0);
		how = u8(c);
		if (how & 1 && sys(c, SYS_getrlimit, res, (long)a, 0, 0, 0, 0) == 0) {
			in = (uintptr_t)a; /* the limit as it is, or soft above hard: EINVAL */
			if ((how & 2) && a[1] != -1)
				a[0] = a[1] + 1;
		} else if (how & 2) { /* a limit no call may read; never one of random bytes */
			uintptr_t p = pick_buf(c, 16, false);

			in = c->must_fail ? p : 0;
		}
		return sys(c, SYS_prlimit64, (how & 4) ? some_id(c, SYS_getpid) : 0, res, (long)in,
			   (long)buf, 0, 0);
	}
	case 5: { /* getitimer, setitimer, alarm: values of 1 ms or more (their signals ignored) */
		static const int64_t vals[][2] = { { 0, 0 }, { 0, 1000 }, { 0, 2000 }, { 1, 0 },
						   { -1, 0 }, { 0, 1000000 }, { 0, -1 }, { 0, 999999 } };
		long which = (u8(c) & 0x80) ? pick_int(c) : u8(c) % 3;
		uint8_t t = u8(c);

		how = u8(c);
		memcpy(a, vals[t % 8], 16);
		memcpy(a + 2, vals[(t >> 3) % 8], 16);
		if (how % 4 == 0)
			return sys(c, SYS_alarm, (u8(c) & 1) ? 1 : 0, 0, 0, 0, 0, 0);
		if (how % 4 == 1)
			return sys(c, SYS_getitimer, which, (long)pick_buf(c, 32, true), 0, 0, 0, 0);
		uintptr_t in = (uintptr_t)a, p = pick_buf(c, 32, false);

		if (!(how & 0x10) && c->must_fail) /* a value no call may read; never random bytes */
			in = p;
		c->must_fail = in == p;
		buf = (how & 0x20) ? pick_buf(c, 32, true) : 0;
		return sys(c, SYS_setitimer, which, (long)in, (long)buf, 0, 0, 0);
	}
	case 6: { /* clock_nanosleep: 2 ms at most (absolute: long past) */
		/* Not PROCESS_CPUTIME (2): a relative sleep on it would wait for the CPU
		   time of a process whose one thread sleeps, for ever (as on Linux). */
		static const long clocks[] = { 1, 0, 7, 3 /* THREAD_CPUTIME: EINVAL */,
					       4 /* MONOTONIC_RAW */, 5 /* REALTIME_COARSE */, -1, 100 };
		bool saved;

		how = u8(c);
		uintptr_t ts = short_timespec(c);
		saved = c->must_fail;
		buf = (how & 0x10) ? pick_buf(c, 16, true) : 0;
		c->must_fail = saved; /* the rest is written only on an interruption */
		return sys(c, SYS_clock_nanosleep, clocks[how % 8], (how & 0x20) ? 1 : (how & 0x40) ? 2 : 0,
			   (long)ts, (long)buf, 0, 0);
	}
	case 7: /* getcpu, getrusage, times */
		how = u8(c) % 3;
		if (how == 0)
			return sys(c, SYS_getcpu, (u8(c) & 1) ? (long)pick_buf(c, 4, true) : 0,
				   (u8(c) & 1) ? (long)pick_buf(c, 4, true) : 0, 0, 0, 0, 0);
		if (how == 1)
			return sys(c, SYS_getrusage, (long[]){ 0, -1, 1, 2, 1000 }[u8(c) % 5],
				   (long)pick_buf(c, 144, true), 0, 0, 0, 0);
		return sys(c, SYS_times, (u8(c) & 1) ? (long)pick_buf(c, 32, true) : 0, 0, 0, 0, 0, 0);
	case 8:
		return sys(c, SYS_umask, (u8(c) & 1) ? pick_int(c) : (long)(u16(c) & 0777), 0, 0, 0, 0, 0);
	default: { /* prctl: the name, dumpable, and options it does not know */
		static const long opts[] = { 15 /* SET_NAME */, 16 /* GET_NAME */, 3 /* GET_DUMPABLE */,
					     4 /* SET_DUMPABLE */, 30 /* GET_TIMERSLACK */, 0, -1, 1000 };
		long opt = opts[u8(c) % 8];
		const uint8_t *end = plat(c)->scratch + plat(c)->scratch_len;

		if (opt == 16)
			return sys(c, SYS_prctl, opt, (long)pick_buf(c, 16, true), 0, 0, 0, 0);
		if (opt != 15)
			return sys(c, SYS_prctl, opt, u8(c) % 3, 0, 0, 0, 0);
		/* The name is a string: read up to its NUL, which may come before the guard page. */
		buf = pick_buf(c, 16, false);
		if (c->must_fail && buf >= (uintptr_t)plat(c)->scratch && buf < (uintptr_t)end)
			c->must_fail = !memchr((const void *)buf, 0, (size_t)(end - (const uint8_t *)buf));
		return sys(c, SYS_prctl, opt, (long)buf, 0, 0, 0, 0);
	}
	}
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
 * 99, "transfer": sendfile (any descriptors, the offset NULL or from
 * pick_buf, counts from pick_len), copy_file_range (offsets NULL, from the
 * scratch or pick_buf; flags 0 or not), memfd_create (its name a path of
 * the engine's, good flags or not; the file joins the pool), readlinkat
 * (/proc/self/exe or the engine's paths, sizes from pick_len). A count
 * answered beyond the one asked is a failure.
 */
static long c_transfer(struct call *c)
{
	uint8_t sel = u8(c);
	int64_t *a = (int64_t *)(plat(c)->scratch + SCR_ARRAYS);
	long r;

	extend(c);
	switch (sel % 4) {
	case 0: {
		int out = pick_fd(c, ~0u), in = pick_fd(c, (1u << PROG_FILE) | (1u << PROG_DIR));
		size_t len = pick_len(c);
		uintptr_t off = 0;

		if (u8(c) & 1) {
			a[0] = (u8(c) & 1) ? pick_int(c) : 0;
			off = (u8(c) & 7) ? (uintptr_t)a : pick_buf(c, 8, true);
		}
		r = sys(c, SYS_sendfile, out, in, (long)off, (long)len, 0, 0);
		if (r > 0 && (size_t)r > len)
			fail(c->s, "call %ld: moved %ld bytes, more than asked", SYS_sendfile, r);
		return r;
	}
	case 1: {
		int in = pick_fd(c, 1u << PROG_FILE), out = pick_fd(c, 1u << PROG_FILE);
		size_t len = pick_len(c);
		uintptr_t offs[2] = { 0, 0 };

		for (int k = 0; k < 2; k++) {
			uint8_t how = u8(c);

			a[k] = (how & 2) ? pick_int(c) : 0;
			offs[k] = (how & 1) ? ((how & 0x1c) ? (uintptr_t)&a[k] : pick_buf(c, 8, true)) : 0;
		}
		r = sys(c, SYS_copy_file_range, in, (long)offs[0], out, (long)offs[1], (long)len,
			(u8(c) & 7) ? 0 : pick_int(c));
		if (r > 0 && (size_t)r > len)
			fail(c->s, "call %ld: copied %ld bytes, more than asked", SYS_copy_file_range, r);
		return r;
	}
	case 2: {
		long flags = (u8(c) & 3) ? (u8(c) & 3) /* CLOEXEC, ALLOW_SEALING */ : pick_int(c);

		r = sys(c, SYS_memfd_create, (long)pick_path(c, SCR_PATH_A), flags, 0, 0, 0, 0);
		if (r >= 0)
			add_fd(c->s, r, PROG_FILE);
		return r;
	}
	default: {
		static const char exe[] = "/proc/self/exe";
		uintptr_t path = pick_path(c, SCR_PATH_A), slot = (uintptr_t)plat(c)->scratch + SCR_PATH_A;
		size_t len = pick_len(c);
		uintptr_t buf;

		if (u8(c) & 1 && path == slot) /* one of the engine's paths (not NULL or a hostile one) */
			memcpy((void *)path, exe, sizeof(exe));
		buf = pick_buf(c, len, true);
		r = sys(c, SYS_readlinkat, (u8(c) & 1) ? pick_fd(c, 1u << PROG_DIR) : AT_FDCWD,
			(long)path, (long)buf, (long)len, 0, 0);
		if (r > 0 && (size_t)r > len)
			fail(c->s, "call %ld: a link of %ld bytes in a buffer of fewer", SYS_readlinkat, r);
		return r;
	}
	}
}

/*
 * 103, "ptimer": timer_create (every clock and bad ones; no sigevent,
 * SIGEV_NONE, SIGEV_SIGNAL or SIGEV_THREAD_ID to this thread with a quiet
 * signal (SIGALRM, SIGPIPE: ignored), bad notify kinds and signals, a
 * sigevent no call may read), timer_settime (ids 0-33, -1 and the edges;
 * values and intervals of 0, 1 ms, 2 ms, 1 s and bad ones; relative or
 * TIMER_ABSTIME; the old value out or not), timer_gettime,
 * timer_getoverrun, timer_delete. prog_reset deletes every timer.
 */
static long c_ptimer(struct call *c)
{
	static const long clocks[] = { 0, 1, 7, 8, 9, 2 /* PROCESS_CPUTIME */, -1, 100 };
	static const int64_t vals[][2] = { { 0, 0 }, { 0, 1000000 }, { 0, 2000000 }, { 1, 0 },
					   { -1, 0 }, { 0, 1000000000 }, { 0, -1 }, { 3600, 0 } };
	int64_t *a = (int64_t *)(plat(c)->scratch + SCR_ARRAYS);
	uint8_t sel = u8(c), how;
	long id = (u8(c) & 0x80) ? pick_int(c) : u8(c) % 34;
	uintptr_t in, buf;

	extend(c);
	switch (sel % 5) {
	case 0: {
		static const int notify[] = { 0 /* SIGNAL */, 1 /* NONE */, 4 /* THREAD_ID */,
					      2 /* THREAD: the library's */, 99 };
		static const int sigs[] = { 14 /* ALRM */, 13 /* PIPE */, 0, 65, -1 };
		int32_t *ev = (int32_t *)a;

		how = u8(c);
		memset(a, 0, 64);
		a[0] = pick_int(c); /* sigev_value */
		ev[2] = sigs[u8(c) % 5];
		ev[3] = notify[u8(c) % 5];
		ev[4] = (int32_t)((u8(c) & 3) ? sys(c, SYS_gettid, 0, 0, 0, 0, 0, 0) : pick_int(c));
		in = (how & 3) ? (uintptr_t)a : (how & 4) ? 0 : pick_buf(c, 64, false);
		buf = (how & 0x18) ? (uintptr_t)(plat(c)->scratch + SCR_OUT) : pick_buf(c, 4, true);
		return sys(c, SYS_timer_create, clocks[u8(c) % 8], (long)in, (long)buf, 0, 0, 0);
	}
	case 1:
		how = u8(c);
		memcpy(a, vals[how % 8], 16);
		memcpy(a + 2, vals[(how >> 3) % 8], 16);
		if (a[2] == 0 && a[3] >= 0 && a[3] < 1000000)
			a[3] = 0; /* no value under 1 ms that is not 0: the timer fires for real */
		if (a[0] == 0 && a[1] > 0 && a[1] < 1000000)
			a[1] = 1000000;
		in = (u8(c) & 7) ? (uintptr_t)a : pick_buf(c, 32, false);
		buf = (how & 0x40) ? pick_buf(c, 32, true) : 0;
		return sys(c, SYS_timer_settime, id, (u8(c) & 1) /* TIMER_ABSTIME */, (long)in,
			   (long)buf, 0, 0);
	case 2:
		return sys(c, SYS_timer_gettime, id, (long)pick_buf(c, 32, true), 0, 0, 0, 0);
	case 3:
		return sys(c, SYS_timer_getoverrun, id, 0, 0, 0, 0, 0);
	default:
		return sys(c, SYS_timer_delete, id, 0, 0, 0, 0, 0);
	}
}

/*
 * The table, by id (a record's first byte modulo PROG_CALL_IDS). Ids are
 * stable, so kept programs keep their meaning: a new call takes a free id.
 * 40-47 and 53-58 are sockets (resource kind PROG_SOCKET) and the
 * datagram API, 48-51 epoll (PROG_EPOLL), 59-60 the stream API, 61-63
 * timerfd (PROG_TIMERFD). A free
 * id runs c_raw.
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
	[40] = { "socket", c_socket },    [41] = { "bind", c_bind },
	[42] = { "listen", c_listen },    [43] = { "connect", c_connect },
	[44] = { "accept4", c_accept4 },  [45] = { "sendrecv", c_sendrecv },
	[46] = { "shutdown", c_shutdown }, [47] = { "sockopt", c_sockopt },
	[48] = { "epoll_create", c_epoll_create }, [49] = { "epoll_ctl", c_epoll_ctl },
	[50] = { "epoll_wait", c_epoll_wait1 }, [51] = { "epoll_pwait", c_epoll_pwait },
	[52] = { "mlock", c_mlock },
	[53] = { "msg", c_msg },          [54] = { "dgram_recv", c_dgram_recv },
	[55] = { "dgram_send", c_dgram_send }, [56] = { "socketpair", c_socketpair },
	[57] = { "getname", c_getname },  [58] = { "connect_pair", c_connect_pair },
	[59] = { "stream_recv", c_stream_recv }, [60] = { "stream_send", c_stream_send },
	[61] = { "timerfd_create", c_timerfd_create },
	[62] = { "timerfd_settime", c_timerfd_settime },
	[63] = { "timerfd_gettime", c_timerfd_gettime },
};

/* The first bytes the calls of sessions 23 and 25 took from the table's second rows. */
static const struct {
	uint8_t byte;
	const char *name;
	long (*run)(struct call *c);
} more_calls[] = {
	{ MORE_SIGNAL, "signal", c_signal },
	{ MORE_FILEMETA, "filemeta", c_filemeta },
	{ MORE_SCHED, "sched", c_sched },
	{ MORE_TRANSFER, "transfer", c_transfer },
	{ MORE_PTIMER, "ptimer", c_ptimer },
};

static unsigned more_call(uint8_t first)
{
	unsigned i = 0;

	while (i < sizeof(more_calls) / sizeof(more_calls[0]) && more_calls[i].byte != first)
		i++;
	return i;
}

const char *prog_call_name(const uint8_t record[PROG_RECORD])
{
	unsigned more = more_call(record[0]);
	const char *name = calls[record[0] % PROG_CALL_IDS].name;

	if (more < sizeof(more_calls) / sizeof(more_calls[0]))
		return more_calls[more].name;
	return name ? name : "raw";
}

/* Sets sig's action to SIG_IGN or SIG_DFL (the scratch holds the action). */
static void set_action(const struct prog_platform *p, int sig, int64_t handler)
{
	memset(p->scratch, 0, 32);
	memcpy(p->scratch, &handler, sizeof(handler));
	p->sys(SYS_rt_sigaction, sig, (long)p->scratch, 0, SIGSET_SIZE, 0, 0);
}

void prog_init(struct prog_state *s, const struct prog_platform *p)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->last_closed = -2;
	for (unsigned i = 0; i < N_IGNORED; i++) /* no signal a call may raise ends the program */
		set_action(p, quiet_signals[i], SIG_IGN_VALUE);
	memset(p->scratch, 0, p->scratch_len);
}

long prog_run_call(struct prog_state *s, const uint8_t record[PROG_RECORD])
{
	struct call c = { .s = s, .rec = record, .at = 1 };
	unsigned id = record[0] % PROG_CALL_IDS, more = more_call(record[0]);
	long r;

	if (more < sizeof(more_calls) / sizeof(more_calls[0])) {
		r = more_calls[more].run(&c);
		id = record[0]; /* these are known by their first byte */
	} else
		r = calls[id].run ? calls[id].run(&c) : c_raw(&c);

	s->calls++;
	if (r < -4095)
		fail(s, "a call (id %ld) answered %ld, neither a count nor -errno", (long)id, r);
	if (c.must_fail && r >= 0)
		fail(s, "a call (id %ld) succeeded (%ld) on memory no call may touch", (long)id, r);
	return r;
}

/*
 * What the signal and sched calls may have changed of the process, as it
 * was: no signal blocked or pending, the default actions, no alternate
 * stack, no interval or POSIX timer, every CPU, nice 0, umask 022; so that the
 * host harness's next input starts from the same state.
 */
static void put_back_process(const struct prog_platform *p)
{
	uint64_t *w = (uint64_t *)p->scratch;
	int tries = 64;

	for (unsigned i = N_IGNORED; i < sizeof(quiet_signals) / sizeof(quiet_signals[0]); i++)
		set_action(p, quiet_signals[i], 0);
	memset(w, 0, 64);
	p->sys(SYS_rt_sigprocmask, 2 /* SETMASK */, (long)w, 0, SIGSET_SIZE, 0, 0);
	w[0] = ~0ull; /* take what is pending: a timeout of 0 at w[2] */
	while (p->sys(SYS_rt_sigtimedwait, (long)w, 0, (long)(w + 2), SIGSET_SIZE, 0, 0) > 0 && --tries)
		;
	w[0] = 0, w[1] = 2 /* SS_DISABLE */, w[2] = 0;
	p->sys(SYS_sigaltstack, (long)w, 0, 0, 0, 0, 0);
	memset(w, 0, 32);
	for (int which = 0; which < 3; which++)
		p->sys(SYS_setitimer, which, (long)w, 0, 0, 0, 0);
	for (long id = 0; id < 64; id++) /* the POSIX timers (c_ptimer) */
		p->sys(SYS_timer_delete, id, 0, 0, 0, 0, 0);
	w[0] = ~0ull;
	p->sys(SYS_sched_setaffinity, 0, SIGSET_SIZE, (long)w, 0, 0, 0);
	p->sys(SYS_setpriority, 0 /* PRIO_PROCESS */, 0, 0, 0, 0, 0);
	p->sys(SYS_umask, 022, 0, 0, 0, 0, 0);
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
	s->last_closed = -2;
	put_back_process(s->p);
}
