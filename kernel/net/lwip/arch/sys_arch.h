/*
 * arch/sys_arch.h: lwIP's operating-system types on the kernel's own
 * (kernel/net/sys_arch.c). Each is a pointer to a kernel object allocated
 * by its sys_*_new; NULL is lwIP's "invalid".
 */
#ifndef CARAPACE_LWIP_ARCH_SYS_ARCH_H
#define CARAPACE_LWIP_ARCH_SYS_ARCH_H

#include <stdint.h>

struct sem;
struct mutex;
struct sys_mbox;
struct thread;

typedef struct sem *sys_sem_t;
typedef struct mutex *sys_mutex_t;
typedef struct sys_mbox *sys_mbox_t;
typedef struct thread *sys_thread_t;
/* The interrupt flag as sys_arch_protect found it. */
typedef uint64_t sys_prot_t;

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL  NULL

#endif
