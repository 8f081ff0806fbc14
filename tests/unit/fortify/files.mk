# Host tests of libc/fortify: tests/unit/fortify/test_fortify.c with the
# check functions built for the host (glibc's headers and library under
# them), the hooks replaced by the test's own. Included by the top-level
# Makefile after libc/files.mk and tests/files.mk.

FORTIFY_TEST := $(BUILD)/host/tests/test_fortify
FORTIFY_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/obj/%.o,$(FORTIFY_SRCS) \
	tests/unit/fortify/test_fortify.c tests/unit/fortify/fortify_calls.c)

# _GNU_SOURCE: mempcpy, explicit_bzero, the _unlocked forms; no fortifying
# of the fortify code itself.
$(FORTIFY_HOST_OBJS): HOST_CFLAGS += -D_GNU_SOURCE -U_FORTIFY_SOURCE -fno-builtin -Ilibc/fortify

host-tests: $(FORTIFY_TEST)

$(FORTIFY_TEST): $(FORTIFY_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_SANFLAGS) $^ -lcmocka -o $@

.SECONDARY: $(FORTIFY_HOST_OBJS)
