# kernel/net: sources of the network's own code (see its README.md). Portable
# ones go into the kernel, the host tests and the fuzzers; the others into the
# kernel alone.

# The packet classifier and its channels (README.md, "The packet classifier").
KERNEL_PORTABLE_SRCS += \
	kernel/net/siphash.c \
	kernel/net/frame_check.c \
	kernel/net/classifier.c \
	kernel/net/channel.c
KERNEL_ONLY_SRCS += \
	kernel/net/classifier_kernel.c \
	kernel/net/classifier_ktests.c
