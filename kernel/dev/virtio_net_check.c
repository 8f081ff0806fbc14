/*
 * What a virtio-net device hands the driver, checked before use: a device
 * (or a hypervisor bug) is input like a packet. Portable: no device access.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>
#include <carapace/l4_csum.h>
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

#define ETH_HLEN      14
#define ETHERTYPE_IP4 0x0800
#define ETHERTYPE_IP6 0x86dd

bool virtio_net_tx_csum(uint8_t *frame, size_t len, struct virtio_net_hdr *hdr)
{
	struct l4_csum c;
	unsigned type, version;

	if (len <= ETH_HLEN)
		return false;
	type = (unsigned)frame[12] << 8 | frame[13];
	if (type == ETHERTYPE_IP4)
		version = 4;
	else if (type == ETHERTYPE_IP6)
		version = 6;
	else
		return false;
	if (frame[ETH_HLEN] >> 4 != version || !l4_csum_find(frame + ETH_HLEN, len - ETH_HLEN, &c))
		return false;
	/* The device adds the pseudo-header's sum it finds in the field (as Linux leaves it). */
	memcpy(frame + ETH_HLEN + c.start + c.offset, &c.pseudo, sizeof(c.pseudo));
	hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr->csum_start = (uint16_t)(ETH_HLEN + c.start);
	hdr->csum_offset = (uint16_t)c.offset;
	return true;
}
