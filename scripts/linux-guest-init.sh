# linux-guest-init.sh: the init of the Linux guest, run by busybox's sh.
# scripts/linux-guest puts it in each run's initramfs as /init, after the
# lines that set NET (none, static, dhcp or up), STATUS_PORT and
# DEBUG_EXIT_PORT, and before the program's own line and `stop "$?"`.
# shellcheck shell=sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

# Writes a line to the isa-debugcon port that the launcher reads.
report() {
	echo "$1" >/tmp/report
	n=$(wc -c </tmp/report)
	i=0
	while [ "$i" -lt "$n" ]; do
		dd if=/tmp/report of=/dev/port bs=1 skip="$i" seek=$((STATUS_PORT)) count=1 2>/dev/null
		i=$((i + 1))
	done
}

# QEMU exits at once on a write to isa-debug-exit: faster than an ACPI
# power-off, and without the kernel's "Power down" line on the console.
stop() {
	report "exit=$1"
	printf '\000' | dd of=/dev/port bs=1 seek=$((DEBUG_EXIT_PORT)) count=1 2>/dev/null
	poweroff -f
}

fail() {
	echo "linux-guest: $*"
	stop 125
}

if [ "$NET" != none ]; then
	for m in virtio_mmio virtio_pci virtio_net; do
		modprobe "$m" 2>/dev/null
	done
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ "$i" -lt 500 ]; do
		usleep 10000
		i=$((i + 1))
	done
	[ -e /sys/class/net/eth0 ] || fail "no eth0 after 5 s (virtio-net not found)"
	ip link set lo up
	ip link set eth0 up
	if [ "$NET" = dhcp ]; then
		udhcpc -q -n -f -i eth0 -s /etc/udhcpc.script >/dev/null 2>&1 || fail "udhcpc found no lease"
	elif [ "$NET" = static ]; then
		ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 ||
			fail "cannot configure eth0"
	fi
fi

read -r up _ </proc/uptime
report "boot=$up"
cd /
