/*
 * <wchar.h>: musl's, with fortified copies (carapace-fortify.h). Sizes
 * passed to the wide checks count wchar_t, as glibc's headers pass them.
 */
#include_next <wchar.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_WCHAR_H)
#define CARAPACE_FORTIFY_WCHAR_H

/* The room at p, in wide characters. */
#define __carapace_wbos0(p) (__carapace_bos0(p) / sizeof(wchar_t))
#define __carapace_wbos(p) (__carapace_bos(p) / sizeof(wchar_t))

wchar_t *__wmemcpy_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wmemmove_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wmemset_chk(wchar_t *, wchar_t, size_t, size_t);
wchar_t *__wcscpy_chk(wchar_t *, const wchar_t *, size_t);
wchar_t *__wcsncpy_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__wcscat_chk(wchar_t *, const wchar_t *, size_t);
wchar_t *__wcsncat_chk(wchar_t *, const wchar_t *, size_t, size_t);
wchar_t *__fgetws_chk(wchar_t *, size_t, int, FILE *);
size_t __wcrtomb_chk(char *, wchar_t, mbstate_t *, size_t);
size_t __mbsrtowcs_chk(wchar_t *, const char **, size_t, mbstate_t *, size_t);
size_t __wcsrtombs_chk(char *, const wchar_t **, size_t, mbstate_t *, size_t);
int __swprintf_chk(wchar_t *, size_t, int, size_t, const wchar_t *, ...);
int __vswprintf_chk(wchar_t *, size_t, int, size_t, const wchar_t *, __isoc_va_list);
extern wchar_t *__carapace_wmemcpy(wchar_t *, const wchar_t *, size_t) __carapace_alias(wmemcpy);
extern wchar_t *__carapace_wmemmove(wchar_t *, const wchar_t *, size_t)
	__carapace_alias(wmemmove);
extern wchar_t *__carapace_wmemset(wchar_t *, wchar_t, size_t) __carapace_alias(wmemset);
extern wchar_t *__carapace_wcsncpy(wchar_t *, const wchar_t *, size_t) __carapace_alias(wcsncpy);
extern wchar_t *__carapace_fgetws(wchar_t *, int, FILE *) __carapace_alias(fgetws);
extern size_t __carapace_wcrtomb(char *, wchar_t, mbstate_t *) __carapace_alias(wcrtomb);
extern size_t __carapace_mbsrtowcs(wchar_t *, const char **, size_t, mbstate_t *)
	__carapace_alias(mbsrtowcs);
extern size_t __carapace_wcsrtombs(char *, const wchar_t **, size_t, mbstate_t *)
	__carapace_alias(wcsrtombs);

__carapace_fortify_fn wchar_t *wmemcpy(wchar_t *__restrict __d, const wchar_t *__restrict __s,
				       size_t __n)
{
	return __carapace_checked(__n, sizeof(wchar_t), __carapace_bos0(__d),
				  __carapace_wmemcpy(__d, __s, __n),
				  __wmemcpy_chk(__d, __s, __n, __carapace_wbos0(__d)));
}

__carapace_fortify_fn wchar_t *wmemmove(wchar_t *__d, const wchar_t *__s, size_t __n)
{
	return __carapace_checked(__n, sizeof(wchar_t), __carapace_bos0(__d),
				  __carapace_wmemmove(__d, __s, __n),
				  __wmemmove_chk(__d, __s, __n, __carapace_wbos0(__d)));
}

__carapace_fortify_fn wchar_t *wmemset(wchar_t *__d, wchar_t __c, size_t __n)
{
	return __carapace_checked(__n, sizeof(wchar_t), __carapace_bos0(__d),
				  __carapace_wmemset(__d, __c, __n),
				  __wmemset_chk(__d, __c, __n, __carapace_wbos0(__d)));
}

/* The copies and concatenations: their length is known only at run time. */
#define wcscpy(d, s) __wcscpy_chk(d, s, __carapace_wbos(d))
#define wcscat(d, s) __wcscat_chk(d, s, __carapace_wbos(d))
#define wcsncat(d, s, n) __wcsncat_chk(d, s, n, __carapace_wbos(d))

