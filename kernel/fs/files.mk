# kernel/fs: sources of this component (see its README.md).
# Portable sources go in KERNEL_PORTABLE_SRCS, kernel-only ones in KERNEL_ONLY_SRCS.
KERNEL_PORTABLE_SRCS += \
	kernel/fs/vfs.c \
	kernel/fs/file.c \
	kernel/fs/fdtable.c \
	kernel/fs/ramfs.c \
	kernel/fs/bootfs.c \
	kernel/fs/devfs.c \
	kernel/fs/pipe.c \
	kernel/fs/eventfd.c \
	kernel/fs/socket.c \
	kernel/fs/unix_socket.c \
	kernel/fs/epoll.c \
	kernel/fs/timerfd.c \
	kernel/fs/procfs.c
# The kernel's side: what is mounted where at boot and the VFS lock
# (mount.c); the application's descriptor table and working directory
# (app_files.c); /proc's system files and /etc/services (proc_system.c).
KERNEL_ONLY_SRCS += kernel/fs/mount.c kernel/fs/app_files.c kernel/fs/proc_system.c
