/*
 * One call per __*_chk function, at its bound (over = 0) or one past it
 * (over = 1); see fortify_calls.h. The buffers are exactly the size the
 * call claims, so a check that let an overflow through would also trip
 * AddressSanitizer.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include <wchar.h>

#include "fortify_calls.h"

#define B 16 /* the size every buffer below is said to have */

/* glibc's signatures: its headers declare these only when fortifying. */
void *__memcpy_chk(void *, const void *, size_t, size_t);
void *__memmove_chk(void *, const void *, size_t, size_t);
void *__mempcpy_chk(void *, const void *, size_t, size_t);
void *__memset_chk(void *, int, size_t, size_t);
void __explicit_bzero_chk(void *, size_t, size_t);
char *__strcpy_chk(char *, const char *, size_t);
char *__stpcpy_chk(char *, const char *, size_t);
char *__strncpy_chk(char *, const char *, size_t, size_t);
char *__stpncpy_chk(char *, const char *, size_t, size_t);
char *__strcat_chk(char *, const char *, size_t);
char *__strncat_chk(char *, const char *, size_t, size_t);
wchar_t *__wmemcpy_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wmemmove_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wmempcpy_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wmemset_chk(wchar_t *, wchar_t, size_t, size_t);
wchar_t *__wcscpy_chk(wchar_t *, const wchar_t *, size_t);
wchar_t *__wcpcpy_chk(wchar_t *, const wchar_t *, size_t);
wchar_t *__wcsncpy_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wcpncpy_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wcscat_chk(wchar_t *, const wchar_t *, size_t);
wchar_t *__wcsncat_chk(wchar_t *, const wchar_t *, size_t, size_t);
int __sprintf_chk(char *, int, size_t, const char *, ...);
int __vsprintf_chk(char *, int, size_t, const char *, va_list);
int __snprintf_chk(char *, size_t, int, size_t, const char *, ...);
int __vsnprintf_chk(char *, size_t, int, size_t, const char *, va_list);
int __printf_chk(int, const char *, ...);
int __vprintf_chk(int, const char *, va_list);
int __fprintf_chk(FILE *, int, const char *, ...);
int __vfprintf_chk(FILE *, int, const char *, va_list);
int __dprintf_chk(int, int, const char *, ...);
int __vdprintf_chk(int, int, const char *, va_list);
int __asprintf_chk(char **, int, const char *, ...);
int __vasprintf_chk(char **, int, const char *, va_list);
struct obstack;
int __obstack_printf_chk(struct obstack *, int, const char *, ...);
int __obstack_vprintf_chk(struct obstack *, int, const char *, va_list);
void __syslog_chk(int, int, const char *, ...);
void __vsyslog_chk(int, int, const char *, va_list);
int __swprintf_chk(wchar_t *, size_t, int, size_t, const wchar_t *, ...);
int __vswprintf_chk(wchar_t *, size_t, int, size_t, const wchar_t *, va_list);
int __wprintf_chk(int, const wchar_t *, ...);
int __vwprintf_chk(int, const wchar_t *, va_list);
int __fwprintf_chk(FILE *, int, const wchar_t *, ...);
int __vfwprintf_chk(FILE *, int, const wchar_t *, va_list);
ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __pread_chk(int, void *, size_t, off_t, size_t);
ssize_t __pread64_chk(int, void *, size_t, off_t, size_t);
ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
char *__getcwd_chk(char *, size_t, size_t);
char *__getwd_chk(char *, size_t);
char *__realpath_chk(const char *, char *, size_t);
ssize_t __readlink_chk(const char *, char *, size_t, size_t);
ssize_t __readlinkat_chk(int, const char *, char *, size_t, size_t);
char *__fgets_chk(char *, size_t, int, FILE *);
char *__fgets_unlocked_chk(char *, size_t, int, FILE *);
size_t __fread_chk(void *, size_t, size_t, size_t, FILE *);
size_t __fread_unlocked_chk(void *, size_t, size_t, size_t, FILE *);
wchar_t *__fgetws_chk(wchar_t *, size_t, int, FILE *);
wchar_t *__fgetws_unlocked_chk(wchar_t *, size_t, int, FILE *);
char *__gets_chk(char *, size_t);
size_t __mbstowcs_chk(wchar_t *, const char *, size_t, size_t);
size_t __mbsrtowcs_chk(wchar_t *, const char **, size_t, mbstate_t *, size_t);
size_t __mbsnrtowcs_chk(wchar_t *, const char **, size_t, size_t, mbstate_t *, size_t);
size_t __wcstombs_chk(char *, const wchar_t *, size_t, size_t);
size_t __wcsrtombs_chk(char *, const wchar_t **, size_t, mbstate_t *, size_t);
size_t __wcsnrtombs_chk(char *, const wchar_t **, size_t, size_t, mbstate_t *, size_t);
size_t __wcrtomb_chk(char *, wchar_t, mbstate_t *, size_t);
int __wctomb_chk(char *, wchar_t, size_t);
int __poll_chk(struct pollfd *, nfds_t, int, size_t);
int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);
long __fdelt_chk(long);
void __longjmp_chk(jmp_buf, int);
int __gethostname_chk(char *, size_t, size_t);
int __getdomainname_chk(char *, size_t, size_t);
int __getlogin_r_chk(char *, size_t, size_t);
int __ttyname_r_chk(int, char *, size_t, size_t);
int __ptsname_r_chk(int, char *, size_t, size_t);
size_t __confstr_chk(int, char *, size_t, size_t);
int __getgroups_chk(int, gid_t *, size_t);
void __chk_fail(void);

