# tests/bench: the floor image, a trivial Multiboot kernel that exits at once
# (see floor.S); scripts/bench compares a Carapace boot with it.

BENCH_FLOOR := $(BUILD)/bench/floor.bin

BENCH_HOST_SYSCALL := $(BUILD)/bench/host_syscall

# The packet classifier on the host, -O2 (classifier_bench.c).
BENCH_CLASSIFIER := $(BUILD)/bench/classifier_bench
CLASSIFIER_BENCH_SRCS := kernel/net/siphash.c kernel/net/frame_check.c \
	kernel/net/classifier.c kernel/net/channel.c kernel/sync/ring.c kernel/lib/fmt.c

# The heap benchmark (heap_bench.c): a Carapace application, and on the
# host with glibc's malloc and with the hardened allocator's core.
BENCH_HEAP := $(BUILD)/bench/heap_bench.so $(BUILD)/bench/heap_bench_glibc \
	$(BUILD)/bench/heap_bench_halloc

.PHONY: bench-build
bench-build: $(BENCH_FLOOR) $(BENCH_HOST_SYSCALL) $(BENCH_HEAP) $(BENCH_CLASSIFIER)

$(BUILD)/bench/heap_bench.so: tests/bench/heap_bench.c scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -O2 -o $@ $<

$(BUILD)/bench/heap_bench_glibc: tests/bench/heap_bench.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra $< -lpthread -o $@

$(BUILD)/bench/heap_bench_halloc: tests/bench/heap_bench.c $(HALLOC_SRCS) hardening/halloc_impl.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -DBENCH_HALLOC -Ikernel/include $< $(HALLOC_SRCS) -lpthread -o $@

$(BENCH_CLASSIFIER): tests/bench/classifier_bench.c tests/unit/frames.h $(CLASSIFIER_BENCH_SRCS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Ikernel/include -Itests/unit $< $(CLASSIFIER_BENCH_SRCS) -o $@

# A Linux system call on the host, beside Carapace's (see host_syscall.c).
$(BENCH_HOST_SYSCALL): tests/bench/host_syscall.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra $< -o $@

$(BUILD)/bench/floor.o: tests/bench/floor.S
	@mkdir -p $(dir $@)
	$(CC) -m32 -target i386-unknown-none-elf -c $< -o $@

$(BUILD)/bench/floor.elf: $(BUILD)/bench/floor.o
	$(LD) -m elf_i386 -nostdlib -static -Ttext=0x100000 -e floor_start -o $@ $<

$(BENCH_FLOOR): $(BUILD)/bench/floor.elf
	$(OBJCOPY) -O binary $< $@

# The network benchmark (scripts/bench-net, make bench-net): the epoll echo
# server and the sink as Carapace applications and, built the same from the
# same source, as static musl programs for the Linux guest
# (scripts/linux-guest); the host's client.
BENCH_NET_GUEST := net_echo net_sink
BENCH_NET := $(BENCH_NET_GUEST:%=$(BUILD)/bench/%.so) \
	$(BENCH_NET_GUEST:%=$(BUILD)/bench/linux/%) $(BUILD)/bench/net_client

.PHONY: bench-net-build
bench-net-build: $(BENCH_NET)

$(BUILD)/bench/net_%.so: tests/bench/net_%.c tests/bench/net_common.h scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -O2 -Wall -Wextra -o $@ $<

$(BUILD)/bench/linux/net_%: tests/bench/net_%.c tests/bench/net_common.h
	@mkdir -p $(dir $@)
	musl-gcc -static -O2 -Wall -Wextra -o $@ $<

$(BUILD)/bench/net_client: tests/bench/net_client.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra $< -o $@
