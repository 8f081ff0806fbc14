/* api_kernel.h: the kernel's side of the REST API (kernel only). */
#ifndef CARAPACE_API_KERNEL_H
#define CARAPACE_API_KERNEL_H

#include <carapace/api.h>

struct boot_options;

/* Fills p with the kernel's platform (not the network's: api_server.c adds it). */
void api_kernel_platform(struct api_platform *p, const struct boot_options *o,
			 const char *cmdline);

#endif
