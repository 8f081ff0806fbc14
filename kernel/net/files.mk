# kernel/net/: the network stack (see README.md). Several parts keep their
# lines here, each under a comment naming its part. Portable sources go into
# the kernel, the host tests and the fuzzers; the others into the kernel alone.

# The packet classifier and its channels (README.md, "The packet classifier").
KERNEL_PORTABLE_SRCS += \
	kernel/net/siphash.c \
	kernel/net/frame_check.c \
	kernel/net/classifier.c \
	kernel/net/channel.c
KERNEL_ONLY_SRCS += \
	kernel/net/classifier_kernel.c \
	kernel/net/classifier_ktests.c

# Transmit checksum offload: where a TCP/UDP checksum lies, for a device
# that computes it (README.md, "Checksum offload").
KERNEL_PORTABLE_SRCS += kernel/net/l4_csum.c

# The interfaces as Linux shows them: socket ioctls, NETLINK_ROUTE
# (README.md, "Interfaces as Linux shows them"); net_ifinfo.c below reads lwIP.
KERNEL_PORTABLE_SRCS += kernel/net/ifreq.c kernel/net/netlink_route.c kernel/net/netlink_socket.c

# --- The lwIP port (README.md, "The lwIP port") ---
# lwIP itself is Debian's source package, fetched by scripts/setup
# (scripts/fetch-source) into a cache outside the repository; no lwIP file
# is in the repository. The version is the one scripts/setup names.
CARAPACE_CACHE ?= /var/cache/carapace
LWIP_VERSION := 2.1.3+dfsg1-2
LWIP_DIR := $(CARAPACE_CACHE)/src/lwip-$(LWIP_VERSION)
# fetch-source writes the stamp once the tree is checked and unpacked.
LWIP_STAMP := $(LWIP_DIR).ok

# What Carapace uses of lwIP: the core, IPv4 (with DHCP and ARP), IPv6,
# TCP, UDP, the tcpip thread and the netconn API, Ethernet.
LWIP_SRCS := \
	src/core/init.c src/core/def.c src/core/inet_chksum.c src/core/ip.c \
	src/core/mem.c src/core/memp.c src/core/netif.c src/core/pbuf.c \
	src/core/stats.c src/core/sys.c src/core/timeouts.c \
	src/core/tcp.c src/core/tcp_in.c src/core/tcp_out.c src/core/udp.c \
	src/core/ipv4/ip4.c src/core/ipv4/ip4_addr.c src/core/ipv4/ip4_frag.c \
	src/core/ipv4/icmp.c src/core/ipv4/dhcp.c src/core/ipv4/etharp.c \
	src/core/ipv6/ip6.c src/core/ipv6/ip6_addr.c src/core/ipv6/ip6_frag.c \
	src/core/ipv6/icmp6.c src/core/ipv6/nd6.c src/core/ipv6/mld6.c \
	src/core/ipv6/ethip6.c src/core/ipv6/inet6.c \
	src/api/tcpip.c src/api/api_lib.c src/api/api_msg.c src/api/err.c \
	src/api/netbuf.c \
	src/netif/ethernet.c
LWIP_OBJS := $(patsubst %,$(BUILD)/lwip/%.o,$(LWIP_SRCS))

# The port's sources, which see lwIP's headers too.
LWIP_PORT_SRCS := kernel/net/sys_arch.c kernel/net/net_init.c kernel/net/netdev.c \
	kernel/net/net_input.c kernel/net/net_ktests.c \
	kernel/net/netdev_ktests.c kernel/net/net_device_ktests.c \
	kernel/net/inet_socket.c kernel/net/inet_options.c kernel/net/net_serve.c \
	kernel/net/inet_channel.c \
	kernel/net/udp_channel.c kernel/net/udp_output.c \
	kernel/net/net_names.c kernel/net/net_quiesce.c kernel/net/net_ifinfo.c \
	kernel/net/net_loop.c
KERNEL_ONLY_SRCS += $(LWIP_PORT_SRCS)

# lwIP's headers, then the port's (lwipopts.h, arch/, net_hooks.h, and the
# stdlib.h shim that only lwIP's own files need).
LWIP_INCLUDES := -I$(LWIP_DIR)/src/include -Ikernel/net/lwip
$(patsubst %,$(BUILD)/kernel/%.o,$(LWIP_PORT_SRCS)): KERNEL_CFLAGS += $(LWIP_INCLUDES)
$(patsubst %,$(BUILD)/kernel/%.o,$(LWIP_PORT_SRCS)): | $(LWIP_STAMP)

# Where lwIP's files are compiled from (below: Carapace's fixes to lwIP).
LWIP_SRC_VIEW := $(BUILD)/lwip-src

# lwIP with the kernel's own flags (freestanding, -mgeneral-regs-only, the
# stack protector, SAN=ubsan's checks). Its code is not Carapace's: the
# warnings -Wextra raises in it are not ours to fix, so they are off.
$(BUILD)/lwip/%.c.o: $(LWIP_SRC_VIEW)/%.c kernel/net/lwip/lwipopts.h $(KERNEL_FLAGS_FILE) | $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) $(LWIP_INCLUDES) -Wno-unused-parameter \
		-Wno-sign-compare -Wno-missing-field-initializers \
		-Wno-tautological-constant-out-of-range-compare -c $< -o $@

# --- Carapace's fixes to lwIP (fuzz/README.md, Findings) ---
# lwIP's files compile from $(LWIP_SRC_VIEW): a link to the cache's file,
# or, for a file named in LWIP_PATCHED, a copy with kernel/net/lwip/patches/
# NAME.patch applied (NAME: the file's name without its folder). The cache
# stays as Debian made it; the host harnesses (fuzz/files.mk) use the view too.
LWIP_PATCHED := src/core/tcp_in.c src/core/tcp_out.c src/api/api_msg.c src/core/ipv6/nd6.c
# Transmit checksum offload (README.md, "Checksum offload").
LWIP_PATCHED += src/core/udp.c src/core/netif.c
.PRECIOUS: $(LWIP_SRC_VIEW)/%.c
$(LWIP_SRC_VIEW)/%.c: $(LWIP_DIR)/%.c | $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	ln -sf $< $@
define lwip_patch_rule
$(LWIP_SRC_VIEW)/$(1): $(LWIP_DIR)/$(1) kernel/net/lwip/patches/$(notdir $(1)).patch | $(LWIP_STAMP)
	@mkdir -p $$(dir $$@)
	rm -f $$@
	patch -s -o $$@ $$< kernel/net/lwip/patches/$(notdir $(1)).patch
endef
$(foreach f,$(LWIP_PATCHED),$(eval $(call lwip_patch_rule,$(f))))

$(LWIP_STAMP):
	@echo "error: lwIP's sources are not in $(LWIP_DIR)" >&2
	@echo "       run scripts/setup (it fetches Debian's lwip $(LWIP_VERSION) there;" >&2
	@echo "       CARAPACE_CACHE moves the cache)" >&2
	@exit 1
