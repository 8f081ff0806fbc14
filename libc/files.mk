# libc/: Debian's musl linked into the kernel image, and what Carapace owns
# of it (see libc/README.md). Included by the top-level Makefile right after
# kernel/files.mk (uses CC, LD, OBJCOPY, NM, PYTHON, BUILD and the kernel's
# flags and objects).
#
#   make kernel-libc   build/carapace-libc.bin: the kernel with all of musl
#                      and the export table (the image applications boot)

# Included before the top-level rules: keep `make` alone building the kernel.
LIBC_SAVED_GOAL := $(.DEFAULT_GOAL)

MUSL_LIBC_A := /usr/lib/x86_64-linux-musl/libc.a
LIBC_KERNEL_A := $(BUILD)/libc/libc-kernel.a
# musl calls __mulsc3/__muldc3/__mulxc3 (complex multiplication) from libgcc.
LIBC_LIBGCC := $(shell $(CC) --rtlib=libgcc -print-libgcc-file-name)

# What the copy of libc.a changes (never musl itself). Weakened, the kernel's
# definition wins wherever there is one:
#  - Carapace owns these: musl's are `hlt; ret` (a no-op in ring 0).
LIBC_OWNED := __stack_chk_fail abort
#  - the malloc family that musl's own code calls: libc/malloc.c's wins (the
#    hardened allocator; musl's mallocng under heap=musl, reached through its
#    internal names __libc_malloc_impl, __libc_free, ...).
LIBC_MALLOC := malloc free calloc realloc valloc
#  - kernel/lib/string.c also defines these, built -mgeneral-regs-only and so
#    safe in interrupt handlers: the kernel's copies serve musl too.
LIBC_KERNEL_STRING := memcpy memset memmove memcmp strlen strnlen strcmp strncmp strchr
# Renamed in the copy (references included), exported under the plain name:
# the kernel's own sem_init (carapace/sem.h) has the same name.
# So are the rest of the malloc family (only musl's own family calls them),
# for libc/malloc.c's heap=musl path; libc/exports.txt exports libc/malloc.c's.
LIBC_RENAMED := sem_init aligned_alloc posix_memalign memalign malloc_usable_size \
	reallocarray
LIBC_RENAME_PREFIX := __carapace_musl_

# Kernel-only sources of the libc image (the export lookup, portable, is
# kernel/boot/kexports.c).
LIBC_KERNEL_SRCS := libc/abort.c libc/kexports_find.c \
	libc/libc_ktests.c libc/app.c libc/malloc.c libc/shrinker.c libc/dgram.c \
	libc/stream.c
# The application's loader (kernel/elf/files.mk): it binds applications to
# this image's musl, so only this image carries it.
LIBC_KERNEL_SRCS += $(ELF_LOADER_SRCS)
include libc/fortify/files.mk

LIBC_KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(LIBC_KERNEL_SRCS))
LIBC_IMAGE_OBJS = $(KERNEL_OBJS) $(LIBC_KERNEL_OBJS) $(FORTIFY_OBJS)
# The image's link (the top-level Makefile's link_image, as for the kernel):
# its inputs in order, what the links depend on, and the export table,
# made from the first link beside the symbol table.
LIBC_IMAGE_LINK = $(LIBC_IMAGE_OBJS) --whole-archive $(LIBC_KERNEL_A) --no-whole-archive \
	$(LIBC_LIBGCC)
LIBC_IMAGE_DEPS = $(LIBC_IMAGE_OBJS) $(LIBC_KERNEL_A)
LIBC_IMAGE_TABLES := $(BUILD)/libc/kexports.o
LIBC_IMAGE_EMPTY_TABLES := $(BUILD)/libc/kexports-empty.o
# With the symbols, the list of musl's hlt instructions (carapace/libc_crash.h),
# checked again on the last link.
LIBC_IMAGE_KSYMS_DEPS := scripts/gen-libc-hlts
LIBC_IMAGE_KSYMS_PREP = $(PYTHON) scripts/gen-libc-hlts --objdump $(OBJDUMP) $< > $(BUILD)/libc/hlts.txt
LIBC_IMAGE_KSYMS_FLAGS = --libc-hlts $(BUILD)/libc/hlts.txt
# The image's sections: what kernel/kernel.ld places (.got and .got.plt, for
# musl's position-independent code, land in the text and data ranges).
LIBC_IMAGE_SECTIONS := \.(boot|text|got|rodata|ro_after_init|libc_data|data|got\.plt|bss|ksyms|relocs|symtab|strtab|shstrtab|debug_.*|rela\..*)
# Symbols the export table and the symbol table may move between the links.
LIBC_IMAGE_TABLE_SYMS := ' (\.L|ksym_|libc_hlt_|kexport_|kernel_relocs|__ksyms_end|__image_phys_end|__image_load_end)'

.PHONY: kernel-libc
kernel-libc: $(BUILD)/carapace-libc.bin

$(LIBC_KERNEL_A): $(MUSL_LIBC_A) libc/files.mk
	@mkdir -p $(dir $@)
	$(OBJCOPY) $(foreach s,$(LIBC_OWNED) $(LIBC_MALLOC) $(LIBC_KERNEL_STRING),--weaken-symbol=$(s)) \
		$(foreach s,$(LIBC_RENAMED),--redefine-sym $(s)=$(LIBC_RENAME_PREFIX)$(s)) $< $@

# The names musl defines for others (global or weak), under their names in
# the copy; gen-kexports keeps those the image defines globally.
$(BUILD)/libc/libc-names.txt: $(LIBC_KERNEL_A)
	$(NM) -g --defined-only $< 2>/dev/null | awk 'NF == 3 { print $$3 }' | sort -u > $@

$(BUILD)/libc/kexports-empty.o: scripts/gen-kexports
	@mkdir -p $(dir $@)
	$(PYTHON) scripts/gen-kexports /dev/null /dev/null /dev/null > $(BUILD)/libc/kexports-empty.S
	$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/libc/kexports-empty.S -o $@

$(BUILD)/libc/kexports.o: $(BUILD)/carapace-libc.pass1.elf $(BUILD)/libc/libc-names.txt \
		libc/exports.txt scripts/gen-kexports
	$(NM) -S --defined-only $< > $(BUILD)/libc/image-syms.txt
	$(PYTHON) scripts/gen-kexports --rename-prefix $(LIBC_RENAME_PREFIX) \
		$(BUILD)/libc/image-syms.txt $(BUILD)/libc/libc-names.txt libc/exports.txt \
		> $(BUILD)/libc/kexports.S
	$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/libc/kexports.S -o $@

# What the last link is checked for besides what every image is: musl's
# hlt list unchanged, and no section kernel/kernel.ld does not place.
LIBC_HLTS_CHECK = $(PYTHON) scripts/gen-libc-hlts --objdump $(OBJDUMP) $@ 2>/dev/null | cmp -s - $(BUILD)/libc/hlts.txt || { echo "error: musl's hlt list changed in $@"; exit 1; }
LIBC_SECTIONS_CHECK = ! readelf -SW $@ | grep -oE '^ *\[ *[0-9]+\] \S+' | awk '{ print $$NF }' | grep -vxE '$(LIBC_IMAGE_SECTIONS)' | sed 's/^/error: unexpected section in the image: /' | grep .
define LIBC_IMAGE_CHECKS
@$(LIBC_HLTS_CHECK)
@$(LIBC_SECTIONS_CHECK)
endef

$(BUILD)/carapace-libc.bin: $(BUILD)/carapace-libc.elf
	$(OBJCOPY) -O binary $< $@

.DEFAULT_GOAL := $(LIBC_SAVED_GOAL)
