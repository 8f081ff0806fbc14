# The kernel's sources, listed once by each subsystem's folder (its files.mk
# and README.md). KERNEL_PORTABLE_SRCS: plain C that builds into the kernel,
# the host unit tests and the fuzz harnesses alike (no hardware, no
# kernel-only headers). KERNEL_ONLY_SRCS: the hardware, and the glue that
# ties the portable pieces to it.
KERNEL_PORTABLE_SRCS :=
KERNEL_ONLY_SRCS :=

include kernel/arch/x86_64/files.mk
include kernel/boot/files.mk
include kernel/mm/files.mk
include kernel/sched/files.mk
include kernel/sync/files.mk
include kernel/syscall/files.mk
include kernel/fs/files.mk
include kernel/elf/files.mk
include kernel/dev/files.mk
include kernel/net/files.mk
include kernel/api/files.mk
include kernel/lib/files.mk
include aslr/files.mk