/* Passes the arguments after format on to call as the va_list ap. */
#define PASS_VA(call)                   \
	do {                            \
		va_list ap;             \
		va_start(ap, format);   \
		call;                   \
		va_end(ap);             \
	} while (0)

/* A string of n 'a's (n < 64), and its wide twin. */
static const char *str_of(size_t n)
{
	static const char a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

	return a + sizeof(a) - 1 - n;
}

static const wchar_t *wstr_of(size_t n)
{
	static const wchar_t a[] = L"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

	return a + sizeof(a) / sizeof(a[0]) - 1 - n;
}

/* Streams and descriptors opened once and kept: a failed call never closes what it opened. */
static FILE *null_stream(int wide)
{
	static FILE *streams[2];

	if (!streams[wide])
		streams[wide] = fopen("/dev/null", "w");
	return streams[wide];
}

static int fd_of(const char *path)
{
	static struct { const char *path; int fd; } fds[4];
	unsigned i;

	for (i = 0; fds[i].path && strcmp(fds[i].path, path); i++)
		;
	if (!fds[i].path) {
		fds[i].path = path;
		fds[i].fd = open(path, O_RDWR);
	}
	return fds[i].fd;
}

/* --- memory and strings: n bytes (or wide characters) where B fit */

/* fn copies B + over elements of type into B of them. */
#define COPY_CALL(fn, type)                      \
	static void call_##fn(int over)          \
	{                                        \
		type d[B], s[B + 1] = { 0 };     \
		__##fn##_chk(d, s, B + over, B); \
	}

COPY_CALL(memcpy, char)
COPY_CALL(memmove, char)
COPY_CALL(mempcpy, char)
COPY_CALL(wmemcpy, wchar_t)
COPY_CALL(wmemmove, wchar_t)
COPY_CALL(wmempcpy, wchar_t)

static void call_memset(int over) { char d[B]; __memset_chk(d, 0, B + over, B); }

static void call_explicit_bzero(int over) { char d[B]; __explicit_bzero_chk(d, B + over, B); }

static void call_strcpy(int over) { char d[B]; __strcpy_chk(d, str_of(B - 1 + over), B); }

static void call_stpcpy(int over) { char d[B]; __stpcpy_chk(d, str_of(B - 1 + over), B); }

static void call_strncpy(int over) { char d[B]; __strncpy_chk(d, "abc", B + over, B); }

