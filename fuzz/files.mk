# Fuzz harnesses (fuzz/README.md). Each harness is one line below, in
# FUZZ_HARNESS: its name (fuzz/NAME.c), what it links besides every
# portable kernel source, and its own files (the rows of make fuzz-cov's
# table and of the README's coverage figures).
#   portable  every portable kernel source (KERNEL_PORTABLE_SRCS)
#   lwip      those and kcore's, plus lwIP (the kernel's list of its files)
#             built for the host with the kernel's options
#             (fuzz/lwip/lwipopts.h), from the same Debian source cache, on
#             a one-thread sys_arch (fuzz/lwip/sys_arch_host.c)
#   kcore     those, plus the kernel's syscall handlers (kernel/syscall) on the fake kernel of
#             tests/unit/kernel_fakes.c (KCORE_SRCS, tests/files.mk)
# Each harness builds three times from the same source: libFuzzer with
# ASan+UBSan (build/fuzz/NAME), AFL++ with ASan+UBSan (build/fuzz/afl/NAME)
# and a plain replay program with llvm's source coverage (build/fuzz/cov/NAME).
# Included by the top-level Makefile (uses CC, BUILD, KERNEL_PORTABLE_SRCS).

FUZZ_HARNESSES :=
define fuzz_harness
FUZZ_HARNESSES += $(1)
FUZZ_LINK_$(1) := $(2)
FUZZ_OWN_$(1) := $(3)
endef

# name              links     own files
$(eval $(call fuzz_harness,fuzz_options,portable,kernel/boot/options.c))
$(eval $(call fuzz_harness,fuzz_fmt,portable,kernel/lib/fmt.c))
$(eval $(call fuzz_harness,fuzz_acpi,portable,kernel/dev/acpi.c))
$(eval $(call fuzz_harness,fuzz_elf,portable,kernel/elf/elf_parse.c kernel/elf/elf_dynamic.c kernel/elf/elf_symbol.c kernel/elf/elf_load.c kernel/elf/elf_reloc.c))
$(eval $(call fuzz_harness,fuzz_bootfs,portable,kernel/fs/bootfs.c kernel/fs/vfs.c))
$(eval $(call fuzz_harness,fuzz_aslr_place,portable,aslr/place.c))
$(eval $(call fuzz_harness,fuzz_halloc,portable,$(HALLOC_SRCS)))
$(eval $(call fuzz_harness,fuzz_pci,portable,kernel/dev/pci_parse.c kernel/dev/virtio_pci_caps.c))
$(eval $(call fuzz_harness,fuzz_classifier,portable,kernel/net/classifier.c kernel/net/channel.c))
$(eval $(call fuzz_harness,fuzz_netlink,portable,kernel/net/netlink_route.c kernel/net/ifreq.c))
$(eval $(call fuzz_harness,fuzz_sockets,portable,kernel/fs/unix_socket.c kernel/fs/socket.c kernel/fs/epoll.c kernel/fs/timerfd.c))
$(eval $(call fuzz_harness,fuzz_http_api,portable,kernel/api/http.c kernel/api/api.c kernel/api/api_handlers.c))
$(eval $(call fuzz_harness,fuzz_syscall,kcore,kernel/syscall/syscall_table.c kernel/syscall/syscall_dispatch.c kernel/syscall/sys_files.c kernel/syscall/sys_memory.c kernel/syscall/sys_poll.c))
$(eval $(call fuzz_harness,fuzz_net,lwip,kernel/net/classifier.c kernel/net/frame_check.c kernel/net/channel.c kernel/net/inet_socket.c kernel/net/inet_options.c kernel/net/inet_channel.c kernel/syscall/sys_net.c kernel/fs/socket.c $(LWIP_SRC_VIEW)/src/core/tcp_in.c $(LWIP_SRC_VIEW)/src/core/tcp.c $(LWIP_SRC_VIEW)/src/core/tcp_out.c $(LWIP_SRC_VIEW)/src/core/ipv4/ip4.c $(LWIP_SRC_VIEW)/src/core/ipv4/etharp.c $(LWIP_SRC_VIEW)/src/core/ipv6/ip6.c $(LWIP_SRC_VIEW)/src/core/ipv6/nd6.c $(LWIP_SRC_VIEW)/src/core/udp.c))
$(eval $(call fuzz_harness,fuzz_syscall_prog,kcore,fuzz/prog/syscall_prog.c kernel/syscall/sys_files.c kernel/syscall/sys_memory.c kernel/sync/futex.c kernel/fs/pipe.c kernel/fs/eventfd.c kernel/fs/fdtable.c kernel/syscall/sys_net.c kernel/fs/socket.c kernel/fs/unix_socket.c kernel/syscall/sys_epoll.c kernel/fs/epoll.c kernel/fs/timerfd.c))

FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_HARNESSES))
FUZZ_AFL_BINS := $(patsubst %,$(BUILD)/fuzz/afl/%,$(FUZZ_HARNESSES))
FUZZ_COV_BINS := $(patsubst %,$(BUILD)/fuzz/cov/%,$(FUZZ_HARNESSES))

# Sources a harness links besides its own file: the syscall program engine
# (fuzz/prog/, shared with the in-guest fuzzer apps/fuzz_guest).
FUZZ_PROG_SRCS := fuzz/prog/syscall_prog.c
FUZZ_EXTRA_fuzz_syscall_prog := $(FUZZ_PROG_SRCS)
# fuzz_net's records and structure-aware mutator (shared with AFL++'s mutator
# library), the kernel's socket layer on lwIP (inet_socket.c, inet_options.c, inet_channel.c),
# its synchronous loopback (net_loop.c) and lwIP's one-thread operating-system layer.
FUZZ_EXTRA_fuzz_net := fuzz/net_frames.c kernel/net/inet_socket.c kernel/net/inet_options.c \
	kernel/net/inet_channel.c \
	kernel/net/udp_channel.c kernel/net/udp_output.c kernel/net/l4_csum.c kernel/net/net_loop.c \
	fuzz/lwip/sys_arch_host.c

# AFL++'s custom mutator of a harness, when it has one: its sources, built
# into build/fuzz/afl/NAME-mutator.so beside the AFL++ binary (scripts/fuzz
# hands it to afl-fuzz as AFL_CUSTOM_MUTATOR_LIBRARY).
FUZZ_AFL_MUTATOR_fuzz_net := fuzz/afl_net_mutator.c fuzz/net_frames.c
FUZZ_AFL_MUTATORS := $(foreach h,$(FUZZ_HARNESSES),$(if $(FUZZ_AFL_MUTATOR_$(h)),$(BUILD)/fuzz/afl/$(h)-mutator.so))
fuzz-build-afl: $(FUZZ_AFL_MUTATORS)
define fuzz_afl_mutator_rule
$(BUILD)/fuzz/afl/$(1)-mutator.so: $(FUZZ_AFL_MUTATOR_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(FUZZ_BASE_CFLAGS) -O2 -fPIC -shared $$^ -o $$@
$(BUILD)/fuzz/afl/$(1): | $(BUILD)/fuzz/afl/$(1)-mutator.so
endef
$(foreach h,$(FUZZ_HARNESSES),$(if $(FUZZ_AFL_MUTATOR_$(h)),$(eval $(call fuzz_afl_mutator_rule,$(h)))))

# --- lwIP for the host harnesses (fuzz_net) ---
# lwIP's own files, the netconn API included, with the kernel's options
# through fuzz/lwip/lwipopts.h; kernel/net/lwip comes after the system
# headers (-idirafter) so that its stdlib.h shim stays the kernel's.
FUZZ_LWIP_SRCS = $(LWIP_SRCS)
FUZZ_LWIP_INC = -Ifuzz/lwip -I$(LWIP_DIR)/src/include -idirafter kernel/net/lwip
FUZZ_LWIP_WARNINGS_OFF := -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Wno-tautological-constant-out-of-range-compare

FUZZ_SANFLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_BASE_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
	-Ikernel/include -Ifuzz -MMD -MP
FUZZ_CFLAGS := $(FUZZ_BASE_CFLAGS) $(FUZZ_SANFLAGS)
# AFL++: afl-clang-fast instruments, AFL_USE_ASAN/AFL_USE_UBSAN add the
# sanitizers, and -fsanitize=fuzzer at link brings AFL++'s own driver
# (libAFLDriver: persistent mode, or the files named on the command line).
FUZZ_AFL_CC := AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 afl-clang-fast
FUZZ_AFL_CFLAGS := $(FUZZ_BASE_CFLAGS) -fno-omit-frame-pointer
# Coverage: no sanitizer, no fuzzer; fuzz/replay_main.c runs the inputs.
FUZZ_COV_CFLAGS := $(FUZZ_BASE_CFLAGS) -fprofile-instr-generate -fcoverage-mapping

# engine directory, compiler, compile flags, link flags
FUZZ_ENGINES := libfuzzer afl cov
FUZZ_DIR_libfuzzer := $(BUILD)/fuzz
FUZZ_DIR_afl := $(BUILD)/fuzz/afl
FUZZ_DIR_cov := $(BUILD)/fuzz/cov
FUZZ_CC_libfuzzer = $(CC)
FUZZ_CC_afl = $(FUZZ_AFL_CC)
FUZZ_CC_cov = $(CC)
FUZZ_COMPILE_libfuzzer = $(subst fuzzer,fuzzer-no-link,$(FUZZ_CFLAGS))
FUZZ_COMPILE_afl = $(FUZZ_AFL_CFLAGS)
FUZZ_COMPILE_cov = $(FUZZ_COV_CFLAGS)
FUZZ_LINK_FLAGS_libfuzzer = $(FUZZ_SANFLAGS)
FUZZ_LINK_FLAGS_afl = -fsanitize=fuzzer
FUZZ_LINK_FLAGS_cov = -fprofile-instr-generate -fcoverage-mapping
FUZZ_MAIN_libfuzzer :=
FUZZ_MAIN_afl :=
FUZZ_MAIN_cov = $(BUILD)/fuzz/cov/obj/fuzz/replay_main.o

.PHONY: fuzz-build fuzz-build-afl fuzz-build-cov fuzz fuzz-cov fuzz-list fuzz-net
fuzz-build: $(FUZZ_BINS)
fuzz-build-afl: $(FUZZ_AFL_BINS)
fuzz-build-cov: $(FUZZ_COV_BINS)

# One engine's objects: portable sources and harnesses (obj/), and the
# kcore sources with the syscall handlers' include path (obj-kcore/).
define fuzz_engine_rules
$$(FUZZ_DIR_$(1))/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC_$(1)) $$(FUZZ_COMPILE_$(1)) -c $$< -o $$@

