# kernel/net/: the network stack's glue (see README.md).
# The device registry until the TCP/IP stack replaces it (issue 13, virtio-net).
KERNEL_ONLY_SRCS += kernel/net/netdev.c
