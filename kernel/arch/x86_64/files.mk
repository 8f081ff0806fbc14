# kernel/arch/x86_64: the hardware (see kernel/README.md); kernel-only.
KERNEL_ONLY_SRCS += \
	kernel/arch/x86_64/boot.S \
	kernel/arch/x86_64/reloc.c \
	kernel/arch/x86_64/entry.S \
	kernel/arch/x86_64/cpu.c \
	kernel/arch/x86_64/mmu.c \
	kernel/arch/x86_64/tlb.c \
	kernel/arch/x86_64/multiboot.c \
	kernel/arch/x86_64/traps.c \
	kernel/arch/x86_64/nmi.c \
	kernel/arch/x86_64/serial.c \
	kernel/arch/x86_64/power.c \
	kernel/arch/x86_64/tsc.c \
	kernel/arch/x86_64/rtc.c \
	kernel/arch/x86_64/irq.c \
	kernel/arch/x86_64/ioapic.c \
	kernel/arch/x86_64/lapic.c \
	kernel/arch/x86_64/smp.c \
	kernel/arch/x86_64/ap_boot.S \
	kernel/arch/x86_64/smp_ktests.c \
	kernel/arch/x86_64/syscall_entry.S \
	kernel/arch/x86_64/app_copy.S \
	kernel/arch/x86_64/switch.S \
	kernel/arch/x86_64/fpu.c
