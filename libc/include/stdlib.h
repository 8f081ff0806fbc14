/* <stdlib.h>: musl's, with fortified copies (carapace-fortify.h). */
#include_next <stdlib.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_STDLIB_H)
#define CARAPACE_FORTIFY_STDLIB_H

size_t __mbstowcs_chk(wchar_t *, const char *, size_t, size_t);
size_t __wcstombs_chk(char *, const wchar_t *, size_t, size_t);
int __wctomb_chk(char *, wchar_t, size_t);
extern size_t __carapace_mbstowcs(wchar_t *, const char *, size_t) __carapace_alias(mbstowcs);
extern size_t __carapace_wcstombs(char *, const wchar_t *, size_t) __carapace_alias(wcstombs);
extern int __carapace_wctomb(char *, wchar_t) __carapace_alias(wctomb);

__carapace_fortify_fn size_t mbstowcs(wchar_t *__restrict __d, const char *__restrict __s,
				      size_t __n)
{
	return __carapace_checked(__n, sizeof(wchar_t), __carapace_bos(__d),
				  __carapace_mbstowcs(__d, __s, __n),
				  __mbstowcs_chk(__d, __s, __n, __carapace_bos(__d) / sizeof(wchar_t)));
}

__carapace_fortify_fn size_t wcstombs(char *__restrict __d, const wchar_t *__restrict __s,
				      size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__d), __carapace_wcstombs(__d, __s, __n),
				  __wcstombs_chk(__d, __s, __n, __carapace_bos(__d)));
}

/* wctomb writes up to MB_CUR_MAX bytes, which is only known at run time. */
__carapace_fortify_fn int wctomb(char *__s, wchar_t __wc)
{
	return __carapace_checked(4, 1, __carapace_bos(__s), __carapace_wctomb(__s, __wc),
				  __wctomb_chk(__s, __wc, __carapace_bos(__s)));
}

#ifdef __CARAPACE_XOPEN
char *__realpath_chk(const char *, char *, size_t);
extern char *__carapace_realpath(const char *, char *) __carapace_alias(realpath);

/* realpath writes up to PATH_MAX (4096) bytes. */
__carapace_fortify_fn char *realpath(const char *__restrict __p, char *__restrict __r)
{
	return __carapace_checked(4096, 1, __carapace_bos(__r), __carapace_realpath(__p, __r),
				  __realpath_chk(__p, __r, __carapace_bos(__r)));
}
#endif

#ifdef _GNU_SOURCE
int __ptsname_r_chk(int, char *, size_t, size_t);
extern int __carapace_ptsname_r(int, char *, size_t) __carapace_alias(ptsname_r);

__carapace_fortify_fn int ptsname_r(int __fd, char *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_ptsname_r(__fd, __b, __n),
				  __ptsname_r_chk(__fd, __b, __n, __carapace_bos(__b)));
}
#endif

#endif
