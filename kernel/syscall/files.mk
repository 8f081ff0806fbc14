# kernel/syscall: sources of this component (see its README.md).
# Portable sources go in KERNEL_PORTABLE_SRCS, kernel-only ones in KERNEL_ONLY_SRCS.
KERNEL_PORTABLE_SRCS += \
	kernel/syscall/syscall_table.c \
	kernel/syscall/syscall_dispatch.c \
	kernel/syscall/sys_process.c \
	kernel/syscall/sys_time.c \
	kernel/syscall/sys_device.c
