/*
 * ubsan: the undefined-behaviour sanitizer's runtime, in SAN=ubsan builds
 * (hardening/ubsan.c; README.md, "Sanitized builds").
 */
#ifndef CARAPACE_UBSAN_H
#define CARAPACE_UBSAN_H

#include <stdbool.h>

/*
 * Chooses what a finding does, from the boot option ubsan=abort|recover:
 * abort (the default) ends the run with status 143; recover reports each
 * check site once and goes on. Call once at boot, before the settings are
 * sealed.
 */
void ubsan_init(bool recover);

#endif
