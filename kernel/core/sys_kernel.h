/*
 * Internal to kernel/core: the system call handlers that need the kernel's
 * subsystems (files, memory, threads). The portable table (kernel/syscall/)
 * validates every argument first; syscalls.c then runs the handler that one
 * of these files put in its kernel_handlers array.
 */
#ifndef CARAPACE_SYS_KERNEL_H
#define CARAPACE_SYS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include <carapace/syscall.h>

#include "layout.h" /* the application area: APP_BRK_BASE, APP_MMAP_BASE, ... */

/* Linux x86_64 values the handlers need (the portable layer keeps its own). */
#define LX_AT_FDCWD           (-100)
#define LX_AT_SYMLINK_NOFOLLOW 0x100
#define LX_AT_REMOVEDIR       0x200
#define LX_AT_EMPTY_PATH      0x1000

/* Each file puts its handlers into the table, indexed by Linux number. */
void sys_files_register(syscall_handler_fn *table);
void sys_memory_register(syscall_handler_fn *table);
void sys_process_register(syscall_handler_fn *table);

/* mmap of a file: its bytes from off into dst (0 or -errno). */
int sys_files_copy(int fd, uint64_t off, void *dst, size_t len);

/* The SYSCALL instruction as musl issues it (for the in-kernel tests). */
long sys_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* How far brk may grow (the area itself is in layout.h). */
#define APP_BRK_MAX    (1ull << 30) /* bytes */

#endif
