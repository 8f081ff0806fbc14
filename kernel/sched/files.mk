# kernel/sched: sources of this component (see its README.md).
KERNEL_PORTABLE_SRCS += kernel/sched/minheap.c kernel/sched/decay.c
KERNEL_ONLY_SRCS += kernel/sched/sched.c kernel/sched/thread.c kernel/sched/sched_ktests.c
