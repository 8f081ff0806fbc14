# hardening/: the hardened allocator (portable core, also in host tests,
# fuzzers and the host build of tests/bench/heap_bench.c) and its kernel
# glue. Included by the top-level Makefile after kernel/files.mk.
HALLOC_SRCS := hardening/halloc.c hardening/halloc_layout.c
KERNEL_PORTABLE_SRCS += $(HALLOC_SRCS)
KERNEL_ONLY_SRCS += hardening/heaps.c hardening/heap_ktests.c
# The settings, the kernel's stack protector, read-only after boot, guards=show.
KERNEL_ONLY_SRCS += hardening/settings.c hardening/stack_chk_fail.c hardening/guards.c \
	hardening/hardening_ktests.c
