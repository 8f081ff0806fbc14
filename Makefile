# Carapace: top-level build. See README.md for the targets.
#
#   make            build the kernel (build/carapace.bin, build/kernel.elf)
#   make test       host unit tests, QEMU integration tests, fuzz smoke runs
#   make bench      benchmarks, as ratios measured side by side
#   make bench-net [RUNS=N] [CONTROL=1]   network: Carapace against a Linux guest
#   make bench-apps [RUNS=N]   memcached and redis: Carapace against a Linux guest
#   make aslr-entropy [N=200]   ASLR entropy per region over N boots
#   make audit      the security scorecard: every attack x every defence on/off
#   make labs       run and check every command of papers/lab-manual.md
#   make evaluate   papers/evaluation.md from measured runs (~15 min)
#   make clean
#
# Each folder lists its sources once in files.mk; the kernel, the host tests
# and the fuzz harnesses all take them from there.

CC       := clang
LD       := ld.lld
OBJCOPY  := objcopy
NM       := nm
OBJDUMP  := objdump
PYTHON   := python3
BUILD    := build
# Build profiles (README.md, "Build profiles"): hardened (the default) or
# baseline (OSv-like: every defence off), built in build/baseline.
PROFILE  ?= hardened
ifeq ($(PROFILE),baseline)
BUILD    := build/baseline
endif
# Sanitized kernels (README.md, "Sanitized builds"): SAN=ubsan builds both
# images with Clang's undefined-behaviour checks and Carapace's own runtime
# (hardening/ubsan.c) into build/san-ubsan, beside the default build.
SAN      ?=
# SAN=kasan builds them with Clang's kernel address sanitizer and
# Carapace's runtime (hardening/kasan.c) into build/san-kasan.
ifeq ($(SAN),ubsan)
BUILD    := $(BUILD)/san-ubsan
else ifeq ($(SAN),kasan)
BUILD    := $(BUILD)/san-kasan
else ifneq ($(SAN),)
$(error SAN must be empty, ubsan or kasan)
endif

# The included files below define rules of their own: `make` alone still
# builds the kernel.
.DEFAULT_GOAL := all

# Written by the rule "$(KERNEL_FLAGS_FILE): FORCE" below; named here, before
# the folders' rules that list it.
KERNEL_FLAGS_FILE := $(BUILD)/kernel/flags.txt
include kernel/files.mk
include hardening/files.mk
include libc/files.mk
include tests/files.mk
include tests/unit/elf/files.mk
include tests/unit/fortify/files.mk
include fuzz/files.mk
include tests/bench/files.mk
include tests/apps/files.mk
include apps/files.mk
include audit/files.mk
# The launcher's boot filesystem packer (issue 19, boot to main).
include scripts/files.mk

ifeq ($(PROFILE),hardened)
# The stack protector's canary is read from this CPU's struct cpu at
# %gs:CPU_STACK_GUARD_OFFSET (carapace/percpu.h checks the offset). Clang 14
# honours -mstack-protector-guard=tls only for a Linux target, hence the
# triple (the kernel is still freestanding, as Linux's own is).
KERNEL_PROFILE_FLAGS := -fstack-protector-strong -mstack-protector-guard=tls \
	-mstack-protector-guard-reg=gs -mstack-protector-guard-offset=64
PROFILE_BOOT_OPTIONS :=
else ifeq ($(PROFILE),baseline)
# No stack protector, and .ro_after_init stays writable.
KERNEL_PROFILE_FLAGS := -fno-stack-protector -DHARDENING_RO_AFTER_INIT=0
# Default boot options baked into the image; the command line comes after
# them, so it can still switch one defence back on.
PROFILE_BOOT_OPTIONS := guards=off canary=constant heap=musl aslr=off wx=allow api.auth=off
else
$(error PROFILE must be hardened or baseline)
endif

# Kernel flags. The kernel never touches vector registers
# (-mgeneral-regs-only), so interrupts and system calls need not save them.
# -fpie with -fdirect-access-external-data: the kernel is one static image,
# so its code reaches every function and variable of its own RIP-relative
# (direct `call`, `lea`/`mov` from %rip), not through the GOT: no table of
# code pointers, fewer words for the boot's slide, and under QEMU's TCG a
# call chains to its target instead of a lookup per call. Absolute symbols
# of kernel/kernel.ld are read with movabs (arch/x86_64/multiboot.c).
KERNEL_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-resource-dir)/include \
	-Ikernel/include/freestanding -Ikernel/include \
	-target x86_64-unknown-linux-gnu -mno-red-zone -mgeneral-regs-only \
	-fpie -fdirect-access-external-data $(KERNEL_PROFILE_FLAGS) -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-builtin -fno-common -fno-strict-aliasing \
	'-DPROFILE_BOOT_OPTIONS="$(PROFILE_BOOT_OPTIONS)"' -MMD -MP
