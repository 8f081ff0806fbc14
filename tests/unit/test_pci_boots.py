#!/usr/bin/env python3
"""PCI on q35 beyond what the launcher's options build: a virtio-rng behind
a PCI Express root port (a bridge: the scan must follow it to bus 1, and
MSI-X must work there) beside a transitional virtio-rng on the root bus
(skipped with the line naming disable-legacy=on). The launcher runs QEMU
through CARAPACE_QEMU, here a wrapper that adds the devices. Skipped when
the kernel is not built."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(REPO, "scripts", "carapace")
KERNEL = os.path.join(REPO, "build", "carapace.bin")
EXTRA_DEVICES = ("-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 "
                 "-device virtio-rng-pci,bus=rp1 -device virtio-rng-pci")


def boot_with_devices():
    """test=virtio-rng-irq on q35 with EXTRA_DEVICES; returns (status, output)."""
    qemu = shutil.which(os.environ.get("CARAPACE_QEMU", "qemu-system-x86_64"))
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = os.path.join(tmp, "qemu")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\nexec "{qemu}" "$@" {EXTRA_DEVICES}\n')
        os.chmod(wrapper, 0o755)
        proc = subprocess.run(
            [LAUNCHER, "run", "--machine", "q35", "--accel", "tcg", "--timeout", "60",
             "--kernel-arg", "verbose", "--kernel-arg", "test=virtio-rng-irq"],
            cwd=REPO, env=dict(os.environ, CARAPACE_QEMU=wrapper), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return proc.returncode, proc.stdout.decode(errors="replace")


@unittest.skipUnless(os.path.exists(KERNEL), "build/carapace.bin is not built")
class PciBoots(unittest.TestCase):
    def test_bridge_and_transitional(self):
        status, out = boot_with_devices()
        self.assertEqual(status, 0, out)
        # The root port (a PCI-to-PCI bridge, class 0604) and the device behind it.
        bridge = re.search(r"^pci: 00:([0-9a-f]{2})\.0 1b36:000c class 060400", out, re.M)
        self.assertIsNotNone(bridge, out)
        self.assertRegex(out, r"(?m)^pci: 01:00\.0 1af4:1044 class 00ff00 .*msix=\d+$")
        self.assertRegex(out, r"(?m)^virtio-pci: 00:[0-9a-f]{2}\.0 is transitional "
                              r"\(legacy-capable, device 0x1005\): skipped "
                              r"\(QEMU: disable-legacy=on\)$")
        self.assertRegex(out, r"(?m)^msix: 01:00\.0 entry 0 -> vector 0x[0-9a-f]{2} on APIC \d+$")
        self.assertRegex(out, r"(?m)^virtio-rng-irq: virtio-pci at 01:00\.0, [1-9]\d* "
                              r"interrupt\(s\), [1-9]\d* bytes$")
        self.assertRegex(out, r"(?m)^pci: ECAM at 0xb0000000 for buses 0-255, 7 functions$")
        self.assertNotIn("carapace: warning", out)


if __name__ == "__main__":
    unittest.main()
