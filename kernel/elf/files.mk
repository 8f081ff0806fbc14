# kernel/elf: sources of this component (see its README.md).
# Portable sources go in KERNEL_PORTABLE_SRCS, kernel-only ones in KERNEL_ONLY_SRCS.
KERNEL_PORTABLE_SRCS += kernel/elf/elf_parse.c kernel/elf/elf_dynamic.c \
	kernel/elf/elf_symbol.c kernel/elf/elf_load.c kernel/elf/elf_reloc.c
# The application's loader: reads the application and its libraries from
# the filesystem, places, links and protects them (kernel-only). It binds
# them to musl, so only the image with musl links it (libc/files.mk).
ELF_LOADER_SRCS := kernel/elf/app_load.c kernel/elf/app_load_ktests.c
