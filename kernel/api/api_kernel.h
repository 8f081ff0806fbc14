/* api_kernel.h: the kernel's side of the REST API (kernel only). */
#ifndef CARAPACE_API_KERNEL_H
#define CARAPACE_API_KERNEL_H

#include <carapace/api.h>

struct boot_options;

/* Fills p with the kernel's platform (not the network's: api_server.c adds it). */
void api_kernel_platform(struct api_platform *p, const struct boot_options *o,
			 const char *cmdline);

/* Up to size bytes from the start of the file at path (the token file's first line). */
long api_kernel_file_head(const char *path, char *buf, size_t size);

#endif
