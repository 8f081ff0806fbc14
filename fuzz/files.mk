# libFuzzer harnesses: each fuzz/fuzz_*.c is linked with every portable
# kernel source, all built with the fuzzer and ASan+UBSan.
# Included by the top-level Makefile (uses CC, BUILD, KERNEL_PORTABLE_SRCS).

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst fuzz/%.c,$(BUILD)/fuzz/obj/fuzz/%.o,$(FUZZ_SRCS))

FUZZ_SANFLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
	$(FUZZ_SANFLAGS) -Ikernel/include -MMD -MP
FUZZ_PORTABLE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(KERNEL_PORTABLE_SRCS))

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BINS)

# Objects get the fuzzer's coverage hooks; libFuzzer's main() comes at link.
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(subst fuzzer,fuzzer-no-link,$(FUZZ_CFLAGS)) -c $< -o $@

$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/fuzz/%.o $(FUZZ_PORTABLE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_SANFLAGS) $< $(FUZZ_PORTABLE_OBJS) -o $@

# Keep the objects: make would delete them as intermediate files.
.SECONDARY: $(FUZZ_OBJS)

# fuzz_syscall also runs the kernel's system call handlers (kernel/syscall), on the fake kernel of
# tests/unit/kernel_fakes.c (KCORE_SRCS and KCORE_INC: tests/files.mk).
FUZZ_KCORE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj-kcore/%.o,$(KCORE_SRCS))

$(BUILD)/fuzz/obj-kcore/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCORE_INC) $(subst fuzzer,fuzzer-no-link,$(FUZZ_CFLAGS)) -c $< -o $@

$(BUILD)/fuzz/obj/fuzz/fuzz_syscall.o: FUZZ_CFLAGS := $(KCORE_INC) $(FUZZ_CFLAGS)

$(BUILD)/fuzz/fuzz_syscall: $(BUILD)/fuzz/obj/fuzz/fuzz_syscall.o $(FUZZ_PORTABLE_OBJS) $(FUZZ_KCORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_SANFLAGS) $^ -lpthread -o $@

.SECONDARY: $(FUZZ_KCORE_OBJS)
