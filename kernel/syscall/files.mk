# kernel/syscall: sources of this component (see its README.md).
# Portable sources go in KERNEL_PORTABLE_SRCS, kernel-only ones in KERNEL_ONLY_SRCS.
KERNEL_PORTABLE_SRCS += \
	kernel/syscall/syscall_table.c \
	kernel/syscall/syscall_dispatch.c \
	kernel/syscall/sys_process.c \
	kernel/syscall/sys_sched.c \
	kernel/syscall/sys_time.c \
	kernel/syscall/sys_device.c
# The handlers that need the kernel's subsystems (files, memory, signals,
# threads, poll), the kernel's side of the layer (syscalls.c) and their
# in-kernel tests. The handlers also build on the host against a fake
# kernel: KCORE_SRCS in tests/files.mk.
KERNEL_ONLY_SRCS += \
	kernel/syscall/syscalls.c \
	kernel/syscall/sys_files.c \
	kernel/syscall/sys_file_sync.c \
	kernel/syscall/sys_memory.c \
	kernel/syscall/sys_signal.c \
	kernel/syscall/sys_signalfd.c \
	kernel/syscall/sys_poll.c \
	kernel/syscall/sys_net.c \
	kernel/syscall/sys_epoll.c \
	kernel/syscall/sys_thread.c \
	kernel/syscall/sys_itimer.c \
	kernel/syscall/sys_timer.c \
	kernel/syscall/sys_prctl.c \
	kernel/syscall/sys_ktests.c \
	kernel/syscall/sys_poll_ktests.c \
	kernel/syscall/syscall_buffer_ktests.c
