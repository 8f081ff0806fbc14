# kernel/lib: small libraries every folder may call (see its README.md).
KERNEL_PORTABLE_SRCS += kernel/lib/fmt.c kernel/lib/date.c kernel/lib/app_copy_host.c
KERNEL_ONLY_SRCS += kernel/lib/string.c kernel/lib/int128.c