$$(FUZZ_DIR_$(1))/obj-kcore/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC_$(1)) $$(KCORE_INC) $$(FUZZ_COMPILE_$(1)) -c $$< -o $$@

$$(FUZZ_DIR_$(1))/lwip/%.o: $$(LWIP_SRC_VIEW)/%.c fuzz/lwip/lwipopts.h kernel/net/lwip/lwipopts.h | $$(LWIP_STAMP)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC_$(1)) $$(FUZZ_LWIP_INC) $$(FUZZ_COMPILE_$(1)) $$(FUZZ_LWIP_WARNINGS_OFF) -c $$< -o $$@

FUZZ_LWIP_OBJS_$(1) := $$(patsubst %.c,$$(FUZZ_DIR_$(1))/lwip/%.o,$$(FUZZ_LWIP_SRCS))
FUZZ_PORTABLE_OBJS_$(1) := $$(patsubst %.c,$$(FUZZ_DIR_$(1))/obj/%.o,$$(KERNEL_PORTABLE_SRCS))
FUZZ_KCORE_OBJS_$(1) := $$(patsubst %.c,$$(FUZZ_DIR_$(1))/obj-kcore/%.o,$$(KCORE_SRCS))
.SECONDARY: $$(FUZZ_PORTABLE_OBJS_$(1)) $$(FUZZ_KCORE_OBJS_$(1)) $$(FUZZ_LWIP_OBJS_$(1))
endef
$(foreach e,$(FUZZ_ENGINES),$(eval $(call fuzz_engine_rules,$(e))))

