# libc/fortify: the glibc __*_chk functions (see libc/fortify/README.md).
# Included by libc/files.mk.
#
# Two kinds of source. The checks run on the application's side of the
# image: they call musl, so they are built against musl's headers and may
# use vector registers (printf's variadic arguments arrive in them); their
# stack protector reads the application thread's canary at %fs:0x28, as
# musl's own code does. The
# two hooks run the kernel's side (the reporter, the page tables) and are
# built as the kernel is; the host unit tests replace exactly these two.

FORTIFY_HOOK_SRCS := libc/fortify/fortify_fail.c libc/fortify/fortify_writable.c
FORTIFY_SRCS := $(filter-out $(FORTIFY_HOOK_SRCS),$(wildcard libc/fortify/*.c))
FORTIFY_OBJS := $(patsubst libc/fortify/%,$(BUILD)/libc/fortify/%.o,$(FORTIFY_SRCS))

LIBC_KERNEL_SRCS += $(FORTIFY_HOOK_SRCS)

MUSL_INCLUDE := /usr/include/x86_64-linux-musl
FORTIFY_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -U_FORTIFY_SOURCE \
	-nostdinc -isystem $(MUSL_INCLUDE) -isystem $(shell $(CC) -print-resource-dir)/include \
	-fpie -fno-plt -fno-omit-frame-pointer -fstack-protector-strong -MMD -MP

$(BUILD)/libc/fortify/%.c.o: libc/fortify/%.c libc/fortify/files.mk
	@mkdir -p $(dir $@)
	$(CC) $(FORTIFY_CFLAGS) -c $< -o $@
