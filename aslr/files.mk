# aslr/: the random generator and the placement planner (see README.md).
# Included by kernel/files.mk. The generator and the planner are portable
# (kernel, host tests, fuzzers); the seed sources and the switches are not.
KERNEL_PORTABLE_SRCS += aslr/chacha20.c aslr/csprng.c aslr/entropy.c aslr/place.c
KERNEL_ONLY_SRCS += aslr/entropy_x86.c aslr/aslr.c aslr/aslr_ktests.c
