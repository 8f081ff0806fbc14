# Portable sources: plain C that builds into the kernel, the host unit tests
# and the fuzz harnesses alike (no hardware, no kernel-only headers).
KERNEL_PORTABLE_SRCS := \
	kernel/lib/fmt.c \
	kernel/core/options.c \
	kernel/core/ksym.c \
	kernel/mm/pfa.c \
	kernel/mm/kheap.c

# Kernel-only sources: the hardware, and the glue that ties the portable
# pieces to it.
KERNEL_ONLY_SRCS := \
	kernel/arch/x86_64/boot.S \
	kernel/arch/x86_64/entry.S \
	kernel/arch/x86_64/cpu.c \
	kernel/arch/x86_64/mmu.c \
	kernel/arch/x86_64/multiboot.c \
	kernel/arch/x86_64/traps.c \
	kernel/arch/x86_64/serial.c \
	kernel/arch/x86_64/power.c \
	kernel/arch/x86_64/tsc.c \
	kernel/core/main.c \
	kernel/core/console.c \
	kernel/core/report.c \
	kernel/core/memory.c \
	kernel/core/ktests.c \
	kernel/lib/string.c
