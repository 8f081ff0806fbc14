# kernel/boot: sources of this component (see its README.md).
KERNEL_PORTABLE_SRCS += \
	kernel/boot/options.c \
	kernel/boot/ksym.c \
	kernel/boot/libc_crash.c \
	kernel/boot/kexports.c
KERNEL_ONLY_SRCS += \
	kernel/boot/main.c \
	kernel/boot/boot_steps.c \
	kernel/boot/console.c \
	kernel/boot/report.c \
	kernel/boot/images.c \
	kernel/boot/ktests.c \
	kernel/boot/random.c
