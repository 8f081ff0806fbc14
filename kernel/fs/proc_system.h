/*
 * proc_system.h: the generators of /proc's system files and /etc/services
 * (proc_system.c), for mount.c's tables. Each writes its text as
 * procfs_generate_fn says (carapace/procfs.h).
 */
#ifndef CARAPACE_FS_PROC_SYSTEM_H
#define CARAPACE_FS_PROC_SYSTEM_H

#include <stddef.h>

int proc_meminfo_format(char *buf, size_t len);
int proc_cpuinfo_format(char *buf, size_t len);
int proc_uptime_format(char *buf, size_t len);
int proc_version_format(char *buf, size_t len);
int proc_self_status_format(char *buf, size_t len);
int proc_self_stat_format(char *buf, size_t len);
int proc_self_cmdline_format(char *buf, size_t len);
int etc_services_format(char *buf, size_t len);

#endif