static void call_stpncpy(int over) { char d[B]; __stpncpy_chk(d, "abc", B + over, B); }

/* Onto 8 characters: 7 more and the terminator fill the 16 bytes. */
static void call_strcat(int over)
{
	char d[B] = "12345678";

	__strcat_chk(d, str_of(7 + over), B);
}

static void call_strncat(int over)
{
	char d[B] = "12345678";

	__strncat_chk(d, str_of(20), 7 + over, B);
}

static void call_wmemset(int over) { wchar_t d[B]; __wmemset_chk(d, L'x', B + over, B); }

static void call_wcscpy(int over) { wchar_t d[B]; __wcscpy_chk(d, wstr_of(B - 1 + over), B); }

static void call_wcpcpy(int over) { wchar_t d[B]; __wcpcpy_chk(d, wstr_of(B - 1 + over), B); }

static void call_wcsncpy(int over) { wchar_t d[B]; __wcsncpy_chk(d, L"abc", B + over, B); }

static void call_wcpncpy(int over) { wchar_t d[B]; __wcpncpy_chk(d, L"abc", B + over, B); }

static void call_wcscat(int over)
{
	wchar_t d[B] = L"12345678";

	__wcscat_chk(d, wstr_of(7 + over), B);
}

static void call_wcsncat(int over)
{
	wchar_t d[B] = L"12345678";

	__wcsncat_chk(d, wstr_of(20), 7 + over, B);
}

/* --- the bounded printf family: a result of B - 1 + over characters */

static void call_sprintf(int over)
{
	char d[B];

	__sprintf_chk(d, 1, B, "%s", str_of(B - 1 + over));
}

static void vsprintf_of(char *d, const char *format, ...)
{
	PASS_VA(__vsprintf_chk(d, 1, B, format, ap));
}

static void call_vsprintf(int over) { char d[B]; vsprintf_of(d, "%s", str_of(B - 1 + over)); }

static void call_snprintf(int over) { char d[B]; __snprintf_chk(d, B + over, 1, B, "%d", 42); }

static void vsnprintf_of(char *d, size_t maxlen, const char *format, ...)
{
	PASS_VA(__vsnprintf_chk(d, maxlen, 1, B, format, ap));
}

static void call_vsnprintf(int over) { char d[B]; vsnprintf_of(d, B + over, "%d", 42); }

static void call_swprintf(int over) { wchar_t d[B]; __swprintf_chk(d, B + over, 1, B, L"%d", 42); }

static void vswprintf_of(wchar_t *d, size_t maxlen, const wchar_t *format, ...)
{
	PASS_VA(__vswprintf_chk(d, maxlen, 1, B, format, ap));
}

static void call_vswprintf(int over) { wchar_t d[B]; vswprintf_of(d, B + over, L"%d", 42); }

/*
 * --- the %n rule: the format "%n" is in writable memory when over is 1
 * (the substituted hook says so), in read-only memory when it is 0.
 */
static int n_written;

#define WITH_N(over) (fortify_writable_answer = (over), &n_written)

static void call_printf(int over)
{
	stdout = null_stream(0); /* test_fortify.c puts the real one back */
	__printf_chk(1, "%n", WITH_N(over));
}

static void vprintf_of(const char *format, ...) { PASS_VA(__vprintf_chk(1, format, ap)); }

static void call_vprintf(int over)
{
	stdout = null_stream(0);
	vprintf_of("%n", WITH_N(over));
}


static void call_fprintf(int over)
{
	__fprintf_chk(null_stream(0), 1, "%n", WITH_N(over));
}

static void vfprintf_of(FILE *f, const char *format, ...)
{
	PASS_VA(__vfprintf_chk(f, 1, format, ap));
}

static void call_vfprintf(int over)
{
	vfprintf_of(null_stream(0), "%n", WITH_N(over));
}

static void call_dprintf(int over)
{
	__dprintf_chk(fd_of("/dev/null"), 1, "%n", WITH_N(over));
}

