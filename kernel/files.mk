# Portable sources: plain C that builds into the kernel, the host unit tests
# and the fuzz harnesses alike (no hardware, no kernel-only headers).
KERNEL_PORTABLE_SRCS := \
	kernel/lib/fmt.c \
	kernel/lib/date.c \
	kernel/lib/app_copy_host.c \
	kernel/core/options.c \
	kernel/core/ksym.c \
	kernel/core/libc_crash.c \
	kernel/core/acpi.c \
	kernel/mm/pfa.c \
	kernel/sync/mpsc.c \
	kernel/sync/ring.c \
	kernel/sched/minheap.c \
	kernel/sched/decay.c

# Kernel-only sources: the hardware, and the glue that ties the portable
# pieces to it.
KERNEL_ONLY_SRCS := \
	kernel/arch/x86_64/boot.S \
	kernel/arch/x86_64/reloc.c \
	kernel/arch/x86_64/entry.S \
	kernel/arch/x86_64/cpu.c \
	kernel/arch/x86_64/mmu.c \
	kernel/arch/x86_64/tlb.c \
	kernel/arch/x86_64/multiboot.c \
	kernel/arch/x86_64/traps.c \
	kernel/arch/x86_64/serial.c \
	kernel/arch/x86_64/power.c \
	kernel/arch/x86_64/tsc.c \
	kernel/arch/x86_64/rtc.c \
	kernel/arch/x86_64/irq.c \
	kernel/arch/x86_64/lapic.c \
	kernel/arch/x86_64/smp.c \
	kernel/arch/x86_64/ap_boot.S \
	kernel/arch/x86_64/smp_ktests.c \
	kernel/core/main.c \
	kernel/core/console.c \
	kernel/core/report.c \
	kernel/core/memory.c \
	kernel/core/app_layout.c \
	kernel/core/images.c \
	kernel/core/ktests.c \
	kernel/core/syscalls.c \
	kernel/core/random.c \
	kernel/core/fs.c \
	kernel/core/sys_files.c \
	kernel/core/sys_memory.c \
	kernel/core/sys_process.c \
	kernel/core/sys_poll.c \
	kernel/core/sys_poll_ktests.c \
	kernel/core/sys_thread.c \
	kernel/core/futex.c \
	kernel/core/sys_ktests.c \
	kernel/core/syscall_buffer_ktests.c \
	kernel/arch/x86_64/syscall_entry.S \
	kernel/arch/x86_64/app_copy.S \
	kernel/sync/waitqueue.c \
	kernel/sync/mutex.c \
	kernel/sync/cond.c \
	kernel/sync/sem.c \
	kernel/sync/rcu.c \
	kernel/sync/sync_ktests.c \
	kernel/sched/sched.c \
	kernel/sched/thread.c \
	kernel/sched/sched_ktests.c \
	kernel/arch/x86_64/switch.S \
	kernel/arch/x86_64/fpu.c \
	kernel/lib/string.c \
	kernel/lib/int128.c

# Components that keep their own source lists.
include kernel/elf/files.mk
include kernel/fs/files.mk
include kernel/syscall/files.mk
include kernel/virtio/files.mk
include kernel/net/files.mk
include aslr/files.mk
