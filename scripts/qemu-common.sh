# qemu-common.sh: the QEMU settings that a Carapace guest and the Linux
# guest of the benchmarks (scripts/linux-guest) must share, so that a ratio
# between them compares kernels and not machines. Sourced, not run. The
# caller defines die MESSAGE (prints and exits) and prog (its name).
#
# scripts/carapace sources it for the --net/--forward checks and the
# -netdev/-device arguments; it still has its own copy of kvm_usable,
# kvm_is_pvm and the -cpu and -M values (which give the same QEMU options
# as the functions below: qemu_machine_opt's echo would cost the launcher
# a fork on every boot).
# shellcheck shell=bash
# shellcheck disable=SC2034 # qemu_accel, qemu_cpu, qemu_net: the caller's
# shellcheck disable=SC2054 # commas inside QEMU's option values

# QEMU's environment: glibc's malloc in QEMU asks for transparent huge
# pages (glibc.malloc.hugetlb=1, glibc 2.35 and later) and serves blocks of
# up to 32 MiB from its heap rather than from mappings of their own
# (glibc.malloc.mmap_threshold), so that the buffer QEMU reads the image
# and the boot filesystem into lies in huge pages too. Older glibcs and
# other libcs ignore it, and so do hosts where THP is "never"; guest RAM is
# QEMU's own mapping either way. On a host where each page fault is costly
# (a PVM guest: some 40 us) QEMU took 4,936 faults for a run of hello.so
# without it and 2,501 with it (kernel/boot/README.md, "Where a run's time
# goes"). A GLIBC_TUNABLES of the caller's comes after, so it wins.
qemu_glibc_tunables=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}

# Whether KVM can be used: /dev/kvm is a character device that opens
# read-write. (A bare `<>/dev/kvm` would create a regular file where there
# is no device, and every later check would then pick KVM.)
qemu_kvm_usable() {
	[ -c /dev/kvm ] && { : <>/dev/kvm; } 2>/dev/null
}

# PVM (the kvm_pvm module) is KVM without hardware virtualisation; it
# emulates a guest that is not PVM-aware about 700 times slower than TCG,
# so auto takes TCG there.
qemu_kvm_is_pvm() {
	[ -d /sys/module/kvm_pvm ]
}

# Sets qemu_accel (kvm or tcg) and qemu_cpu from ACCEL (auto, kvm or tcg),
# as scripts/carapace chooses them. -cpu host,-arch-capabilities: under
# nested KVM, KVM lists IA32_ARCH_CAPABILITIES but refuses to set it and
# QEMU 7.2 aborts at start.
qemu_choose_accel() { # ACCEL
	qemu_accel=$1
	case $qemu_accel in
	kvm) qemu_kvm_usable || die "--accel kvm: cannot open /dev/kvm read-write" ;;
	auto) if qemu_kvm_usable && ! qemu_kvm_is_pvm; then qemu_accel=kvm; else qemu_accel=tcg; fi ;;
	esac
	if [ "$qemu_accel" = kvm ]; then qemu_cpu=host,-arch-capabilities; else qemu_cpu=max; fi
}

# The -M value: microvm with its PIT (TSC calibration) and CMOS RTC (the
# wall clock), which microvm leaves out under KVM unless asked.
qemu_machine_opt() { # MACHINE
	if [ "$1" = microvm ]; then echo microvm,pit=on,rtc=on; else echo "$1"; fi
}

# --- networking: --net none|user|tap:IF|dgram:L:R, --forward tcp|udp:H:G --

