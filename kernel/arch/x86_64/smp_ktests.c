/*
 * In-kernel tests of the local APIC and SMP bring-up:
 *   smp          every CPU the firmware lists came online, and each one
 *                (this one too) answers an IPI;
 *   lapic-timer  a deadline 1 ms ahead raises VEC_TIMER, not before the
 *                deadline; a cancelled one raises nothing.
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/ktests.h>
#include <carapace/percpu.h>

#include <carapace/arch.h>
#include "irq.h"
#include "lapic.h"
#include "smp.h"

#define VEC_IPI_TEST   0x40 /* private to this test */
#define IPI_TIMEOUT_MS 1000
#define TIMER_AHEAD_US 1000
#define TIMER_WAIT_MS  1000

static volatile uint32_t ipis_seen[MAX_CPUS];
static volatile uint64_t timer_fired_tsc;

static uint64_t ms_to_tsc(uint64_t ms)
{
	return clock_tsc_hz() / 1000 * ms;
}

static void ipi_test_handler(struct trap_frame *f)
{
	(void)f;
	__atomic_fetch_add(&ipis_seen[this_cpu()->id], 1, __ATOMIC_RELAXED);
}

static bool all_answered(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (__atomic_load_n(&ipis_seen[i], __ATOMIC_RELAXED) == 0)
			return false;
	return true;
}

static int ktest_smp(void)
{
	unsigned n = cpu_count, answered = 0;
	irq_handler_fn prev;
	uint64_t t0;

	if (!lapic_ready()) {
		kprintf("smp: no local APIC\n");
		return 1;
	}
	prev = irq_register(VEC_IPI_TEST, ipi_test_handler);
	irq_enable();
	for (unsigned i = 0; i < n; i++)
		lapic_send_ipi(cpu_table[i]->apic_id, VEC_IPI_TEST);
	t0 = rdtsc();
	while (!all_answered(n) && rdtsc() - t0 < ms_to_tsc(IPI_TIMEOUT_MS))
		cpu_pause();
	irq_disable();
	irq_register(VEC_IPI_TEST, prev);
	for (unsigned i = 0; i < n; i++) {
		if (ipis_seen[i])
			answered++;
		else
			kprintf("smp: cpu %u (APIC ID %u) did not answer\n", i,
				cpu_table[i]->apic_id);
	}
	kprintf("smp: %u of %u listed cpus online, %u answered an IPI\n", n,
		smp_cpus_listed(), answered);
	return n != smp_cpus_listed() || answered != n;
}

static void timer_test_handler(struct trap_frame *f)
{
	(void)f;
	timer_fired_tsc = rdtsc();
}

/*
 * Arms the timer, waits up to wait_ms with interrupts on; returns the firing
 * TSC or 0. With cancel, the deadline is cancelled at once, and *late says
 * whether the cancel came only after the deadline (a slow hypervisor can
 * take that long): then the interrupt may rightly have been raised.
 */
static uint64_t arm_and_wait(uint64_t deadline, bool cancel, uint64_t wait_ms, bool *late)
{
	uint64_t t0, before = rdtsc();

	timer_fired_tsc = 0;
	lapic_timer_set_deadline(deadline);
	if (cancel) {
		lapic_timer_set_deadline(0);
		/*
		 * Late also when arming and cancelling took half the lead: a
		 * hypervisor that traps every TSC read and MSR write (PVM) may
		 * have seen the deadline pass in between.
		 */
		*late = rdtsc() - before >= (deadline - before) / 2;
	}
	irq_enable();
	t0 = rdtsc();
	while (!timer_fired_tsc && rdtsc() - t0 < ms_to_tsc(wait_ms))
		cpu_pause();
	irq_disable();
	return timer_fired_tsc;
}

static int ktest_lapic_timer(void)
{
	irq_handler_fn prev;
	uint64_t deadline, fired, cancelled = 0;
	bool late = true;
	int failed = 0;

	if (!lapic_ready()) {
		kprintf("lapic-timer: no local APIC\n");
		return 1;
	}
	prev = irq_register(VEC_TIMER, timer_test_handler);
	deadline = rdtsc() + clock_tsc_hz() / 1000000 * TIMER_AHEAD_US;
	fired = arm_and_wait(deadline, false, TIMER_WAIT_MS, NULL);
	/* A cancel that came after its deadline proves nothing: try further ahead. */
	for (uint64_t ahead_us = TIMER_AHEAD_US; late && ahead_us <= 100 * TIMER_AHEAD_US;
	     ahead_us *= 10)
		cancelled = arm_and_wait(rdtsc() + clock_tsc_hz() / 1000000 * ahead_us, true,
					 ahead_us / 1000 + 3, &late);
	irq_register(VEC_TIMER, prev);

	if (!fired) {
		kprintf("lapic-timer: no interrupt within %u ms\n", TIMER_WAIT_MS);
		failed = 1;
	} else if (fired < deadline) {
		kprintf("lapic-timer: fired %llu ns before the deadline\n",
			(unsigned long long)clock_tsc_to_ns(deadline - fired));
		failed = 1;
	} else {
		kprintf("lapic-timer: %s mode, fired %llu us after the deadline\n",
			lapic_tsc_deadline() ? "tsc-deadline" : "count",
			(unsigned long long)(clock_tsc_to_ns(fired - deadline) / 1000));
	}
	if (late) {
		kprintf("lapic-timer: every cancel came after its deadline: cancelling not checked\n");
	} else if (cancelled) {
		kprintf("lapic-timer: a cancelled deadline fired\n");
		failed = 1;
	}
	return failed;
}

KTEST("smp", ktest_smp);
KTEST("lapic-timer", ktest_lapic_timer);
