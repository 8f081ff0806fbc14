# tests/bench: the floor image, a trivial Multiboot kernel that exits at once
# (see floor.S); scripts/bench compares a Carapace boot with it.

BENCH_FLOOR := $(BUILD)/bench/floor.bin

BENCH_HOST_SYSCALL := $(BUILD)/bench/host_syscall

.PHONY: bench-build
bench-build: $(BENCH_FLOOR) $(BENCH_HOST_SYSCALL)

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
