# Host unit tests: each tests/unit/test_*.c is one cmocka program, linked
# with every portable kernel source built for the host under ASan+UBSan.
# Included by the top-level Makefile (uses CC, BUILD, KERNEL_PORTABLE_SRCS).

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/host/tests/%,$(UNIT_SRCS))
UNIT_OBJS := $(patsubst tests/unit/%.c,$(BUILD)/host/obj/tests/unit/%.o,$(UNIT_SRCS))

HOST_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# _POSIX_C_SOURCE: strnlen is POSIX, not C11, in the host's <string.h>.
HOST_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
	$(HOST_SANFLAGS) -Ikernel/include -MMD -MP
HOST_PORTABLE_OBJS := $(patsubst %.c,$(BUILD)/host/obj/%.o,$(KERNEL_PORTABLE_SRCS))

.PHONY: host-tests
host-tests: $(UNIT_BINS)

$(BUILD)/host/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

# Objects (and their .d files) stay in obj/, so tests/ holds only programs.
$(BUILD)/host/tests/%: $(BUILD)/host/obj/tests/unit/%.o $(HOST_PORTABLE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_SANFLAGS) $< $(HOST_PORTABLE_OBJS) -lcmocka -lm -lpthread -o $@

# Keep the objects: make would delete them as intermediate files.
.SECONDARY: $(UNIT_OBJS) $(HOST_PORTABLE_OBJS)

# ThreadSanitizer builds of the tests that run real threads: test_X_tsan
# beside test_X, from objects of their own (TSan cannot share a program with
# ASan). tsan_options.c makes the first race end the run with status 66.
TSAN_TESTS := test_mpsc test_ring test_halloc test_channel
TSAN_BINS := $(patsubst %,$(BUILD)/host/tests/%_tsan,$(TSAN_TESTS))
TSAN_OBJS := $(patsubst %,$(BUILD)/host/obj-tsan/tests/unit/%.o,$(TSAN_TESTS) tsan_options)
HOST_TSAN_CFLAGS := $(filter-out $(HOST_SANFLAGS),$(HOST_CFLAGS)) \
	-fsanitize=thread -fno-omit-frame-pointer
HOST_TSAN_PORTABLE_OBJS := $(patsubst %.c,$(BUILD)/host/obj-tsan/%.o,$(KERNEL_PORTABLE_SRCS))

host-tests: $(TSAN_BINS)

$(BUILD)/host/obj-tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_TSAN_CFLAGS) -c $< -o $@

$(BUILD)/host/tests/%_tsan: $(BUILD)/host/obj-tsan/tests/unit/%.o \
		$(BUILD)/host/obj-tsan/tests/unit/tsan_options.o $(HOST_TSAN_PORTABLE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=thread $^ -lcmocka -lm -lpthread -o $@

.SECONDARY: $(TSAN_OBJS) $(HOST_TSAN_PORTABLE_OBJS)

# The system call handlers that need the kernel's subsystems
# (kernel/syscall/sys_*.c, with the futexes, the VFS's mounts and the locks
# they take) on the host, against the fake kernel of kernel_fakes.c (see
# kernel_fakes.h): built with kernel/syscall's private header and
# CARAPACE_HOST_IRQS (spinlock.h's _irq variants then leave the interrupt
# flag alone: CLI faults outside ring 0). The test_ksys_* programs and
# fuzz_syscall link them.
KCORE_SRCS := kernel/syscall/sys_files.c kernel/syscall/sys_file_sync.c kernel/syscall/sys_memory.c \
	kernel/syscall/sys_signal.c kernel/syscall/sys_signalfd.c kernel/syscall/sys_thread.c \
	kernel/sync/futex.c \
	kernel/syscall/sys_itimer.c kernel/syscall/sys_timer.c kernel/syscall/sys_prctl.c \
	kernel/syscall/sys_poll.c kernel/syscall/sys_net.c kernel/syscall/sys_epoll.c \
	kernel/fs/mount.c kernel/fs/app_files.c kernel/fs/proc_system.c kernel/sync/mutex.c \
	kernel/sync/waitqueue.c tests/unit/kernel_fakes.c
KCORE_INC := -DCARAPACE_HOST_IRQS -Ikernel/syscall -Itests/unit
HOST_KCORE_OBJS := $(patsubst %.c,$(BUILD)/host/obj-kcore/%.o,$(KCORE_SRCS))
KSYS_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_ksys_*.c))
KSYS_BINS := $(patsubst %,$(BUILD)/host/tests/%,$(KSYS_TESTS))

$(BUILD)/host/obj-kcore/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCORE_INC) $(HOST_CFLAGS) -c $< -o $@

$(patsubst %,$(BUILD)/host/obj/tests/unit/%.o,$(KSYS_TESTS)): HOST_CFLAGS := $(KCORE_INC) $(HOST_CFLAGS)

$(KSYS_BINS): $(BUILD)/host/tests/%: $(BUILD)/host/obj/tests/unit/%.o $(HOST_PORTABLE_OBJS) $(HOST_KCORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_SANFLAGS) $^ -lcmocka -lm -lpthread -o $@

.SECONDARY: $(HOST_KCORE_OBJS)

# Carapace's memcached core (apps/memcache, issue 16): its portable files
# are linked into test_mc_proto alone (they are application code, not
# kernel sources).
MC_CORE_OBJS := $(patsubst %.c,$(BUILD)/host/obj/%.o,apps/memcache/mc_cache.c apps/memcache/mc_proto.c)
$(BUILD)/host/tests/test_mc_proto: $(BUILD)/host/obj/tests/unit/test_mc_proto.o $(MC_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_SANFLAGS) $^ -lcmocka -o $@
.SECONDARY: $(MC_CORE_OBJS)
