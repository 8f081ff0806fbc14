/*
 * CPU exceptions. Each one ends in a report: a page fault is classified by
 * where and why it happened (page 0, a W^X page, a guard page), everything
 * else is named by its vector. Only one fault returns to the faulting
 * code: an application copy's (app_copy.S), which fails with -EFAULT.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/hardening.h>
#include <carapace/images.h>
#include <carapace/kasan.h>
#include <carapace/libc_crash.h>
#include <carapace/memory.h>
#include <carapace/power.h>
#include <carapace/report.h>
#include <carapace/sched.h>

#include <carapace/arch.h>
#include "cpu.h"
#include "irq.h"
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include "trap.h"

static const char *const exception_names[32] = {
	"divide-error(#DE)", "debug(#DB)", "nmi", "breakpoint(#BP)",
	"overflow(#OF)", "bound-range(#BR)", "invalid-opcode(#UD)",
	"device-not-available(#NM)", "double-fault(#DF)", "coprocessor-overrun",
	"invalid-tss(#TS)", "segment-not-present(#NP)", "stack-fault(#SS)",
	"general-protection(#GP)", "page-fault(#PF)", "reserved-15",
	"x87-fpu(#MF)", "alignment-check(#AC)", "machine-check(#MC)",
	"simd-fp(#XM)", "virtualization(#VE)", "control-protection(#CP)",
	"reserved-22", "reserved-23", "reserved-24", "reserved-25",
	"reserved-26", "reserved-27", "hypervisor-injection(#HV)",
	"vmm-communication(#VC)", "security(#SX)", "reserved-31",
};

static const char *exception_name(uint64_t vector)
{
	return vector < 32 ? exception_names[vector] : "interrupt";
}

static void print_registers(const struct trap_frame *f)
{
	kprintf("  registers:\n");
	kprintf("    rip %016llx  rsp %016llx  rflags %016llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->rsp,
		(unsigned long long)f->rflags);
	kprintf("    rax %016llx  rbx %016llx  rcx %016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx);
	kprintf("    rdx %016llx  rsi %016llx  rdi %016llx\n",
		(unsigned long long)f->rdx, (unsigned long long)f->rsi,
		(unsigned long long)f->rdi);
	kprintf("    rbp %016llx  r8  %016llx  r9  %016llx\n",
		(unsigned long long)f->rbp, (unsigned long long)f->r8,
		(unsigned long long)f->r9);
	kprintf("    r10 %016llx  r11 %016llx  r12 %016llx\n",
		(unsigned long long)f->r10, (unsigned long long)f->r11,
		(unsigned long long)f->r12);
	kprintf("    r13 %016llx  r14 %016llx  r15 %016llx\n",
		(unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	kprintf("    cr2 %016llx  cr3 %016llx  error %llx  cs %llx  ss %llx\n",
		(unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
		(unsigned long long)f->error, (unsigned long long)f->cs,
		(unsigned long long)f->ss);
}

/*
 * The application's thread stacks are its own mappings (musl's
 * pthread_create maps each with a PROT_NONE guard below it). A fault in a
 * PROT_NONE page of the low half, with writable memory right above it and
 * the stack pointer near it, is a stack running into its guard.
 */
#define APP_STACK_GUARD_REACH (64 * 1024) /* the largest frame looked for */

static bool app_stack_guard(const struct trap_frame *f, uint64_t addr)
{
	uint64_t page = addr & ~(uint64_t)(PAGE_SIZE - 1), pte;

	if (!hardening->guards || addr >= LOW_HALF_END || !mmu_is_noaccess(mmu_root(), page))
		return false;
	for (uint64_t above = page + PAGE_SIZE;; above += PAGE_SIZE) {
		if (mmu_lookup(mmu_root(), above, &pte, NULL))
			break; /* a guard may span pages: find what lies above it */
		if (!mmu_is_noaccess(mmu_root(), above) || above - page >= APP_STACK_GUARD_REACH)
			return false;
	}
	return (pte & PTE_W) && f->rsp + APP_STACK_GUARD_REACH > addr &&
	       f->rsp < addr + APP_STACK_GUARD_REACH;
}

