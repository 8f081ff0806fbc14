#!/usr/bin/env python3
"""The classifier's flow hash across boots: test=classifier prints the hash
of one fixed flow, which must differ between two boots, since each boot
draws a new key (kernel/net/classifier_kernel.c). Boots build/carapace.bin
through scripts/carapace; skipped when the kernel is not built."""

import os
import re
import subprocess
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(REPO, "scripts", "carapace")
KERNEL = os.path.join(REPO, "build", "carapace.bin")


def flow_hash():
    """Boots test=classifier; returns the flow-hash line's value."""
    proc = subprocess.run([LAUNCHER, "run", "--timeout", "60", "--kernel-arg", "test=classifier"],
                          cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120)
    out = proc.stdout.decode(errors="replace")
    found = re.search(r"^classifier: flow-hash (0x[0-9a-f]{16}) bucket \d+$", out, re.M)
    if proc.returncode != 0 or not found:
        raise AssertionError(f"test=classifier: status {proc.returncode}\n{out}")
    return found.group(1)


@unittest.skipUnless(os.path.exists(KERNEL), "build/carapace.bin is not built")
class ClassifierBoots(unittest.TestCase):
    def test_two_boots_two_keys(self):
        self.assertNotEqual(flow_hash(), flow_hash(), "the flow hash's key repeated a boot")


if __name__ == "__main__":
    unittest.main()