# Checks one port of OPTION's VALUE: 1 to 65535, in decimal without a
# leading zero; exits through die when it is not.
qemu_check_port() { # OPTION VALUE PORT
	if ! [[ $3 =~ ^[1-9][0-9]{0,4}$ ]] || ((10#$3 > 65535)); then
		die "option $1: '$2': '$3' is not a port (1 to 65535)"
	fi
}

# Checks a --net value; exits through die when it is not one.
qemu_check_net() { # VALUE
	case $1 in
	none | user) return 0 ;;
	tap:*)
		# An interface name as Linux takes it: 1 to 15 characters, no
		# slash, colon or space; the tap must exist (ip tuntap add).
		local ifname=${1#tap:}
		[[ $ifname =~ ^[A-Za-z0-9_.-]{1,15}$ ]] ||
			die "option --net: '$1': '$ifname' is not an interface name (1 to 15 of A-Z a-z 0-9 _ . -)"
		# Asked of the kernel by netlink (ip), not through /sys: sysfs shows
		# the interfaces of the namespace it was mounted in (unshare -n).
		local link
		command -v ip >/dev/null || die "option --net: '$1': the ip command (iproute2) is needed to check the tap"
		link=$(ip -d -o link show dev "$ifname" 2>/dev/null)
		[[ $link == *" tun type tap "* ]] ||
			die "option --net: '$1': no tap device '$ifname' (as root: ip tuntap add dev $ifname mode tap)"
		return 0
		;;
	dgram:*:*)
		local rest=${1#dgram:}
		[[ $rest == *:* && ${rest#*:} != *:* ]] || die "option --net: '$1' is not none, user, tap:IFNAME or dgram:LOCALPORT:REMOTEPORT"
		qemu_check_port --net "$1" "${rest%%:*}"
		qemu_check_port --net "$1" "${rest#*:}"
		((10#${rest%%:*} != 10#${rest#*:})) ||
			die "option --net: '$1': LOCALPORT and REMOTEPORT must differ"
		return 0
		;;
	esac
	die "option --net: '$1' is not none, user, tap:IFNAME or dgram:LOCALPORT:REMOTEPORT"
}

# Checks a --forward value (tcp:HOSTPORT:GUESTPORT or udp:...), and that
# its host port is not among the FORWARDS given before.
qemu_check_forward() { # VALUE FORWARD...
	local proto=${1%%:*} rest=${1#*:} f
	[[ ($proto == tcp || $proto == udp) && $1 == *:*:* && $rest != *:*:* ]] ||
		die "option --forward: '$1' is not tcp:HOSTPORT:GUESTPORT or udp:HOSTPORT:GUESTPORT"
	qemu_check_port --forward "$1" "${rest%%:*}"
	qemu_check_port --forward "$1" "${rest#*:}"
	for f in "${@:2}"; do
		[[ ${f%:*} != "${1%:*}" ]] ||
			die "option --forward: '$1': $proto port ${rest%%:*} of the host is forwarded twice"
	done
}

# Appends to the array qemu_net the netdev and the virtio-net device for
# NET on MACHINE, with each forward (tcp:H:G, udp:H:G) listening on
# 127.0.0.1 only. The device is modern virtio (microvm: virtio-mmio
# version 2; q35: virtio-net-pci without the legacy interface), the only
# kind Carapace drives; the Linux guest drives it the same way.
qemu_net_args() { # MACHINE NET FORWARD...
	local machine=$1 net=$2 f netdev
	shift 2
	qemu_net=()
	case $net in
	none)
		[ $# -eq 0 ] || die "option --forward needs --net user (it is 'none')"
		return 0
		;;
	user)
		netdev=user,id=net0
		for f in "$@"; do
			local proto=${f%%:*} rest=${f#*:}
			netdev+=",hostfwd=$proto:127.0.0.1:$((10#${rest%%:*}))-:$((10#${rest#*:}))"
		done
		;;
	tap:*)
		# vnet_hdr: the device offers checksum offload, as a host's tap
		# (or vhost-net under KVM) does; no script: the tap is set up.
		[ $# -eq 0 ] || die "option --forward needs --net user (it is '$net')"
		netdev="tap,id=net0,ifname=${net#tap:},script=no,downscript=no,vnet_hdr=on"
		;;
	dgram:*)
		[ $# -eq 0 ] || die "option --forward needs --net user (it is '$net')"
		local ports=${net#dgram:}
		netdev="dgram,id=net0,local.type=inet,local.host=127.0.0.1,local.port=$((10#${ports%%:*}))"
		netdev+=",remote.type=inet,remote.host=127.0.0.1,remote.port=$((10#${ports#*:}))"
		;;
	esac
	qemu_net+=(-netdev "$netdev")
	if [ "$machine" = microvm ]; then
		qemu_net+=(-global virtio-mmio.force-legacy=false -device virtio-net-device,netdev=net0)
	else
		# romfile=: no PXE boot ROM, which -kernel never uses.
		qemu_net+=(-device virtio-net-pci,netdev=net0,disable-legacy=on,romfile=)
	fi
}

# --- the relay of TCP forwards under --net user (scripts/forward-relay.c) --
#
# libslirp listens on a forwarded port with a backlog of 1 and accepts one
# connection per turn of QEMU's main loop: a client opening many
# connections at once lost handshakes and waited 1-3 s for each. So under
# --net user each TCP forward's host port is the relay's (a backlog of
# SOMAXCONN); QEMU's hostfwd listens on a private port of 127.0.0.1 that
# the relay picked, and the relay connects to it one client at a time.
# CARAPACE_FORWARD_RELAY=0 gives the old direct hostfwd. UDP forwards stay
# QEMU's.

# Starts the relay (build/tools/forward-relay) for the TCP forwards among
# FORWARDS when NET is user, and then fills qemu_net again
# (qemu_net_args) with QEMU's forwards on the relay's private ports. Sets
# qemu_relay_pid (empty when no relay runs); the caller's EXIT trap calls
# qemu_relay_stop. A host port that is taken: one line through die.
qemu_forward_relay() { # RELAY MACHINE NET FORWARD...
	local relay=$1 machine=$2 net=$3 f rest line out
	shift 3
	qemu_relay_pid=
	[ "$net" = user ] && [ "${CARAPACE_FORWARD_RELAY:-1}" != 0 ] || return 0
	local -a ports=() inner=() hostfwd=()
	for f in "$@"; do
		rest=${f#tcp:}
		[[ $f == tcp:* ]] && ports+=("$((10#${rest%%:*}))")
	done
	[ ${#ports[@]} -gt 0 ] || return 0
	[ -x "$relay" ] || die "no $relay (run 'make'; CARAPACE_FORWARD_RELAY=0 forwards without it)"
	# Its standard output, a pipe read here, gives "ports INNERPORT..." or
	# "error MESSAGE"; it ends with the launcher (PR_SET_PDEATHSIG).
	exec {out}< <(exec "$relay" "${ports[@]}" </dev/null)
	qemu_relay_pid=$!
	read -r -t 10 -u "$out" line
	exec {out}<&-
	if [[ $line != "ports "* ]]; then
		qemu_relay_stop
		[[ $line == "error "* ]] && die "option --forward: ${line#error }"
		die "option --forward: the relay $relay did not start"
	fi
	read -r -a inner <<<"${line#ports }"
	for f in "$@"; do
		if [[ $f == tcp:* ]]; then
			hostfwd+=("tcp:${inner[0]}:${f##*:}")
			inner=("${inner[@]:1}")
		else
			hostfwd+=("$f")
		fi
	done
	qemu_net_args "$machine" "$net" "${hostfwd[@]}"
}

# Stops the relay, if one runs, and waits for its end.
qemu_relay_stop() {
	[ -n "${qemu_relay_pid:-}" ] || return 0
	kill "$qemu_relay_pid" 2>/dev/null
	wait "$qemu_relay_pid" 2>/dev/null
	qemu_relay_pid=
}
