/* <unistd.h>: musl's, with fortified copies (carapace-fortify.h). */
#include_next <unistd.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && !defined(CARAPACE_FORTIFY_UNISTD_H)
#define CARAPACE_FORTIFY_UNISTD_H

ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __pread_chk(int, void *, size_t, off_t, size_t);
ssize_t __readlink_chk(const char *, char *, size_t, size_t);
ssize_t __readlinkat_chk(int, const char *, char *, size_t, size_t);
char *__getcwd_chk(char *, size_t, size_t);
int __gethostname_chk(char *, size_t, size_t);
int __getlogin_r_chk(char *, size_t, size_t);
int __ttyname_r_chk(int, char *, size_t, size_t);
size_t __confstr_chk(int, char *, size_t, size_t);
int __getgroups_chk(int, gid_t *, size_t);
extern ssize_t __carapace_read(int, void *, size_t) __carapace_alias(read);
extern ssize_t __carapace_pread(int, void *, size_t, off_t) __carapace_alias(pread);
extern ssize_t __carapace_readlink(const char *, char *, size_t) __carapace_alias(readlink);
extern ssize_t __carapace_readlinkat(int, const char *, char *, size_t)
	__carapace_alias(readlinkat);
extern char *__carapace_getcwd(char *, size_t) __carapace_alias(getcwd);
extern int __carapace_gethostname(char *, size_t) __carapace_alias(gethostname);
extern int __carapace_getlogin_r(char *, size_t) __carapace_alias(getlogin_r);
extern int __carapace_ttyname_r(int, char *, size_t) __carapace_alias(ttyname_r);
extern size_t __carapace_confstr(int, char *, size_t) __carapace_alias(confstr);
extern int __carapace_getgroups(int, gid_t *) __carapace_alias(getgroups);

__carapace_fortify_fn ssize_t read(int __fd, void *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos0(__b), __carapace_read(__fd, __b, __n),
				  __read_chk(__fd, __b, __n, __carapace_bos0(__b)));
}

__carapace_fortify_fn ssize_t pread(int __fd, void *__b, size_t __n, off_t __o)
{
	return __carapace_checked(__n, 1, __carapace_bos0(__b), __carapace_pread(__fd, __b, __n, __o),
				  __pread_chk(__fd, __b, __n, __o, __carapace_bos0(__b)));
}

__carapace_fortify_fn ssize_t readlink(const char *__restrict __p, char *__restrict __b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_readlink(__p, __b, __n),
				  __readlink_chk(__p, __b, __n, __carapace_bos(__b)));
}

__carapace_fortify_fn ssize_t readlinkat(int __fd, const char *__restrict __p,
					 char *__restrict __b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b),
				  __carapace_readlinkat(__fd, __p, __b, __n),
				  __readlinkat_chk(__fd, __p, __b, __n, __carapace_bos(__b)));
}

__carapace_fortify_fn char *getcwd(char *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_getcwd(__b, __n),
				  __getcwd_chk(__b, __n, __carapace_bos(__b)));
}

__carapace_fortify_fn int gethostname(char *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_gethostname(__b, __n),
				  __gethostname_chk(__b, __n, __carapace_bos(__b)));
}

__carapace_fortify_fn int getlogin_r(char *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_getlogin_r(__b, __n),
				  __getlogin_r_chk(__b, __n, __carapace_bos(__b)));
}

__carapace_fortify_fn int ttyname_r(int __fd, char *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_ttyname_r(__fd, __b, __n),
				  __ttyname_r_chk(__fd, __b, __n, __carapace_bos(__b)));
}

__carapace_fortify_fn size_t confstr(int __name, char *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_confstr(__name, __b, __n),
				  __confstr_chk(__name, __b, __n, __carapace_bos(__b)));
}

__carapace_fortify_fn int getgroups(int __n, gid_t *__l)
{
	return __carapace_checked(__n, sizeof(gid_t), __carapace_bos(__l),
				  __carapace_getgroups(__n, __l),
				  __getgroups_chk(__n, __l, __carapace_bos(__l)));
}

#ifdef __CARAPACE_BSD
int __getdomainname_chk(char *, size_t, size_t);
extern int __carapace_getdomainname(char *, size_t) __carapace_alias(getdomainname);

__carapace_fortify_fn int getdomainname(char *__b, size_t __n)
{
	return __carapace_checked(__n, 1, __carapace_bos(__b), __carapace_getdomainname(__b, __n),
				  __getdomainname_chk(__b, __n, __carapace_bos(__b)));
}
#endif

#endif
