/*
 * test=syscall-buffers: which kernel memory a system call takes as a
 * buffer (syscall/syscalls.c, app_may_use), with real SYSCALLs. The calling
 * thread's own stack and the image's rodata are accepted; the kernel heap,
 * the kernel's data, the page tables in the direct map, the device window,
 * another stack and the caller's own syscall stack are refused, for writes
 * (uname into them) and for reads (write from them into a pipe), and stay
 * as they were; so is a range of the heap that ends at 2^64.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>

#include <carapace/layout.h>
#include <carapace/mmu.h>
#include "sys_kernel.h"

enum { SYS_write = 1, SYS_pipe = 22, SYS_uname = 63, SYS_getrandom = 318 };

#define UTS_SIZE    390   /* struct utsname */
#define PEEK        64    /* bytes compared before and after */
#define LAPIC_PHYS  0xfee00000ull
#define OTHER_STACK (4 * PAGE_SIZE)

static int failed;
static char kernel_data[UTS_SIZE] = "kernel data";

static void expect(const char *what, long got, long want)
{
	kprintf("syscall-buffers: %-44s -> %ld %s\n", what, got, got == want ? "ok" : "WRONG");
	failed += got != want;
}

/* uname into p and write from p: both -EFAULT, p's first bytes unchanged. */
static void refused(const char *where, uint8_t *p, int pipe_w, bool compare)
{
	uint8_t before[PEEK];
	char what[64];

	memcpy(before, p, PEEK);
	fmt_snprintf(what, sizeof(what), "uname into %s", where);
	expect(what, sys_raw_syscall(SYS_uname, (long)p, 0, 0, 0, 0, 0), -EFAULT);
	fmt_snprintf(what, sizeof(what), "write from %s", where);
	expect(what, sys_raw_syscall(SYS_write, pipe_w, (long)p, 16, 0, 0, 0), -EFAULT);
	if (compare && memcmp(before, p, PEEK) != 0) {
		kprintf("syscall-buffers: %s changed WRONG\n", where);
		failed++;
	}
}

static int ktest_syscall_buffers(void)
{
	char uts[UTS_SIZE];
	int32_t fds[2];
	uint8_t *heap = kmalloc(UTS_SIZE);
	uint64_t other = memory_alloc_stack("ktest-other", OTHER_STACK), sys_top;
	uint8_t *device = (uint8_t *)memory_map_phys(LAPIC_PHYS, PAGE_SIZE,
						      MAP_READ | MAP_UNCACHED);

	__asm__ volatile("mov %%gs:16, %0" : "=r"(sys_top)); /* struct cpu's syscall_stack_top */
	if (!heap || !other || !device ||
	    sys_raw_syscall(SYS_pipe, (long)fds, 0, 0, 0, 0, 0) != 0) {
		kprintf("syscall-buffers: setup failed WRONG\n");
		return 1;
	}
	memset(heap, 0x5a, UTS_SIZE);
	expect("uname into the caller's own stack", sys_raw_syscall(SYS_uname, (long)uts, 0, 0, 0, 0, 0), 0);
	expect("write from the image's rodata",
	       sys_raw_syscall(SYS_write, fds[1], (long)"rodata", 6, 0, 0, 0), 6);
	refused("the kernel heap", heap, fds[1], true);
	refused("the kernel's data", (uint8_t *)kernel_data, fds[1], true);
	refused("the page tables (direct map)", mmu_phys_to_virt(mmu_root()), fds[1], true);
	refused("another stack", (uint8_t *)(other - PAGE_SIZE), fds[1], true);
	refused("the caller's syscall stack", (uint8_t *)(sys_top - OTHER_STACK), fds[1], true);
	expect("write from the device window",
	       sys_raw_syscall(SYS_write, fds[1], (long)device, 16, 0, 0, 0), -EFAULT);
	expect("getrandom into the heap up to 2^64",
	       sys_raw_syscall(SYS_getrandom, (long)heap, -(long)heap, 0, 0, 0, 0), -EFAULT);
	for (int i = 0; i < UTS_SIZE; i++)
		if (heap[i] != 0x5a) {
			kprintf("syscall-buffers: the heap block changed WRONG\n");
			failed++;
			break;
		}
	memory_free_stack(other);
	kfree(heap);
	kprintf("syscall-buffers: %d wrong\n", failed);
	return failed != 0;
}
KTEST("syscall-buffers", ktest_syscall_buffers);
