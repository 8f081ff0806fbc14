#ifndef CARAPACE_POWER_H
#define CARAPACE_POWER_H

#include <stdbool.h>

/*
 * Powers the virtual machine off with a status (see carapace/exit.h for the
 * protocol and the table of statuses). Never returns.
 */
__attribute__((noreturn)) void power_exit(int status);

/*
 * Registers fn to run once in power_exit, before the status goes out (the
 * network's counters under "verbose"). At most POWER_EXIT_HOOKS; false
 * when full. Hooks must only print: they may run after a fault.
 */
#define POWER_EXIT_HOOKS 4
typedef void (*power_exit_hook_fn)(int status);
bool power_on_exit(power_exit_hook_fn fn);

#endif
