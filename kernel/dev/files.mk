# kernel/dev/: device drivers (see README.md).

# PCI and MSI-X: decoding a function's configuration space is portable
# (kernel, host tests, fuzzers); ECAM, enumeration and MSI-X are kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/pci_parse.c
KERNEL_ONLY_SRCS += kernel/dev/acpi_map.c
KERNEL_ONLY_SRCS += kernel/dev/pci.c kernel/dev/msix.c
