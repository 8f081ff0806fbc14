/* <syslog.h>: musl's, with the %n rule of level 2 (carapace-fortify.h). */
#include_next <syslog.h>
#include <carapace-fortify.h>

#if defined(CARAPACE_FORTIFY) && _FORTIFY_SOURCE > 1 && !defined(CARAPACE_FORTIFY_SYSLOG_H)
#define CARAPACE_FORTIFY_SYSLOG_H

void __syslog_chk(int, int, const char *, ...);
#define syslog(pri, ...) __syslog_chk(pri, __carapace_fortify_flag, __VA_ARGS__)

#ifdef __CARAPACE_BSD
void __vsyslog_chk(int, int, const char *, va_list);
#define vsyslog(pri, f, ap) __vsyslog_chk(pri, __carapace_fortify_flag, f, ap)
#endif

#endif
