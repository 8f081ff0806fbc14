/*
 * What a virtio-net device hands the driver, checked before use: a device
 * (or a hypervisor bug) is input like a packet. Portable: no device access.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/fmt.h>
#include <carapace/virtio_net.h>

int virtio_net_rx_check(uint32_t used_len, uint32_t buf_size, size_t *frame_len, char *err,
			size_t err_size)
{
	if (used_len < VIRTIO_NET_HDR_SIZE) {
		fmt_snprintf(err, err_size,
			     "said it wrote %u bytes into a receive buffer, less than the %u-byte header",
			     used_len, VIRTIO_NET_HDR_SIZE);
		return -EIO;
	}
	if (used_len > buf_size) {
		fmt_snprintf(err, err_size,
			     "said it wrote %u bytes into a receive buffer of %u", used_len, buf_size);
		return -EIO;
	}
	*frame_len = used_len - VIRTIO_NET_HDR_SIZE;
	return 0;
}

int virtio_net_mac_check(const uint8_t mac[6], char *err, size_t err_size)
{
	unsigned any = mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5];

	if (any == 0) {
		fmt_snprintf(err, err_size, "gave the MAC 00:00:00:00:00:00");
		return -EINVAL;
	}
	if (mac[0] & 1) {
		fmt_snprintf(err, err_size,
			     "gave a multicast MAC %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
			     mac[2], mac[3], mac[4], mac[5]);
		return -EINVAL;
	}
	return 0;
}
