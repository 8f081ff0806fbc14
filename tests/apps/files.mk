# tests/apps: applications built with scripts/carapace cc, which the
# integration cases run in the kernel image that carries musl.

APP_SRCS := $(wildcard tests/apps/*.c)
APP_BINS := $(patsubst tests/apps/%.c,$(BUILD)/apps/%.so,$(APP_SRCS))

.PHONY: apps-build
apps-build: $(APP_BINS)

$(BUILD)/apps/%.so: tests/apps/%.c scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -o $@ $<
