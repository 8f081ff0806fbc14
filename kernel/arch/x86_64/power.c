/*
 * Power-off with a status. The whole status goes out as text on the status
 * port first, because QEMU's isa-debug-exit keeps only 7 bits of it.
 */
#include <carapace/arch.h>
#include <carapace/exit.h>
#include <carapace/fmt.h>
#include <carapace/power.h>

static power_exit_hook_fn hooks[POWER_EXIT_HOOKS];
static unsigned hooks_used;
static bool exiting; /* a hook that faults must not run the hooks again */

bool power_on_exit(power_exit_hook_fn fn)
{
	unsigned slot = __atomic_fetch_add(&hooks_used, 1, __ATOMIC_ACQ_REL);

	if (slot >= POWER_EXIT_HOOKS)
		return false;
	__atomic_store_n(&hooks[slot], fn, __ATOMIC_RELEASE);
	return true;
}

void power_exit(int status)
{
	char line[32];
	int n;

	if (!__atomic_exchange_n(&exiting, true, __ATOMIC_ACQ_REL)) {
		for (unsigned i = 0; i < POWER_EXIT_HOOKS; i++) {
			power_exit_hook_fn fn = __atomic_load_n(&hooks[i], __ATOMIC_ACQUIRE);

			if (fn)
				fn(status);
		}
	}
	n = fmt_snprintf(line, sizeof(line), "exit=%d\n", status);

	for (int i = 0; i < n && i < (int)sizeof(line) - 1; i++)
		outb(EXIT_STATUS_PORT, (uint8_t)line[i]);
	outl(EXIT_DEBUG_EXIT_PORT, (uint32_t)status & 0x7f);
	/* Only reached without an isa-debug-exit device. */
	cpu_halt_forever();
}
