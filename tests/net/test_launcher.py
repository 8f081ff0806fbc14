#!/usr/bin/env python3
"""The launcher's --net user from the host's side, and a device
configuration that lies.

--forward: the host port listens on 127.0.0.1 only. A guest with
--net user and two forwards (TCP and UDP, on ports free right now) runs
test=net-echo, which waits for a frame that never comes; meanwhile the
host's TCP port (the relay's, scripts/forward-relay.c) must accept on
127.0.0.1 and refuse on any other address of the host, and the UDP port
(QEMU's own) must be taken on 127.0.0.1. A TCP port already taken: status
125, through the relay and (CARAPACE_FORWARD_RELAY=0) through QEMU.

A multicast MAC in the device's configuration (QEMU's mac= property, set
by a wrapper around QEMU) is refused with one warning, and a random
locally administered unicast MAC takes its place.

Run: python3 tests/net/test_launcher.py -v (build the kernel first).
"""

import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402

LISTEN_TIMEOUT = 60  # seconds for QEMU to start listening


def free_tcp_port():
    with socket.socket() as s:
        s.bind((frames.LOCALHOST, 0))
        return s.getsockname()[1]


def other_address():
    """An IPv4 address of this host other than loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def relay_of(pid, port):
    """Whether process PID is build/tools/forward-relay serving PORT."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return False
    return len(argv) == 2 and argv[0].endswith("/build/tools/forward-relay") and argv[1] == str(port)


def connects(address, port):
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


class Forward(unittest.TestCase):
    def test_forward_listens_on_loopback_only(self):
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        tcp_port, udp_port = free_tcp_port(), frames.free_udp_port()
        with frames.Guest(["--machine", "microvm", "--accel", "tcg", "--net", "user",
                           "--forward", f"tcp:{tcp_port}:80",
                           "--forward", f"udp:{udp_port}:53",
                           "--kernel-arg", "test=net-echo"], timeout=90) as guest:
            deadline = time.monotonic() + LISTEN_TIMEOUT
            while not connects(frames.LOCALHOST, tcp_port):
                self.assertIsNone(guest.proc.poll(), f"the guest ended early:\n{guest.output}")
                self.assertLess(time.monotonic(), deadline,
                                f"nothing listens on 127.0.0.1:{tcp_port}:\n{guest.output}")
                time.sleep(0.2)
            other = other_address()
            if other:
                self.assertFalse(connects(other, tcp_port),
                                 f"{other}:{tcp_port} accepts: the forward is not loopback-only")
            # The TCP port is the relay's, which listens before QEMU starts:
            # the UDP port is QEMU's once the guest has its device.
            while "net-echo: MAC 52:54:00:12:34:56" not in guest.output:
                self.assertLess(time.monotonic(), deadline, f"the guest has no device:\n"
                                f"{guest.output}")
                time.sleep(0.2)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                with self.assertRaises(OSError):  # QEMU holds it
                    s.bind((frames.LOCALHOST, udp_port))

    def test_relay_ends_with_launcher(self):
        """The relay serves the TCP port while the guest runs; a SIGTERM to the
        launcher (status 143) leaves no relay behind."""
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        port = free_tcp_port()
        with frames.Guest(["--accel", "tcg", "--net", "user", "--forward", f"tcp:{port}:80",
                           "--kernel-arg", "test=net-echo"], timeout=90) as guest:
            guest.wait_for(self, "net-echo: MAC", LISTEN_TIMEOUT)
            relays = [pid for pid in os.listdir("/proc") if pid.isdigit() and relay_of(pid, port)]
            self.assertEqual(len(relays), 1, "no relay (or more than one) for the port")
            guest.proc.terminate()
            self.assertEqual(guest.wait(30), 143, guest.output)
            self.assertFalse(os.path.exists(f"/proc/{relays[0]}"), "the relay outlived the launcher")

    def test_taken_port(self):
        """A host port that another program listens on: status 125 and one
        line, from the relay's check or (CARAPACE_FORWARD_RELAY=0) QEMU's."""
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        with socket.socket() as taken:
            taken.bind((frames.LOCALHOST, 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            for relay, expected in (("1", f"^carapace: option --forward: cannot listen on "
                                          f"127.0.0.1:{port}: Address already in use$"),
                                    ("0", r"^carapace: QEMU failed \(status 1\)$")):
                env = dict(os.environ, CARAPACE_FORWARD_RELAY=relay)
                run = subprocess.run([frames.LAUNCHER, "run", "--timeout", "60", "--accel", "tcg",
                                      "--net", "user", "--forward", f"tcp:{port}:80"], env=env,
                                     stdin=subprocess.DEVNULL, capture_output=True, text=True)
                self.assertEqual(run.returncode, 125, run.stdout + run.stderr)
                self.assertRegex(run.stderr, "(?m)" + expected)


# Runs QEMU with mac=$BAD_MAC added to the virtio-net device.
QEMU_WRAPPER = """#!/bin/bash
args=()
for a in "$@"; do
  [[ $a == virtio-net-device,* || $a == virtio-net-pci,* ]] && a="$a,mac=$BAD_MAC"
  args+=("$a")
done
exec qemu-system-x86_64 "${args[@]}"
"""


class LyingConfig(unittest.TestCase):
    def boot_with_mac(self, machine, mac):
        with tempfile.TemporaryDirectory() as tmp:
            wrapper = os.path.join(tmp, "qemu")
            with open(wrapper, "w") as f:
                f.write(QEMU_WRAPPER)
            os.chmod(wrapper, stat.S_IRWXU)
            env = dict(os.environ, CARAPACE_QEMU=wrapper, BAD_MAC=mac)
            proc = subprocess.run([frames.LAUNCHER, "run", "--timeout", "60", "--machine", machine,
                                   "--accel", "tcg", "--net", "user", "--kernel-arg", "verbose"],
                                  env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, errors="replace")
        return proc.returncode, proc.stdout + proc.stderr

    def test_multicast_mac_refused(self):
        if not frames.kernel_built():
            self.skipTest("no build/carapace.bin (run make)")
        for machine in ("microvm", "q35") if frames.pci_transport_present() else ("microvm",):
            status, output = self.boot_with_mac(machine, "01:00:5e:00:00:01")
            self.assertEqual(status, 0, output)
            self.assertRegex(output, r"(?m)^carapace: warning: virtio-net \(.*\) gave a multicast "
                                     r"MAC 01:00:5e:00:00:01: a random MAC is used$")
            used = re.search(r"(?m)^virtio-net: .*, MAC ([0-9a-f:]{17}),", output)
            self.assertIsNotNone(used, output)
            first = int(used.group(1)[:2], 16)
            self.assertEqual(first & 3, 2, f"{used.group(1)} is not unicast and local")


if __name__ == "__main__":
    unittest.main()
