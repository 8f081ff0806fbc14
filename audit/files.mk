# audit/: the attack programs of `make audit` (audit/README.md), built with
# scripts/carapace cc like any application: each as NAME.so (FORTIFY on, as
# cc builds it) and NAME-nofortify.so (-D_FORTIFY_SOURCE=0, the FORTIFY
# column's build), into build/audit/ (the attacks are the same for the
# baseline kernel, as applications are).

AUDIT_ATTACK_SRCS := $(wildcard audit/attacks/*.c)
AUDIT_ATTACKS := $(patsubst audit/attacks/%.c,build/audit/%.so,$(AUDIT_ATTACK_SRCS)) \
	$(patsubst audit/attacks/%.c,build/audit/%-nofortify.so,$(AUDIT_ATTACK_SRCS))

# The stack clash's row is the guard page's, which only a compiler that
# touches each page of a large frame can meet (`scripts/carapace cc` does not
# add the flag: audit/README.md).
audit_cflags = $(if $(findstring stack_clash,$(1)),-fstack-clash-protection)

.PHONY: audit-build
audit-build: $(AUDIT_ATTACKS)

build/audit/%.so: audit/attacks/%.c $(wildcard audit/attacks/*.h) scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc $(call audit_cflags,$*) -o $@ $<

build/audit/%-nofortify.so: audit/attacks/%.c $(wildcard audit/attacks/*.h) scripts/carapace
	@mkdir -p $(dir $@)
	scripts/carapace cc $(call audit_cflags,$*) -D_FORTIFY_SOURCE=0 -o $@ $<
