# kernel/sync: sources of this component (see its README.md).
KERNEL_PORTABLE_SRCS += kernel/sync/mpsc.c kernel/sync/ring.c
KERNEL_ONLY_SRCS += \
	kernel/sync/waitqueue.c \
	kernel/sync/mutex.c \
	kernel/sync/cond.c \
	kernel/sync/sem.c \
	kernel/sync/rcu.c \
	kernel/sync/futex.c \
	kernel/sync/sync_ktests.c
