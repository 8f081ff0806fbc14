# kernel/mm: sources of this component (see its README.md).
KERNEL_PORTABLE_SRCS += kernel/mm/pfa.c
KERNEL_ONLY_SRCS += kernel/mm/memory.c kernel/mm/app_memory.c kernel/mm/app_layout.c
