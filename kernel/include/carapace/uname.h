/*
 * uname: what the kernel calls itself, in uname(2)'s fields
 * (kernel/syscall/sys_process.c) and /proc/version (kernel/fs/proc_system.c).
 */
#ifndef CARAPACE_UNAME_H
#define CARAPACE_UNAME_H

#define UNAME_SYSNAME "Carapace"
/* A Linux-like release: some programs parse it for a minimum version. */
#define UNAME_RELEASE "6.1.0-carapace"
#define UNAME_VERSION "#1 SMP Carapace"
#define UNAME_MACHINE "x86_64"

#endif
