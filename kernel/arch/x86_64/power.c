/*
 * Power-off with a status. The whole status goes out as text on the status
 * port first, because QEMU's isa-debug-exit keeps only 7 bits of it.
 */
#include <carapace/arch.h>
#include <carapace/exit.h>
#include <carapace/fmt.h>
#include <carapace/power.h>

void power_exit(int status)
{
	char line[32];
	int n = fmt_snprintf(line, sizeof(line), "exit=%d\n", status);

	for (int i = 0; i < n && i < (int)sizeof(line) - 1; i++)
		outb(EXIT_STATUS_PORT, (uint8_t)line[i]);
	outl(EXIT_DEBUG_EXIT_PORT, (uint32_t)status & 0x7f);
	/* Only reached without an isa-debug-exit device. */
	cpu_halt_forever();
}