# One harness under one engine. A kcore harness's own file and extra
# sources see the syscall handlers' headers too.
define fuzz_binary_rule
FUZZ_OBJS_$(1)_$(2) := $$(FUZZ_DIR_$(2))/obj/fuzz/$(1).o \
	$$(patsubst %.c,$$(FUZZ_DIR_$(2))/obj/%.o,$$(FUZZ_EXTRA_$(1))) \
	$$(FUZZ_PORTABLE_OBJS_$(2)) $$(if $$(filter kcore lwip,$$(FUZZ_LINK_$(1))),$$(FUZZ_KCORE_OBJS_$(2))) \
	$$(if $$(filter lwip,$$(FUZZ_LINK_$(1))),$$(FUZZ_LWIP_OBJS_$(2)))
ifeq ($$(FUZZ_LINK_$(1)),kcore)
$$(FUZZ_DIR_$(2))/obj/fuzz/$(1).o $$(patsubst %.c,$$(FUZZ_DIR_$(2))/obj/%.o,$$(FUZZ_EXTRA_$(1))): FUZZ_COMPILE_$(2) = $$(KCORE_INC) $$(FUZZ_COMPILE_$(2)_BASE)
endif
ifeq ($$(FUZZ_LINK_$(1)),lwip)
$$(FUZZ_DIR_$(2))/obj/fuzz/$(1).o $$(patsubst %.c,$$(FUZZ_DIR_$(2))/obj/%.o,$$(FUZZ_EXTRA_$(1))): FUZZ_COMPILE_$(2) = $$(KCORE_INC) $$(FUZZ_LWIP_INC) $$(FUZZ_COMPILE_$(2)_BASE)
$$(FUZZ_DIR_$(2))/obj/fuzz/$(1).o $$(patsubst %.c,$$(FUZZ_DIR_$(2))/obj/%.o,$$(FUZZ_EXTRA_$(1))): | $$(LWIP_STAMP)
endif
.SECONDARY: $$(FUZZ_DIR_$(2))/obj/fuzz/$(1).o
$$(FUZZ_DIR_$(2))/$(1): $$(FUZZ_OBJS_$(1)_$(2)) $$(FUZZ_MAIN_$(2))
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC_$(2)) $$(FUZZ_LINK_FLAGS_$(2)) $$^ -lpthread -o $$@
endef
FUZZ_COMPILE_libfuzzer_BASE = $(subst fuzzer,fuzzer-no-link,$(FUZZ_CFLAGS))
FUZZ_COMPILE_afl_BASE = $(FUZZ_AFL_CFLAGS)
FUZZ_COMPILE_cov_BASE = $(FUZZ_COV_CFLAGS)
$(foreach h,$(FUZZ_HARNESSES),$(foreach e,$(FUZZ_ENGINES),$(eval $(call fuzz_binary_rule,$(h),$(e)))))

# The harness table for scripts/fuzz: one line per harness, "NAME LINK OWN...".
fuzz-list:
	@$(foreach h,$(FUZZ_HARNESSES),echo "$(h) $(FUZZ_LINK_$(h)) $(FUZZ_OWN_$(h))";)

# A campaign (scripts/fuzz, fuzz/README.md): TARGET (default: every
# harness, one after the other), ENGINE libfuzzer|afl, FUZZ_S seconds, JOBS.
fuzz:
	@$(PYTHON) scripts/fuzz run $(if $(TARGET),--target $(TARGET)) \
		$(if $(ENGINE),--engine $(ENGINE)) $(if $(FUZZ_S),--seconds $(FUZZ_S)) \
		$(if $(JOBS),--jobs $(JOBS))

# A live packet storm against a running guest (scripts/fuzz-net, fuzz/README.md):
# COUNT frames (default 20,000) or FUZZ_S seconds, SEED; SAN=ubsan or kasan boots the
# sanitized image ($(BUILD) is build/san-SAN then).
fuzz-net: $(BUILD)/carapace.bin
	@$(PYTHON) scripts/fuzz-net --kernel $(BUILD)/carapace.bin $(if $(COUNT),--count $(COUNT)) \
		$(if $(FUZZ_S),--seconds $(FUZZ_S)) $(if $(SEED),--seed $(SEED))

# Line coverage of a target's corpus (and crashes): llvm-cov HTML under
# build/fuzz/cov/TARGET.report/html and a table of the target's own files.
fuzz-cov:
	@$(PYTHON) scripts/fuzz cov $(if $(TARGET),--target $(TARGET))