static void vdprintf_of(int fd, const char *format, ...)
{
	PASS_VA(__vdprintf_chk(fd, 1, format, ap));
}

static void call_vdprintf(int over)
{
	vdprintf_of(fd_of("/dev/null"), "%n", WITH_N(over));
}

static void call_asprintf(int over)
{
	char *s = NULL;

	__asprintf_chk(&s, 1, "%n", WITH_N(over));
	free(s);
}

static void vasprintf_of(char **s, const char *format, ...)
{
	PASS_VA(__vasprintf_chk(s, 1, format, ap));
}

static void call_vasprintf(int over)
{
	char *s = NULL;

	vasprintf_of(&s, "%n", WITH_N(over));
	free(s);
}

static void call_obstack_printf(int over) { __obstack_printf_chk(NULL, 1, "%n", WITH_N(over)); }

static void obstack_vprintf_of(const char *format, ...)
{
	PASS_VA(__obstack_vprintf_chk(NULL, 1, format, ap));
}

static void call_obstack_vprintf(int over) { obstack_vprintf_of("%n", WITH_N(over)); }

/* LOG_DEBUG under a mask of LOG_EMERG: syslog drops it unformatted. */
static void call_syslog(int over)
{
	int old = setlogmask(LOG_MASK(LOG_EMERG));

	__syslog_chk(LOG_DEBUG, 1, "%n", WITH_N(over));
	setlogmask(old);
}

static void vsyslog_of(const char *format, ...)
{
	va_list ap;
	int old = setlogmask(LOG_MASK(LOG_EMERG));

	va_start(ap, format);
	__vsyslog_chk(LOG_DEBUG, 1, format, ap);
	va_end(ap);
	setlogmask(old);
}

static void call_vsyslog(int over) { vsyslog_of("%n", WITH_N(over)); }

/* Wide output makes a stream wide for good: never the real stdout. */
static void call_wprintf(int over)
{
	stdout = null_stream(1);
	__wprintf_chk(1, L"%n", WITH_N(over));
}

static void vwprintf_of(const wchar_t *format, ...) { PASS_VA(__vwprintf_chk(1, format, ap)); }

static void call_vwprintf(int over)
{
	stdout = null_stream(1);
	vwprintf_of(L"%n", WITH_N(over));
}

static void call_fwprintf(int over)
{
	__fwprintf_chk(null_stream(1), 1, L"%n", WITH_N(over));
}

static void vfwprintf_of(FILE *f, const wchar_t *format, ...)
{
	PASS_VA(__vfwprintf_chk(f, 1, format, ap));
}

static void call_vfwprintf(int over)
{
	vfwprintf_of(null_stream(1), L"%n", WITH_N(over));
}

/* --- reads into buffers: B + over bytes where B fit */

static void call_read(int over) { char d[B]; __read_chk(fd_of("/dev/zero"), d, B + over, B); }

static void call_pread(int over) { char d[B]; __pread_chk(fd_of("/dev/zero"), d, B + over, 0, B); }

static void call_pread64(int over)
{
	char d[B];

	__pread64_chk(fd_of("/dev/zero"), d, B + over, 0, B);
}