/* Decides what a page fault means, and says why in the report's first line. */
static enum violation classify_page_fault(const struct trap_frame *f, uint64_t addr,
					  const char **why, const char **region)
{
	const struct vm_region *r;
	uint64_t pte;
	bool present = f->error & PF_PRESENT;

	*region = "";
	if (addr < PAGE_SIZE) {
		*why = "access to page 0 (never mapped)";
		return VIOLATION_NULL_DEREF;
	}
	if ((r = memory_guard_region(addr))) {
		*region = r->name;
		if (r->kind == VM_REGION_STACK) {
			*why = "access to a stack guard page";
			return VIOLATION_STACK_GUARD;
		}
		if (r->kind == VM_REGION_HEAP_GUARD) {
			*why = "access to a guard page past a heap block";
			return VIOLATION_HEAP_OVERFLOW;
		}
		if (r->kind == VM_REGION_HEAP_FREED) {
			*why = "access to a freed heap block";
			return VIOLATION_USE_AFTER_FREE;
		}
		*why = "access to an unmapped page of the heap";
		return VIOLATION_PAGE_FAULT;
	}
	if (!present && app_stack_guard(f, addr)) {
		*region = "app-stack";
		*why = "access to an application stack's guard page (PROT_NONE)";
		return VIOLATION_STACK_GUARD;
	}
	if (present && (f->error & PF_WRITE) && hardening_in_ro_after_init(addr)) {
		*region = "ro-after-init";
		*why = "write to data made read-only after boot";
		return VIOLATION_WX;
	}
	if (present && (f->error & PF_FETCH) &&
	    mmu_lookup(mmu_root(), addr, &pte, NULL) && (pte & PTE_NX)) {
		*why = "instruction fetch from a non-executable page";
		return VIOLATION_WX;
	}
	if (present && (f->error & PF_WRITE) && image_readonly_part(addr, region, why))
		return VIOLATION_WX;
	if (present && (f->error & PF_WRITE)) {
		*why = "write to a read-only page";
		return VIOLATION_PAGE_FAULT;
	}
	*why = (f->error & PF_FETCH) ? "instruction fetch from an unmapped page"
				     : "access to an unmapped page";
	return VIOLATION_PAGE_FAULT;
}

static enum violation report_page_fault(const struct trap_frame *f)
{
	uint64_t addr = read_cr2();
	const char *why, *region;
	enum violation v = classify_page_fault(f, addr, &why, &region);

	report_violation_line(v,
		"exception=page-fault(#PF) addr=0x%llx rip=0x%llx error=0x%llx(%s,%s,%s) "
		"cpu=%u thread=%s%s%s: %s",
		(unsigned long long)addr, (unsigned long long)f->rip,
		(unsigned long long)f->error,
		(f->error & PF_PRESENT) ? "present" : "not-present",
		(f->error & PF_FETCH) ? "fetch" : (f->error & PF_WRITE) ? "write" : "read",
		(f->error & PF_USER) ? "user" : "kernel", cpu_current_id(),
		sched_current_name(), *region ? " region=" : "", region, why);
	return v;
}

/*
 * A page fault in one of app_copy.S's listed instructions, on an
 * application (low-half) address, is a buffer the application unmapped or
 * protected while a system call used it: the copy returns -EFAULT. A fault
 * there on a kernel address is a kernel bug and is reported as any other.
 */
extern const uint64_t app_copy_faults[];
extern char app_copy_failed[];

static bool trap_fix_app_access(struct trap_frame *f)
{
	if (f->vector != VEC_PF || (f->error & PF_FETCH) || read_cr2() >= LOW_HALF_END)
		return false;
	for (const uint64_t *at = app_copy_faults; *at; at++) {
		if (f->rip == *at) {
			f->rip = (uint64_t)app_copy_failed;
			return true;
		}
	}
	return false;
}

