/*
 * The kernel's filesystem namespace: the boot filesystem (the first boot
 * module, packed by scripts/mkbootfs) at /, a ramfs at /tmp, devfs at /dev.
 * The VFS itself takes no locks: every call goes through fs_lock()/fs_unlock().
 */
#ifndef CARAPACE_FS_H
#define CARAPACE_FS_H

#include <stddef.h>
#include <stdint.h>

#include <carapace/boot.h>
#include <carapace/vfs.h>

/*
 * Mounts everything; returns 0, or a negative errno with a message in err.
 * tmp_bytes bounds /tmp (boot option tmp.size=; 0: half of the RAM).
 */
int fs_init(const struct boot_info *bi, uint64_t tmp_bytes, char *err, size_t err_size);

struct vfs *fs_vfs(void);
void fs_lock(void);
void fs_unlock(void);
/* /tmp's bytes in use and its limit (tmp.size=), for the REST API's /fs/df. */
void fs_tmp_usage(uint64_t *used, uint64_t *max);

#endif