/* A socket with nothing to read: MSG_DONTWAIT returns at once. */
static int quiet_socket(void)
{
	static int sv[2] = { -1, -1 };

	if (sv[0] < 0 && socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
		return -1;
	return sv[0];
}

static void call_recv(int over)
{
	char d[B];

	__recv_chk(quiet_socket(), d, B + over, B, MSG_DONTWAIT);
}

static void call_recvfrom(int over)
{
	char d[B];

	__recvfrom_chk(quiet_socket(), d, B + over, B, MSG_DONTWAIT, NULL, NULL);
}

static void call_getcwd(int over) { char d[B]; __getcwd_chk(d, B + over, B); }

static void call_getwd(int over) { char d[PATH_MAX]; __getwd_chk(d, PATH_MAX - over); }

static void call_realpath(int over) { char d[PATH_MAX]; __realpath_chk(".", d, PATH_MAX - over); }

static void call_readlink(int over) { char d[B]; __readlink_chk("/proc/self/exe", d, B + over, B); }

static void call_readlinkat(int over)
{
	char d[B];

	__readlinkat_chk(AT_FDCWD, "/proc/self/exe", d, B + over, B);
}

/* Streams reading /dev/zero: fgets stops after n - 1 bytes. */
static FILE *zero_stream(int wide)
{
	static FILE *streams[2];

	if (!streams[wide])
		streams[wide] = fopen("/dev/zero", "r");
	return streams[wide];
}

static void call_fgets(int over) { char d[B]; __fgets_chk(d, B, B + over, zero_stream(0)); }

static void call_fgets_unlocked(int over)
{
	char d[B];

	__fgets_unlocked_chk(d, B, B + over, zero_stream(0));
}

static void call_fread(int over) { char d[B]; __fread_chk(d, B, 1, B + over, zero_stream(0)); }

static void call_fread_unlocked(int over)
{
	char d[B];

	__fread_unlocked_chk(d, B, B + over, 1, zero_stream(0));
}

static void call_fgetws(int over) { wchar_t d[B]; __fgetws_chk(d, B, B + over, zero_stream(1)); }

static void call_fgetws_unlocked(int over)
{
	wchar_t d[B];

	__fgetws_unlocked_chk(d, B, B + over, zero_stream(1));
}

/* gets reads stdin: here a line of B - 1 + over characters. */
static void call_gets(int over)
{
	static char line[64];
	static FILE *in[2];
	char d[B];

	if (!in[over]) {
		snprintf(line + 32 * over, 32, "%s\n", str_of(B - 1 + over));
		in[over] = fmemopen(line + 32 * over, strlen(line + 32 * over), "r");
	}
	rewind(in[over]);
	stdin = in[over]; /* test_fortify.c puts the real one back */
	__gets_chk(d, B);
}

/* --- conversions */

static void call_mbstowcs(int over) { wchar_t d[B]; __mbstowcs_chk(d, "abc", B + over, B); }

static void call_mbsrtowcs(int over)
{
	wchar_t d[B];
	const char *s = "abc";
	mbstate_t st = { 0 };

	__mbsrtowcs_chk(d, &s, B + over, &st, B);
}

static void call_mbsnrtowcs(int over)
{
	wchar_t d[B];
	const char *s = "abc";
	mbstate_t st = { 0 };

	__mbsnrtowcs_chk(d, &s, 3, B + over, &st, B);
}

static void call_wcstombs(int over) { char d[B]; __wcstombs_chk(d, L"abc", B + over, B); }

static void call_wcsrtombs(int over)
{
	char d[B];
	const wchar_t *s = L"abc";
	mbstate_t st = { 0 };

	__wcsrtombs_chk(d, &s, B + over, &st, B);
}

static void call_wcsnrtombs(int over)
{
	char d[B];
	const wchar_t *s = L"abc";
	mbstate_t st = { 0 };

	__wcsnrtombs_chk(d, &s, 3, B + over, &st, B);
}

/* One byte fewer than MB_CUR_MAX may not hold a character. */
static void call_wcrtomb(int over)
{
	char d[MB_LEN_MAX];
	mbstate_t st = { 0 };

	__wcrtomb_chk(d, L'x', &st, MB_CUR_MAX - over);
}

static void call_wctomb(int over) { char d[MB_LEN_MAX]; __wctomb_chk(d, L'x', MB_CUR_MAX - over); }

/* --- the rest */

static void call_poll(int over)
{
	struct pollfd p[2] = { { .fd = -1 }, { .fd = -1 } };

	__poll_chk(p, 2 + over, 0, sizeof(p));
}

static void call_ppoll(int over)
{
	struct pollfd p[2] = { { .fd = -1 }, { .fd = -1 } };
	struct timespec zero = { 0, 0 };

	__ppoll_chk(p, 2 + over, &zero, NULL, sizeof(p));
}

static void call_fdelt(int over)
{
	if (__fdelt_chk(FD_SETSIZE - 1 + over) != (FD_SETSIZE - 1) / (long)(8 * sizeof(long)))
		abort();
}

static void call_gethostname(int over) { char d[B]; __gethostname_chk(d, B + over, B); }

static void call_getdomainname(int over) { char d[B]; __getdomainname_chk(d, B + over, B); }

static void call_getlogin_r(int over) { char d[B]; __getlogin_r_chk(d, B + over, B); }

static void call_ttyname_r(int over) { char d[B]; __ttyname_r_chk(0, d, B + over, B); }

static void call_ptsname_r(int over) { char d[B]; __ptsname_r_chk(0, d, B + over, B); }

static void call_confstr(int over) { char d[B]; __confstr_chk(_CS_PATH, d, B + over, B); }

static void call_getgroups(int over) { gid_t g[B]; __getgroups_chk(B + over, g, sizeof(g)); }

/*
 * __longjmp_chk: at the bound, a jump back to a frame still live (this
 * one); past it, a jump into the frame of a function that has returned.
 * That frame lay below this one: a kilobyte of locals keeps it well clear.
 */
static jmp_buf stale;

__attribute__((noinline)) static void leave_stale_frame(void)
{
	volatile char deep[1024];

	deep[0] = 0;
	if (setjmp(stale))
		abort(); /* never reached: the check refuses the jump */
	deep[1] = deep[0];
}

static void call_longjmp(int over)
{
	jmp_buf live;

	if (over) {
		leave_stale_frame();
		__longjmp_chk(stale, 1);
	}
	if (setjmp(live) == 0)
		__longjmp_chk(live, 1);
}

#define CASE(f) { "__" #f "_chk", call_##f }

const struct fortify_case fortify_cases[] = {
	CASE(memcpy), CASE(memmove), CASE(mempcpy), CASE(memset), CASE(explicit_bzero),
	CASE(strcpy), CASE(stpcpy), CASE(strncpy), CASE(stpncpy), CASE(strcat), CASE(strncat),
	CASE(wmemcpy), CASE(wmemmove), CASE(wmempcpy), CASE(wmemset), CASE(wcscpy), CASE(wcpcpy),
	CASE(wcsncpy), CASE(wcpncpy), CASE(wcscat), CASE(wcsncat),
	CASE(sprintf), CASE(vsprintf), CASE(snprintf), CASE(vsnprintf), CASE(swprintf),
	CASE(vswprintf), CASE(printf), CASE(vprintf), CASE(fprintf), CASE(vfprintf), CASE(dprintf),
	CASE(vdprintf), CASE(asprintf), CASE(vasprintf), CASE(obstack_printf),
	CASE(obstack_vprintf), CASE(syslog), CASE(vsyslog), CASE(wprintf), CASE(vwprintf),
	CASE(fwprintf), CASE(vfwprintf),
	CASE(read), CASE(pread), CASE(pread64), CASE(recv), CASE(recvfrom), CASE(getcwd),
	CASE(getwd), CASE(realpath), CASE(readlink), CASE(readlinkat), CASE(fgets),
	CASE(fgets_unlocked), CASE(fread), CASE(fread_unlocked), CASE(fgetws),
	CASE(fgetws_unlocked), CASE(gets),
	CASE(mbstowcs), CASE(mbsrtowcs), CASE(mbsnrtowcs), CASE(wcstombs), CASE(wcsrtombs),
	CASE(wcsnrtombs), CASE(wcrtomb), CASE(wctomb),
	CASE(poll), CASE(ppoll), CASE(fdelt), CASE(longjmp), CASE(gethostname),
	CASE(getdomainname), CASE(getlogin_r), CASE(ttyname_r), CASE(ptsname_r), CASE(confstr),
	CASE(getgroups),
};

const unsigned fortify_case_count = sizeof(fortify_cases) / sizeof(fortify_cases[0]);
