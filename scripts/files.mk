# scripts: the launcher's packer of the boot filesystem (scripts/bootfs-pack.c),
# a host program built from the kernel's own ELF parser. Included by the
# top-level Makefile. Built with the image that applications boot, since
# `scripts/carapace run APP` needs both; always at build/tools/, where the
# launcher looks, whatever the profile or sanitizer of the images.

BOOTFS_PACK := build/tools/bootfs-pack
BOOTFS_PACK_SRCS := scripts/bootfs-pack.c kernel/elf/elf_parse.c kernel/elf/elf_dynamic.c \
	kernel/lib/fmt.c

kernel-libc: $(BOOTFS_PACK)

# A static PIE: no dynamic linking at each start (measured 3.9-4.6 -> 2.8-3.0 ms of CPU
# per run on this project's host). Linked to a temporary name, then
# renamed: the sanitized builds' recursive makes may build it at the same
# time as the top-level one.
$(BOOTFS_PACK): $(BOOTFS_PACK_SRCS) scripts/files.mk $(wildcard kernel/include/carapace/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -Ikernel/include -static-pie \
		$(BOOTFS_PACK_SRCS) -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

# The guest profiler's QEMU plugin (scripts/guest-profile): not part of any
# image, built on demand by the script.
TBPROF := build/tools/tbprof.so
$(TBPROF): scripts/tbprof.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC $< -lpthread -o $@

# scripts/bench-apps' pacing of redis-benchmark's connects (scripts/connect-pace.c:
# QEMU's user networking listens with a backlog of 1): a host LD_PRELOAD
# library, built on demand by the script.
CONNECT_PACE := build/tools/connect-pace.so
$(CONNECT_PACE): scripts/connect-pace.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC $< -ldl -o $@

# The launcher's relay for TCP forwards under --net user (scripts/forward-relay.c:
# a listener with a real backlog in front of QEMU's, whose backlog is 1).
# Built with both images, as `scripts/carapace run --forward tcp:...` and
# scripts/linux-guest need it; a plain host program, linked to a temporary
# name and renamed as bootfs-pack is.
FORWARD_RELAY := build/tools/forward-relay

kernel kernel-libc: $(FORWARD_RELAY)

$(FORWARD_RELAY): scripts/forward-relay.c scripts/files.mk
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror $< -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@
