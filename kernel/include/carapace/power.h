#ifndef CARAPACE_POWER_H
#define CARAPACE_POWER_H

/*
 * Powers the virtual machine off with a status (see carapace/exit.h for the
 * protocol and the table of statuses). Never returns.
 */
__attribute__((noreturn)) void power_exit(int status);

#endif
