/*
 * Where the time of a boot goes: boot_step(WHAT) records the TSC when a
 * step of the boot ends; boot_steps_print() (boot option verbose, just
 * before the application's main) prints one line per step with the
 * microseconds it took, so that `make bench` and a reader can see what a
 * boot to an application's main costs. The TSC is read raw: the clock is
 * not calibrated when the first steps end, and the lines are printed
 * after it is.
 */
#include <stdint.h>

#include <carapace/arch.h>
#include <carapace/boot.h>
#include <carapace/clock.h>
#include <carapace/console.h>

#define MAX_STEPS 24

extern uint64_t boot_entry_tsc; /* boot.S */

struct boot_step {
	const char *what;
	uint64_t tsc;
};

static struct boot_step steps[MAX_STEPS];
static unsigned nsteps;

void boot_step(const char *what)
{
	if (nsteps < MAX_STEPS)
		steps[nsteps++] = (struct boot_step){ what, rdtsc() };
}

void boot_steps_print(void)
{
	uint64_t prev = boot_entry_tsc;

	/* Not even the arithmetic without verbose: under QEMU's TCG every
	 * line of code a boot runs once is translated, at some 0.3 us an
	 * operation (kernel/boot/README.md, "Where a run's time goes"). */
	if (!console_verbose) {
		nsteps = 0;
		return;
	}
	for (unsigned i = 0; i < nsteps; i++) {
		uint64_t took = clock_tsc_to_ns(steps[i].tsc - prev) / 1000;
		uint64_t at = clock_tsc_to_ns(steps[i].tsc - boot_entry_tsc) / 1000;

		klog("boot: step %s %llu us (at %llu us)\n", steps[i].what,
		     (unsigned long long)took, (unsigned long long)at);
		prev = steps[i].tsc;
	}
	nsteps = 0;
}
