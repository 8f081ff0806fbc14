/*
 * The hang report. The launcher's --timeout, before it kills QEMU, asks it
 * for an NMI (QMP's inject-nmi), which arrives on every CPU through its
 * local APIC's LINT1 (lapic.c programs it as NMI on each). Each CPU leaves
 * its interrupted frame here; the first one to arrive waits a little for
 * the others (sending an NMI IPI to any that did not come), then prints
 * where every CPU was and every thread, and powers off.
 *
 * Nothing here waits without a bound: the other CPUs may have been stopped
 * holding any lock. The console's log is left alone (console_stop_logging)
 * and the thread list is printed only if its lock is free. A CPU that took
 * the NMI never returns from it, so NMIs stay blocked on it and its frame,
 * on its NMI stack, stays put while the reporter reads it.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/exit.h>
#include <carapace/layout.h>
#include <carapace/percpu.h>
#include <carapace/power.h>
#include <carapace/report.h>
#include <carapace/thread.h>

#include <carapace/arch.h>
#include "lapic.h"
#include "trap.h"

#define NMI_WAIT_MS   200 /* for the other CPUs' frames, each of two rounds */
#define RFLAGS_IF     (1u << 9)
#define TSC_HZ_GUESS  1000000000ull /* before the TSC is calibrated */

/* The frame each CPU was interrupted in, NULL until it has taken the NMI. */
static struct trap_frame *frames[MAX_CPUS];
/* The reporting CPU's id plus one; 0 until one claims the report. */
static unsigned reporter;

static unsigned online_cpus(void)
{
	unsigned n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);

	return n < MAX_CPUS ? n : MAX_CPUS;
}

/* Waits up to NMI_WAIT_MS for every online CPU's frame; true if all came. */
static bool wait_for_frames(void)
{
	uint64_t hz = clock_tsc_hz() ? clock_tsc_hz() : TSC_HZ_GUESS;
	uint64_t t0 = rdtsc(), ticks = hz / 1000 * NMI_WAIT_MS;

	for (;;) {
		bool all = true;

		for (unsigned i = 0; i < online_cpus(); i++)
			if (cpu_table[i] && cpu_table[i]->online &&
			    !__atomic_load_n(&frames[i], __ATOMIC_ACQUIRE))
				all = false;
		if (all || rdtsc() - t0 >= ticks)
			return all;
		cpu_pause();
	}
}

/* One CPU's line: the thread it ran, where, with interrupts on or off; then its backtrace. */
static void report_cpu(unsigned i)
{
	const struct trap_frame *f = __atomic_load_n(&frames[i], __ATOMIC_ACQUIRE);
	struct thread *t = cpu_table[i] ? cpu_table[i]->current : NULL;
	const char *sym;
	uint64_t off = 0;

	if (!f) {
		kprintf("cpu %u: did not answer the NMI\n", i);
		return;
	}
	if (!t)
		kprintf("cpu %u: no thread yet (boot)", i);
	else if (thread_is_idle(t))
		kprintf("cpu %u: idle (thread \"%s\", id %llu)", i, thread_name(t),
			(unsigned long long)thread_id(t));
	else
		kprintf("cpu %u: thread \"%s\" (id %llu)", i, thread_name(t),
			(unsigned long long)thread_id(t));
	sym = report_kernel_symbol(f->rip, &off);
	if (sym)
		kprintf(" at %s+0x%llx (kernel)", sym, (unsigned long long)off);
	else if (f->rip < LOW_HALF_END)
		kprintf(" at 0x%llx (application)", (unsigned long long)f->rip);
	else
		kprintf(" at 0x%llx (?)", (unsigned long long)f->rip);
	kprintf(", interrupts %s\n", (f->rflags & RFLAGS_IF) ? "on" : "off");
	report_backtrace(f->rip, f->rbp);
}

void nmi_handler(struct trap_frame *f)
{
	unsigned me = cpu_current_id(), none = 0, n;

	/*
	 * An NMI while a report is being printed (a violation's, a panic's):
	 * that report goes on and ends the run. Returning is safe there: the
	 * NMI came in on its own stack.
	 */
	if (report_under_way())
		return;
	if (me < MAX_CPUS)
		__atomic_store_n(&frames[me], f, __ATOMIC_RELEASE);
	if (!__atomic_compare_exchange_n(&reporter, &none, me + 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		cpu_halt_forever(); /* the reporter prints this CPU's frame */

	/* A CPU that missed the NMI (its LINT1 not yet NMI) gets it as an IPI. */
	if (!wait_for_frames() && lapic_ready()) {
		for (unsigned i = 0; i < online_cpus(); i++)
			if (i != me && cpu_table[i] && cpu_table[i]->online &&
			    !__atomic_load_n(&frames[i], __ATOMIC_ACQUIRE))
				lapic_send_nmi(cpu_table[i]->apic_id);
		wait_for_frames();
	}
	if (report_enter())
		report_abort("nmi");
	console_stop_logging();
	n = online_cpus();
	/* After a blank line: the interrupted code may have been mid-line. */
	kprintf("\ncarapace: hang report: an NMI (the launcher's --timeout sends one): %u CPU%s\n",
		n, n == 1 ? "" : "s");
	for (unsigned i = 0; i < n; i++)
		report_cpu(i);
	if (!thread_report_all())
		kprintf("carapace: hang report: thread list skipped (its lock is held)\n");
	kprintf("carapace: hang report: end\n");
	power_exit(EXIT_TIMEOUT);
}