/*
 * musl's text and its hlt instructions (the image with musl; in the plain
 * image the range is empty and the table too): see carapace/libc_crash.h.
 */
extern char __libc_text_start[], __libc_text_end[];
extern const struct libc_hlt_site libc_hlt_sites[];
extern const uint64_t libc_hlt_count;

/* Whether the interrupted code had just executed musl's a_crash hlt. */
static bool interrupted_libc_crash(const struct trap_frame *f)
{
	/* One compare for anything outside musl's text (wraps below its start). */
	uint64_t hlt_offset = f->rip - 1 - (uint64_t)__libc_text_start;

	return hlt_offset < (uint64_t)(__libc_text_end - __libc_text_start) &&
	       libc_hlt_executed(libc_hlt_sites, libc_hlt_count, hlt_offset, f->rflags);
}

static void __attribute__((noreturn)) report_libc_crash(const struct trap_frame *f)
{
	uint64_t hlt = f->rip - 1, off = 0;
	const char *name;

	if (report_enter())
		report_abort("musl's crash hlt");
	name = report_kernel_symbol(hlt, &off);
	report_violation_line(VIOLATION_LIBC_CRASH,
		"rip=0x%llx cpu=%u thread=%s at %s+0x%llx: musl detected corruption and "
		"executed hlt (a_crash)", (unsigned long long)hlt, cpu_current_id(),
		sched_current_name(), name ? name : "?", (unsigned long long)off);
	print_registers(f);
	report_backtrace(hlt, f->rbp);
	report_stack_scan(f->rsp);
	power_exit(violation_exit_status(VIOLATION_LIBC_CRASH));
}

/*
 * Interrupts go to their handlers, but for one that woke musl's crash hlt;
 * an NMI prints the hang report (nmi.c); every exception ends in a report,
 * but for the fault of an application copy.
 */
void trap_handler(struct trap_frame *f)
{
	if (f->vector == VEC_NMI) {
		nmi_handler(f);
		return;
	}
	if (f->vector >= VEC_IRQ_BASE) {
		if (interrupted_libc_crash(f))
			report_libc_crash(f);
		irq_dispatch(f);
		return;
	}
	if (trap_fix_app_access(f))
		return;
	/* SAN=kasan: a check that read the shadow of unmapped memory reports it. */
	if (f->vector == VEC_PF)
		kasan_shadow_fault(read_cr2(), f->rip, f->rbp);
	trap_report(f);
}

void trap_report(struct trap_frame *f)
{
	enum violation v = VIOLATION_CPU_EXCEPTION;

	if (report_enter())
		report_abort(exception_name(f->vector));
	if (f->vector == VEC_PF) {
		v = report_page_fault(f);
	} else if (f->vector == VEC_DF) {
		v = VIOLATION_DOUBLE_FAULT;
		report_violation_line(v,
			"exception=%s rip=0x%llx rsp=0x%llx cpu=%u thread=%s: an exception "
			"could not be delivered (its stack or its handler faulted)",
			exception_name(f->vector), (unsigned long long)f->rip,
			(unsigned long long)f->rsp, cpu_current_id(), sched_current_name());
	} else {
		report_violation_line(v, "exception=%s vector=%llu rip=0x%llx error=0x%llx "
				      "cpu=%u thread=%s%s",
				      exception_name(f->vector), (unsigned long long)f->vector,
				      (unsigned long long)f->rip, (unsigned long long)f->error,
				      cpu_current_id(), sched_current_name(),
				      f->vector >= VEC_IRQ_BASE ? ": unexpected interrupt" : "");
	}
	print_registers(f);
	report_backtrace(f->rip, f->rbp);
	power_exit(violation_exit_status(v));
}
