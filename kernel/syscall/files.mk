# kernel/syscall: sources of this component (see its README.md).
# Portable sources go in KERNEL_PORTABLE_SRCS, kernel-only ones in KERNEL_ONLY_SRCS.