__carapace_fortify_fn wchar_t *wcsncpy(wchar_t *__restrict __d, const wchar_t *__restrict __s,
				       size_t __n)
{
	return __carapace_checked(__n, sizeof(wchar_t), __carapace_bos(__d),
				  __carapace_wcsncpy(__d, __s, __n),
				  __wcsncpy_chk(__d, __s, __n, __carapace_wbos(__d)));
}

__carapace_fortify_fn wchar_t *fgetws(wchar_t *__restrict __s, int __n, FILE *__restrict __f)
{
	return __carapace_checked(__n, sizeof(wchar_t), __carapace_bos(__s),
				  __carapace_fgetws(__s, __n, __f),
				  __fgetws_chk(__s, __carapace_wbos(__s), __n, __f));
}

/* wcrtomb writes up to MB_CUR_MAX (at most 4 in musl) bytes. */
__carapace_fortify_fn size_t wcrtomb(char *__restrict __s, wchar_t __wc, mbstate_t *__restrict __ps)
{
	return __carapace_checked(4, 1, __carapace_bos(__s), __carapace_wcrtomb(__s, __wc, __ps),
				  __wcrtomb_chk(__s, __wc, __ps, __carapace_bos(__s)));
}

__carapace_fortify_fn size_t mbsrtowcs(wchar_t *__restrict __d, const char **__restrict __s,
				       size_t __n, mbstate_t *__restrict __ps)
{
	return __carapace_checked(__n, sizeof(wchar_t), __carapace_bos(__d),
				  __carapace_mbsrtowcs(__d, __s, __n, __ps),
				  __mbsrtowcs_chk(__d, __s, __n, __ps, __carapace_wbos(__d)));
}

__carapace_fortify_fn size_t wcsrtombs(char *__restrict __d, const wchar_t **__restrict __s,
				       size_t __n, mbstate_t *__restrict __ps)
{
	return __carapace_checked(__n, 1, __carapace_bos(__d),
				  __carapace_wcsrtombs(__d, __s, __n, __ps),
				  __wcsrtombs_chk(__d, __s, __n, __ps, __carapace_bos(__d)));
}

#define swprintf(s, n, ...) \
	__swprintf_chk(s, n, __carapace_fortify_flag, __carapace_wbos(s), __VA_ARGS__)
#define vswprintf(s, n, f, ap) \
	__vswprintf_chk(s, n, __carapace_fortify_flag, __carapace_wbos(s), f, ap)

#if _FORTIFY_SOURCE > 1
int __wprintf_chk(int, const wchar_t *, ...);
int __vwprintf_chk(int, const wchar_t *, __isoc_va_list);
int __fwprintf_chk(FILE *, int, const wchar_t *, ...);
int __vfwprintf_chk(FILE *, int, const wchar_t *, __isoc_va_list);
#define wprintf(...) __wprintf_chk(__carapace_fortify_flag, __VA_ARGS__)
#define vwprintf(f, ap) __vwprintf_chk(__carapace_fortify_flag, f, ap)
#define fwprintf(fp, ...) __fwprintf_chk(fp, __carapace_fortify_flag, __VA_ARGS__)
#define vfwprintf(fp, f, ap) __vfwprintf_chk(fp, __carapace_fortify_flag, f, ap)
#endif

#ifdef __CARAPACE_POSIX
wchar_t *__wcpcpy_chk(wchar_t *, const wchar_t *, size_t);
wchar_t *__wcpncpy_chk(wchar_t *, const wchar_t *, size_t, size_t);
size_t __mbsnrtowcs_chk(wchar_t *, const char **, size_t, size_t, mbstate_t *, size_t);
size_t __wcsnrtombs_chk(char *, const wchar_t **, size_t, size_t, mbstate_t *, size_t);
#define wcpcpy(d, s) __wcpcpy_chk(d, s, __carapace_wbos(d))
#define wcpncpy(d, s, n) __wcpncpy_chk(d, s, n, __carapace_wbos(d))
#define mbsnrtowcs(d, s, nm, n, ps) __mbsnrtowcs_chk(d, s, nm, n, ps, __carapace_wbos(d))
#define wcsnrtombs(d, s, nw, n, ps) __wcsnrtombs_chk(d, s, nw, n, ps, __carapace_bos(d))
#endif

#endif
