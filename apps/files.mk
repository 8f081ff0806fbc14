# apps/: applications that show Carapace to its users (apps/README.md).
# Each apps/NAME/NAME.c becomes build/apps/NAME/NAME.so (scripts/carapace cc).

DEMO_APPS := $(patsubst apps/%/,$(BUILD)/apps/%,$(sort $(dir $(wildcard apps/*/*.c))))
DEMO_APP_BINS := $(foreach d,$(DEMO_APPS),$(d)/$(notdir $(d)).so)

.PHONY: apps apps-own
apps-own: $(DEMO_APP_BINS)
apps: apps-own

$(BUILD)/apps/%.so: apps/%.c scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -o $@ $<

# The in-guest syscall fuzzer links the syscall program engine of fuzz/prog/
# (the one the host harness fuzz_syscall_prog runs).
$(BUILD)/apps/fuzz_guest/fuzz_guest.so: apps/fuzz_guest/fuzz_guest.c fuzz/prog/syscall_prog.c \
		fuzz/prog/syscall_prog.h scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -Ifuzz -o $@ apps/fuzz_guest/fuzz_guest.c fuzz/prog/syscall_prog.c

# Carapace's own memcached (apps/memcache, issue 16): the server and its
# portable core (also linked into tests/unit/test_mc_proto), one object.
# Its shrinker runs inside malloc: the compiler must not assume that malloc
# leaves the cache alone (<carapace/shrinker.h>).
MEMCACHE_SRCS := apps/memcache/memcache.c apps/memcache/mc_cache.c apps/memcache/mc_proto.c
$(BUILD)/apps/memcache/memcache.so: $(MEMCACHE_SRCS) $(wildcard apps/memcache/*.h) scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc \
		-o $@ $(MEMCACHE_SRCS)

# The real applications from Debian's sources (scripts/build-apps):
# libevent, memcached and redis, into build/apps/.
# Not part of make test (which needs only apps-own): building them from
# source takes minutes.
.PHONY: apps-debian
apps: apps-debian
apps-debian:
	scripts/build-apps