KERNEL_ASFLAGS := $(filter-out -std=c11,$(KERNEL_CFLAGS)) -D__ASSEMBLY__
ifeq ($(SAN),ubsan)
KERNEL_CFLAGS += $(UBSAN_CFLAGS)
$(patsubst %,$(BUILD)/kernel/%.o,$(UBSAN_UNCHECKED_SRCS)): KERNEL_CFLAGS += -fno-sanitize=all
endif
ifeq ($(SAN),kasan)
KERNEL_CFLAGS += $(KASAN_CFLAGS)
$(patsubst %,$(BUILD)/kernel/%.o,$(KASAN_UNCHECKED_SRCS)): KERNEL_CFLAGS += -fno-sanitize=all
endif
KERNEL_LDFLAGS := -nostdlib -static --no-pie -z max-page-size=4096 -z noexecstack \
	--no-relax -T kernel/kernel.ld

KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KERNEL_PORTABLE_SRCS) $(KERNEL_ONLY_SRCS)) \
	$(LWIP_OBJS)

.PHONY: all kernel san-ubsan san-kasan test-san bench-san bench-net bench-apps bench-instructions test unit-tests integration-tests fuzz-smoke bench aslr-entropy audit audit-test labs evaluate clean
all: kernel kernel-libc
kernel: $(BUILD)/carapace.bin

# Both images built with SAN=ubsan, in their own directory.
san-ubsan:
	$(MAKE) SAN=ubsan all

# Both images built with SAN=kasan (hardening/kasan.c), in build/san-kasan.
san-kasan:
	$(MAKE) SAN=kasan all

# The flags the kernel's objects (lwIP's too) were compiled with: the file
# is rewritten only when they change, and every object depends on it, so a
# change of flags (here, a profile's, a sanitizer's) rebuilds them all
# instead of leaving objects of the old flags in an incremental build.
KERNEL_FLAGS_NOW := $(CC) $(KERNEL_CFLAGS) | $(KERNEL_ASFLAGS)
$(KERNEL_FLAGS_FILE): FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(KERNEL_FLAGS_NOW)' | cmp -s - $@ || printf '%s\n' '$(KERNEL_FLAGS_NOW)' > $@
.PHONY: FORCE
FORCE:

$(BUILD)/kernel/%.c.o: %.c $(KERNEL_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.S.o: %.S $(KERNEL_FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# One recipe links both images (link_image below): three times. The first
# link gives the symbol table, the second carries it and its relocation
# records (--emit-relocs), from which scripts/gen-relocs makes the table
# that slides the image at boot (kernel/arch/x86_64/reloc.c); the third
# carries both. The tables are the image's last sections, so no other
# symbol moves between the links (checked).
$(BUILD)/kernel/ksyms-empty.o: scripts/gen-ksyms
	@mkdir -p $(dir $@)
	$(PYTHON) scripts/gen-ksyms /dev/null > $(BUILD)/kernel/ksyms-empty.S
	$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/kernel/ksyms-empty.S -o $@

$(BUILD)/kernel/relocs-empty.o: scripts/gen-relocs
	@mkdir -p $(dir $@)
	$(PYTHON) scripts/gen-relocs /dev/null > $(BUILD)/kernel/relocs-empty.S
	$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/kernel/relocs-empty.S -o $@

# $(call link_image,ELF,DIR,VAR): the rules that link $(BUILD)/ELF.elf
# (through ELF.pass1.elf and ELF.pass2.elf), its tables made in
# $(BUILD)/DIR. VAR names the variables that describe the image:
#   VAR_LINK          the link's inputs, in order
#   VAR_DEPS          what every link depends on
#   VAR_TABLES        tables made from the first link besides the symbols
#                     (rules of their own), VAR_EMPTY_TABLES their stand-ins
#   VAR_KSYMS_DEPS, VAR_KSYMS_PREP, VAR_KSYMS_FLAGS: gen-ksyms' extra
#                     inputs, a command before it, its options
#   VAR_TABLE_SYMS    the symbols the tables may move between the links
#   VAR_CHECKS        what the last link is checked for besides that
define link_image
$(BUILD)/$(1).pass1.elf: $$($(3)_DEPS) $(BUILD)/kernel/ksyms-empty.o $$($(3)_EMPTY_TABLES) \
		$(BUILD)/kernel/relocs-empty.o kernel/kernel.ld
	$$(LD) $$(KERNEL_LDFLAGS) $$($(3)_LINK) $(BUILD)/kernel/ksyms-empty.o \
		$$($(3)_EMPTY_TABLES) $(BUILD)/kernel/relocs-empty.o -o $$@

$(BUILD)/$(2)/ksyms.o: $(BUILD)/$(1).pass1.elf scripts/gen-ksyms $$($(3)_KSYMS_DEPS)
	@mkdir -p $$(dir $$@)
	$$($(3)_KSYMS_PREP)
	$$(NM) -n -S --defined-only $$< | \
		$$(PYTHON) scripts/gen-ksyms $$($(3)_KSYMS_FLAGS) - > $(BUILD)/$(2)/ksyms.S
	$$(CC) $$(KERNEL_ASFLAGS) -c $(BUILD)/$(2)/ksyms.S -o $$@

$(BUILD)/$(1).pass2.elf: $$($(3)_DEPS) $(BUILD)/$(2)/ksyms.o $$($(3)_TABLES) \
		$(BUILD)/kernel/relocs-empty.o kernel/kernel.ld
	$$(LD) $$(KERNEL_LDFLAGS) --emit-relocs $$($(3)_LINK) $(BUILD)/$(2)/ksyms.o \
		$$($(3)_TABLES) $(BUILD)/kernel/relocs-empty.o -o $$@

$(BUILD)/$(2)/relocs.o: $(BUILD)/$(1).pass2.elf scripts/gen-relocs
	$$(PYTHON) scripts/gen-relocs $$< > $(BUILD)/$(2)/relocs.S
	$$(CC) $$(KERNEL_ASFLAGS) -c $(BUILD)/$(2)/relocs.S -o $$@

$(BUILD)/$(1).elf: $$($(3)_DEPS) $(BUILD)/$(2)/ksyms.o $$($(3)_TABLES) $(BUILD)/$(2)/relocs.o \
		kernel/kernel.ld
	$$(LD) $$(KERNEL_LDFLAGS) --emit-relocs $$($(3)_LINK) $(BUILD)/$(2)/ksyms.o \
		$$($(3)_TABLES) $(BUILD)/$(2)/relocs.o -o $$@
	@$$(NM) -n $(BUILD)/$(1).pass1.elf | grep -Ev $$($(3)_TABLE_SYMS) > $(BUILD)/$(2)/syms1.txt
	@$$(NM) -n $$@ | grep -Ev $$($(3)_TABLE_SYMS) > $(BUILD)/$(2)/syms2.txt
	@cmp -s $(BUILD)/$(2)/syms1.txt $(BUILD)/$(2)/syms2.txt || \
		{ echo "error: symbols moved between the links of $$@"; exit 1; }
	$$(PYTHON) scripts/gen-relocs --check $$@ $(BUILD)/$(2)/relocs.S
	$$($(3)_CHECKS)
endef

# The kernel alone (no libc): the image the in-kernel tests and the
# boot-time benchmark boot.
KERNEL_IMAGE_LINK = $(KERNEL_OBJS)
KERNEL_IMAGE_DEPS = $(KERNEL_OBJS) $(wildcard kernel/files.mk kernel/*/files.mk kernel/*/*/files.mk)
KERNEL_IMAGE_TABLE_SYMS := ' (\.L|ksym_|libc_hlt_|kernel_relocs|__ksyms_end|__image_phys_end|__image_load_end)'

$(eval $(call link_image,kernel,kernel,KERNEL_IMAGE))
$(eval $(call link_image,carapace-libc,libc,LIBC_IMAGE))

# QEMU boots a flat image through Multiboot's a.out kludge (a 64-bit ELF is
# refused by QEMU's Multiboot loader).
$(BUILD)/carapace.bin: $(BUILD)/kernel.elf
	$(OBJCOPY) -O binary $< $@

# make test boots the sanitized kernels too (tests/integration/cases, ubsan-*, kasan-*).
test: kernel kernel-libc apps-build apps-own san-ubsan san-kasan $(BUILD)/bench/net_echo.so
	@scripts/run-tests

bench: kernel kernel-libc bench-build $(BUILD)/apps/hello.so san-ubsan san-kasan
	@scripts/bench

# The network benchmark against a Linux guest (scripts/bench-net); not in
# make bench: each Linux boot takes seconds under TCG.
bench-net: kernel-libc bench-net-build
	@scripts/bench-net $(if $(RUNS),--runs $(RUNS)) $(if $(CONTROL),--control)

# memcached and redis against a Linux guest running Debian's own binaries
# (scripts/bench-apps, issue 16); the baseline column needs the baseline
# image, built here with a recursive make.
bench-apps: kernel-libc apps
	@$(MAKE) --no-print-directory PROFILE=baseline kernel-libc
	@scripts/bench-apps $(if $(RUNS),--runs $(RUNS))

# The same servers counted in guest instructions per memaslap operation
# (scripts/bench-instructions, TCG): what the defences cost, free of the
# host's load.
bench-instructions: kernel-libc apps
	@$(MAKE) --no-print-directory PROFILE=baseline kernel-libc
	@scripts/bench-instructions $(if $(RUNS),--runs $(RUNS))

# The plain build's integration cases on a sanitized build's images
# (README.md, "Sanitized builds"): make test-san SAN=kasan|ubsan. Not in
# make test: SAN=kasan's 137 runs took 3 minutes under TCG on this
# project's shared 2-core host (7 with a build beside them). Left out: +heavy cases and the sleep test
# (timing: the checks make them slower, not wrong), the ubsan-*/kasan-*
# twins (make test runs them), launcher-only and network-device cases (no
# kernel code to check), and the kheap-* and kernel-canary tests, whose
# overflow KASAN reports first (violation=kasan instead of the allocator's
# or the canary's report).
SAN_TEST_CASES := boot verbose null-deref* write-text exec-data ist-guard double-fault gp \
	panic wx-audit pfa pfa-double-free clock smp-4 cpus-online lapic-timer stack-overflow \
	waitqueue-timeout waitqueue-wake-exit* classifier syscall* sys-* abort fs fs-file libc-* app-* fortify-* \
	csprng csprng-seeded csprng-layout* aslr-app* heap-* kheap-double-free wx-app-* \
	wx-lib-text wx-musl-* ro-after-init* guards-show* stack-* net-loopback* net-rx-* \
	net-netdev* fuzz-guest-* shrinker-cache*
test-san:
	@test -n "$(SAN)" || { echo "make test-san needs SAN=kasan or SAN=ubsan"; exit 2; }
	$(MAKE) --no-print-directory SAN=$(SAN) all
	$(MAKE) --no-print-directory SAN= kernel kernel-libc apps-build apps-own
	TEST_SAN=$(SAN) TEST_CONFIG=microvm/tcg tests/integration/run $(SAN_TEST_CASES)

# Only the sanitizers' cost: plain against SAN=ubsan and SAN=kasan (scripts/bench, item 7).
bench-san: kernel san-ubsan san-kasan
	@scripts/bench --san-only $(if $(RUNS),--runs $(RUNS))

# ASLR: N boots (default 200) with layout=show; a table and a chart under build/.
aslr-entropy: kernel kernel-libc $(BUILD)/apps/aslr_addrs.so
	@scripts/aslr-entropy $(if $(N),--boots $(N))

# The scorecard (audit/README.md): both profiles' kernels and the attacks,
# then every attack under every column; audit/report.{md,json,svg}.
audit: audit-build audit-test
	$(MAKE) all
	$(MAKE) PROFILE=baseline all
	@$(PYTHON) audit/run

# papers/evaluation.md from measured runs: ASLR entropy and brute force, the
# audit, the benchmarks, the network and the applications against a Linux
# guest (make apps builds Debian's memcached and redis once), fuzzing. The
# builds run in the recipe, after its clock starts, so that the page can say
# what the whole of make evaluate took.
EVALUATE_BUILDS := all san-ubsan san-kasan audit-build bench-build bench-net-build apps fuzz-build \
	$(BUILD)/apps/hello.so $(BUILD)/apps/aslr_addrs.so
evaluate:
	@started=$$(date +%s) && \
	$(MAKE) $(EVALUATE_BUILDS) && \
	$(MAKE) PROFILE=baseline all && \
	$(PYTHON) papers/evaluate --started $$started

# The lab manual's commands, each checked against what the manual says it prints.
labs: all audit-build
	$(MAKE) PROFILE=baseline all
	@$(PYTHON) papers/check-labs

# The classification of the scorecard's cells, on sample outputs.
audit-test:
	@$(PYTHON) audit/test_classify.py

clean:
	rm -rf $(BUILD)

# Not the copies of Debian's sources (scripts/build-apps): their .d files are
# their own, and some are directories.
-include $(shell find $(BUILD) -path $(BUILD)/apps/src -prune -o -type f -name '*.d' -print 2>/dev/null)
