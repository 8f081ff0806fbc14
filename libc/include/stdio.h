/* <stdio.h>: musl's, with fortified copies (carapace-fortify.h). */
#include_next <stdio.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_STDIO_H)
#define CARAPACE_FORTIFY_STDIO_H

int __sprintf_chk(char *, int, size_t, const char *, ...);
int __vsprintf_chk(char *, int, size_t, const char *, __isoc_va_list);
int __snprintf_chk(char *, size_t, int, size_t, const char *, ...);
int __vsnprintf_chk(char *, size_t, int, size_t, const char *, __isoc_va_list);
int __printf_chk(int, const char *, ...);
int __vprintf_chk(int, const char *, __isoc_va_list);
int __fprintf_chk(FILE *, int, const char *, ...);
int __vfprintf_chk(FILE *, int, const char *, __isoc_va_list);
char *__fgets_chk(char *, size_t, int, FILE *);
size_t __fread_chk(void *, size_t, size_t, size_t, FILE *);
extern char *__carapace_fgets(char *, int, FILE *) __carapace_alias(fgets);
extern size_t __carapace_fread(void *, size_t, size_t, FILE *) __carapace_alias(fread);

/* Macros, not inline functions: clang cannot pass "..." on (no __builtin_va_arg_pack). */
#define sprintf(s, ...) __sprintf_chk(s, __carapace_fortify_flag, __carapace_bos(s), __VA_ARGS__)
#define vsprintf(s, f, ap) __vsprintf_chk(s, __carapace_fortify_flag, __carapace_bos(s), f, ap)
#define snprintf(s, n, ...) \
	__snprintf_chk(s, n, __carapace_fortify_flag, __carapace_bos(s), __VA_ARGS__)
#define vsnprintf(s, n, f, ap) \
	__vsnprintf_chk(s, n, __carapace_fortify_flag, __carapace_bos(s), f, ap)

/* Only the %n rule is left to check in these: level 2 only. */
#if _FORTIFY_SOURCE > 1
#define printf(...) __printf_chk(__carapace_fortify_flag, __VA_ARGS__)
#define vprintf(f, ap) __vprintf_chk(__carapace_fortify_flag, f, ap)
#define fprintf(fp, ...) __fprintf_chk(fp, __carapace_fortify_flag, __VA_ARGS__)
#define vfprintf(fp, f, ap) __vfprintf_chk(fp, __carapace_fortify_flag, f, ap)
#endif

__carapace_fortify_fn char *fgets(char *__restrict __s, int __n, FILE *__restrict __f)
{
	return __carapace_checked(__n, 1, __carapace_bos(__s), __carapace_fgets(__s, __n, __f),
				  __fgets_chk(__s, __carapace_bos(__s), __n, __f));
}

__carapace_fortify_fn size_t fread(void *__restrict __p, size_t __size, size_t __n,
				   FILE *__restrict __f)
{
	return __carapace_checked(__n, __size ? __size : 1, __carapace_bos0(__p),
				  __carapace_fread(__p, __size, __n, __f),
				  __fread_chk(__p, __carapace_bos0(__p), __size, __n, __f));
}

#if defined(__CARAPACE_POSIX) && _FORTIFY_SOURCE > 1
int __dprintf_chk(int, int, const char *, ...);
int __vdprintf_chk(int, int, const char *, __isoc_va_list);
#define dprintf(fd, ...) __dprintf_chk(fd, __carapace_fortify_flag, __VA_ARGS__)
#define vdprintf(fd, f, ap) __vdprintf_chk(fd, __carapace_fortify_flag, f, ap)
#endif

#ifdef __CARAPACE_BSD
size_t __fread_unlocked_chk(void *, size_t, size_t, size_t, FILE *);
extern size_t __carapace_fread_unlocked(void *, size_t, size_t, FILE *)
	__carapace_alias(fread_unlocked);

__carapace_fortify_fn size_t fread_unlocked(void *__p, size_t __size, size_t __n, FILE *__f)
{
	return __carapace_checked(__n, __size ? __size : 1, __carapace_bos0(__p),
				  __carapace_fread_unlocked(__p, __size, __n, __f),
				  __fread_unlocked_chk(__p, __carapace_bos0(__p), __size, __n, __f));
}

#if _FORTIFY_SOURCE > 1
int __asprintf_chk(char **, int, const char *, ...);
int __vasprintf_chk(char **, int, const char *, __isoc_va_list);
#define asprintf(r, ...) __asprintf_chk(r, __carapace_fortify_flag, __VA_ARGS__)
#define vasprintf(r, f, ap) __vasprintf_chk(r, __carapace_fortify_flag, f, ap)
#endif
#endif

#ifdef _GNU_SOURCE
char *__fgets_unlocked_chk(char *, size_t, int, FILE *);
extern char *__carapace_fgets_unlocked(char *, int, FILE *) __carapace_alias(fgets_unlocked);

__carapace_fortify_fn char *fgets_unlocked(char *__s, int __n, FILE *__f)
{
	return __carapace_checked(__n, 1, __carapace_bos(__s),
				  __carapace_fgets_unlocked(__s, __n, __f),
				  __fgets_unlocked_chk(__s, __carapace_bos(__s), __n, __f));
}
#endif

#endif
