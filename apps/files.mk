# apps/: applications that show Carapace to its users (apps/README.md).
# Each apps/NAME/NAME.c becomes build/apps/NAME/NAME.so (scripts/carapace cc).

DEMO_APPS := $(patsubst apps/%/,$(BUILD)/apps/%,$(sort $(dir $(wildcard apps/*/*.c))))
DEMO_APP_BINS := $(foreach d,$(DEMO_APPS),$(d)/$(notdir $(d)).so)

.PHONY: apps
apps: $(DEMO_APP_BINS)

$(BUILD)/apps/%.so: apps/%.c scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -o $@ $<

# The in-guest syscall fuzzer links the syscall program engine of fuzz/prog/
# (the one the host harness fuzz_syscall_prog runs).
$(BUILD)/apps/fuzz_guest/fuzz_guest.so: apps/fuzz_guest/fuzz_guest.c fuzz/prog/syscall_prog.c \
		fuzz/prog/syscall_prog.h scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -Ifuzz -o $@ apps/fuzz_guest/fuzz_guest.c fuzz/prog/syscall_prog.c
