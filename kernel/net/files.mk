# kernel/net/: the network's own code (see README.md). Portable sources go
# into the kernel, the host tests and the fuzzers; the others into the
# kernel alone. Each part keeps its lines under its own comment.

# The device registry until the TCP/IP stack replaces it (issue 13, virtio-net).
KERNEL_ONLY_SRCS += kernel/net/netdev.c

# The packet classifier and its channels (README.md, "The packet classifier").
KERNEL_PORTABLE_SRCS += \
	kernel/net/siphash.c \
	kernel/net/frame_check.c \
	kernel/net/classifier.c \
	kernel/net/channel.c
KERNEL_ONLY_SRCS += \
	kernel/net/classifier_kernel.c \
	kernel/net/classifier_ktests.c
