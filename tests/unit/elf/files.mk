# Shared objects that tests/unit/test_elf.c loads, built from the sources
# here with the host compiler. Included by the top-level Makefile.

ELF_TEST_DIR := $(BUILD)/host/elf
ELF_TEST_SOS := $(ELF_TEST_DIR)/lib_basic.so $(ELF_TEST_DIR)/lib_ie.so $(ELF_TEST_DIR)/lib_ld.so \
	$(ELF_TEST_DIR)/lib_ifunc.so
ELF_SO_FLAGS := -shared -fPIC -nostdlib -O1 -fno-stack-protector -Wl,-z,noexecstack

$(ELF_TEST_DIR)/lib_basic.so: tests/unit/elf/lib_basic.c tests/unit/elf/files.mk
	@mkdir -p $(dir $@)
	$(CC) $(ELF_SO_FLAGS) -Wl,--hash-style=gnu -Wl,-init=lib_init -Wl,-fini=lib_fini $< -o $@

$(ELF_TEST_DIR)/lib_ie.so: tests/unit/elf/lib_ie.c tests/unit/elf/files.mk
	@mkdir -p $(dir $@)
	$(CC) $(ELF_SO_FLAGS) -Wl,--hash-style=sysv $< -o $@

$(ELF_TEST_DIR)/lib_ld.so: tests/unit/elf/lib_ld.c tests/unit/elf/files.mk
	@mkdir -p $(dir $@)
	$(CC) $(ELF_SO_FLAGS) $< -o $@

# gcc: clang 14 exports a static IFUNC (a global STT_GNU_IFUNC symbol bound
# by JUMP_SLOT), which the kernel's linker refuses; gcc keeps it local (an
# IRELATIVE), as scripts/carapace cc builds applications.
$(ELF_TEST_DIR)/lib_ifunc.so: tests/unit/elf/lib_ifunc.c tests/unit/elf/files.mk
	@mkdir -p $(dir $@)
	gcc $(ELF_SO_FLAGS) $< -o $@

$(BUILD)/host/tests/test_elf: $(ELF_TEST_SOS)
$(BUILD)/host/obj/tests/unit/test_elf.o: HOST_CFLAGS += -DELF_TEST_DIR='"$(ELF_TEST_DIR)"'
