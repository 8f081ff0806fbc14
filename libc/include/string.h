/* <string.h>: musl's, with fortified copies (carapace-fortify.h). */
#include_next <string.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_STRING_H)
#define CARAPACE_FORTIFY_STRING_H

void *__memcpy_chk(void *, const void *, size_t, size_t);
void *__memmove_chk(void *, const void *, size_t, size_t);
void *__memset_chk(void *, int, size_t, size_t);
char *__strcpy_chk(char *, const char *, size_t);
char *__strncpy_chk(char *, const char *, size_t, size_t);
char *__strcat_chk(char *, const char *, size_t);
char *__strncat_chk(char *, const char *, size_t, size_t);

/* gcc and clang fold these builtins into the plain call when the size is unknown or fits. */
__carapace_fortify_fn void *memcpy(void *__restrict __d, const void *__restrict __s, size_t __n)
{
	return __builtin___memcpy_chk(__d, __s, __n, __carapace_bos0(__d));
}

__carapace_fortify_fn void *memmove(void *__d, const void *__s, size_t __n)
{
	return __builtin___memmove_chk(__d, __s, __n, __carapace_bos0(__d));
}

__carapace_fortify_fn void *memset(void *__d, int __c, size_t __n)
{
	return __builtin___memset_chk(__d, __c, __n, __carapace_bos0(__d));
}

__carapace_fortify_fn char *strcpy(char *__restrict __d, const char *__restrict __s)
{
	return __builtin___strcpy_chk(__d, __s, __carapace_bos(__d));
}

__carapace_fortify_fn char *strncpy(char *__restrict __d, const char *__restrict __s, size_t __n)
{
	return __builtin___strncpy_chk(__d, __s, __n, __carapace_bos(__d));
}

__carapace_fortify_fn char *strcat(char *__restrict __d, const char *__restrict __s)
{
	return __builtin___strcat_chk(__d, __s, __carapace_bos(__d));
}

__carapace_fortify_fn char *strncat(char *__restrict __d, const char *__restrict __s, size_t __n)
{
	return __builtin___strncat_chk(__d, __s, __n, __carapace_bos(__d));
}

#ifdef __CARAPACE_POSIX
char *__stpcpy_chk(char *, const char *, size_t);
char *__stpncpy_chk(char *, const char *, size_t, size_t);

__carapace_fortify_fn char *stpcpy(char *__restrict __d, const char *__restrict __s)
{
	return __builtin___stpcpy_chk(__d, __s, __carapace_bos(__d));
}

__carapace_fortify_fn char *stpncpy(char *__restrict __d, const char *__restrict __s, size_t __n)
{
	return __builtin___stpncpy_chk(__d, __s, __n, __carapace_bos(__d));
}
#endif

#ifdef __CARAPACE_BSD
void __explicit_bzero_chk(void *, size_t, size_t);
extern void __carapace_explicit_bzero(void *, size_t) __carapace_alias(explicit_bzero);

__carapace_fortify_fn void explicit_bzero(void *__d, size_t __n)
{
	size_t __sz = __carapace_bos0(__d);

	if (__carapace_fits(__n, 1, __sz))
		__carapace_explicit_bzero(__d, __n);
	else
		__explicit_bzero_chk(__d, __n, __sz);
}
#endif

#ifdef _GNU_SOURCE
void *__mempcpy_chk(void *, const void *, size_t, size_t);
extern void *__carapace_mempcpy(void *, const void *, size_t) __carapace_alias(mempcpy);

__carapace_fortify_fn void *mempcpy(void *__restrict __d, const void *__restrict __s, size_t __n)
{
	size_t __sz = __carapace_bos0(__d);

	if (__carapace_fits(__n, 1, __sz))
		return __carapace_mempcpy(__d, __s, __n);
	return __mempcpy_chk(__d, __s, __n, __sz);
}
#endif

#endif
