# tests/apps: applications built with scripts/carapace cc, which the
# integration cases run in the kernel image that carries musl.

APP_SRCS := $(wildcard tests/apps/*.c)
APP_BINS := $(patsubst tests/apps/%.c,$(BUILD)/apps/%.so,$(APP_SRCS))

.PHONY: apps-build
apps-build: $(APP_BINS)

$(BUILD)/apps/%.so: tests/apps/%.c $(wildcard tests/apps/*.h) scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -o $@ $< $(APP_LDFLAGS)

# A library of the applications' own (loaded by the kernel's linker from
# DT_NEEDED), the applications that use it (found through DT_RUNPATH
# $ORIGIN/lib), and the same sources built as a PIE and a static PIE.
APP_LIB_DEMO := $(BUILD)/apps/lib/libdemo.so
APP_USES_DEMO := $(BUILD)/apps/tls.so $(BUILD)/apps/uselib.so $(BUILD)/apps/tls-pie \
	$(BUILD)/apps/write_ro.so
APP_PIES := $(BUILD)/apps/hello-pie $(BUILD)/apps/hello-static $(BUILD)/apps/tls-pie
apps-build: $(APP_LIB_DEMO) $(APP_PIES)

$(APP_LIB_DEMO): tests/apps/lib/libdemo.c scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -shared -o $@ $<

# An IFUNC in the application and one in a library of its own.
APP_LIB_PICK := $(BUILD)/apps/lib/libpick.so
apps-build: $(APP_LIB_PICK)
$(APP_LIB_PICK): tests/apps/lib/libpick.c scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc -shared -o $@ $<
$(BUILD)/apps/ifunc.so: $(APP_LIB_PICK)
$(BUILD)/apps/ifunc.so: APP_LDFLAGS = -L$(BUILD)/apps/lib -lpick -Wl,-rpath,'$$ORIGIN/lib'

$(APP_USES_DEMO): $(APP_LIB_DEMO)
$(APP_USES_DEMO): APP_LDFLAGS = -L$(BUILD)/apps/lib -ldemo -Wl,-rpath,'$$ORIGIN/lib'

$(BUILD)/apps/hello-pie: tests/apps/hello.c scripts/carapace
	scripts/carapace cc -pie -o $@ $<
$(BUILD)/apps/hello-static: tests/apps/hello.c scripts/carapace
	scripts/carapace cc -static-pie -o $@ $<
$(BUILD)/apps/tls-pie: tests/apps/tls.c scripts/carapace
	scripts/carapace cc -pie -o $@ $< $(APP_LDFLAGS)

# The stack attacks without the stack protector: the canary switched off
# (the smash case then is not stopped by it).
apps-build: $(BUILD)/apps/stack_attack_nossp.so
$(BUILD)/apps/stack_attack_nossp.so: tests/apps/stack_attack.c scripts/carapace
	scripts/carapace cc -o $@ $< -fno-stack-protector

# Built elsewhere: with the host's gcc against glibc's headers and
# _FORTIFY_SOURCE=2, as a distribution would build it (calls __memcpy_chk,
# __sprintf_chk, __printf_chk ... directly; needs libc.so.6).
APP_GLIBC := $(BUILD)/apps/glibc_fortify_memcpy.so $(BUILD)/apps/glibc_fortify_sprintf.so
apps-build: $(APP_GLIBC)

$(BUILD)/apps/glibc_fortify_%.so: tests/apps/fortify_%.c
	@mkdir -p $(dir $@)
	gcc -shared -fPIC -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -o $@ $<

# The socket tests (issue 14) share their one-line-per-call printer.
$(BUILD)/apps/unix_sockets.so $(BUILD)/apps/epoll.so: tests/apps/show_result.h
$(BUILD)/apps/inet_sockets.so: tests/apps/show_result.h
