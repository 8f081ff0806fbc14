/*
 * lwIP's netif.c includes <stdlib.h> for atoi alone (netif_find reads the
 * number in a name like "en0"). The kernel has no C library, and a global
 * atoi would clash with musl's in the image that carries musl, so the name
 * is mapped to the port's own (kernel/net/sys_arch.c). Only lwIP's files
 * have this folder on their include path.
 */
#ifndef CARAPACE_LWIP_STDLIB_H
#define CARAPACE_LWIP_STDLIB_H

int net_atoi(const char *s);
#define atoi(s) net_atoi(s)

#endif
