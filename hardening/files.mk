# hardening/: the hardened allocator (portable core, also in host tests,
# fuzzers and the host build of tests/bench/heap_bench.c) and its kernel
# glue. Included by the top-level Makefile after kernel/files.mk.
HALLOC_SRCS := hardening/halloc.c hardening/halloc_layout.c hardening/halloc_cache.c
KERNEL_PORTABLE_SRCS += $(HALLOC_SRCS)
KERNEL_ONLY_SRCS += hardening/heaps.c hardening/heap_ktests.c
# The settings, the kernel's stack protector, read-only after boot, guards=show.
KERNEL_ONLY_SRCS += hardening/settings.c hardening/stack_chk_fail.c hardening/guards.c \
	hardening/hardening_ktests.c
# Tests that commit undefined behaviour on purpose: in every kernel, so that
# the plain one shows what happens without the sanitizer.
KERNEL_ONLY_SRCS += hardening/ubsan_ktests.c
# SAN=ubsan (README.md, "Sanitized builds"): the checks Clang compiles into
# the kernel and musl's glue, and their runtime. Bounds are array-bounds
# only: local-bounds traps with ud2 instead of calling a handler. Every
# handler returns (-fsanitize-recover), so that ubsan=recover can go on;
# ubsan=abort ends the run inside the handler.
UBSAN_CHECKS := array-bounds,shift,signed-integer-overflow,integer-divide-by-zero,alignment,null,object-size,pointer-overflow,vla-bound,bool,enum,builtin,unreachable,nonnull-attribute,returns-nonnull-attribute
UBSAN_CFLAGS := -fsanitize=$(UBSAN_CHECKS) -fsanitize-recover=all -DCARAPACE_SAN_UBSAN=1
ifeq ($(SAN),ubsan)
KERNEL_ONLY_SRCS += hardening/ubsan.c
# Built without the checks (the top-level Makefile): the runtime, which must
# not check itself, and reloc.c, which runs before the image's pointers (the
# checks' source locations among them) are slid.
UBSAN_UNCHECKED_SRCS := hardening/ubsan.c kernel/arch/x86_64/reloc.c
endif
# SAN=kasan (README.md, "Sanitized builds"): Clang's kernel address
# sanitizer, outline (every check a call to hardening/kasan.c), with the
# shadow's offset read from a variable (__asan_shadow_memory_dynamic_address)
# so that the shadow can sit at a random address. Stack redzones are set by
# calls where Clang allows it (max-inline-poisoning-size=0); variable-length
# arrays and use after return are not instrumented.
KASAN_CFLAGS := -fsanitize=kernel-address -mllvm -asan-instrumentation-with-call-threshold=0 \
	-mllvm -asan-stack=1 -mllvm -asan-globals=1 -mllvm -asan-max-inline-poisoning-size=0 \
	-mllvm -asan-force-dynamic-shadow=1 -mllvm -asan-instrument-dynamic-allocas=0 \
	-mllvm -asan-use-after-return=never -DCARAPACE_SAN_KASAN=1
# Tests that commit each class of memory bug on purpose: in every kernel.
KERNEL_ONLY_SRCS += hardening/kasan_ktests.c
ifeq ($(SAN),kasan)
KERNEL_ONLY_SRCS += hardening/kasan.c
# Built without the checks: the runtime itself; reloc.c, which runs before
# the image is slid; the allocator's core, which reads and writes its
# blocks' redzones and freed slots (the canary, the zeroing) by design.
KASAN_UNCHECKED_SRCS := hardening/kasan.c kernel/arch/x86_64/reloc.c $(HALLOC_SRCS)
endif
