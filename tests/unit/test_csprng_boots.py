#!/usr/bin/env python3
"""csprng across boots: each boot of test=csprng draws new random numbers,
and aslr.seed=N reproduces the layout (and only the layout: getrandom's
generator stays seeded from the hardware). Boots build/carapace.bin through
scripts/carapace; skipped when the kernel is not built."""

import os
import re
import subprocess
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(REPO, "scripts", "carapace")
KERNEL = os.path.join(REPO, "build", "carapace.bin")


def boot(*kernel_args):
    """Runs test=csprng with layout=show; returns (sample, layout sample, layout lines)."""
    argv = [LAUNCHER, "run", "--timeout", "60", "--kernel-arg", "layout=show",
            "--kernel-arg", "test=csprng"]
    for arg in kernel_args:
        argv += ["--kernel-arg", arg]
    proc = subprocess.run(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120)
    out = proc.stdout.decode(errors="replace")
    if proc.returncode != 0:
        raise AssertionError(f"test=csprng {' '.join(kernel_args)}: status "
                             f"{proc.returncode}\n{out}")
    sample = re.search(r"^csprng: sample (0x[0-9a-f]{16})$", out, re.M)
    layout = re.search(r"^csprng: layout sample (0x[0-9a-f]{16})", out, re.M)
    regions = re.findall(r"^layout \S+ 0x[0-9a-f]+$", out, re.M)
    if not sample or not layout or not regions:
        raise AssertionError(f"unexpected output:\n{out}")
    return sample.group(1), layout.group(1), regions


@unittest.skipUnless(os.path.exists(KERNEL), "build/carapace.bin is not built")
class CsprngBoots(unittest.TestCase):
    def test_two_boots_differ(self):
        first, second = boot(), boot()
        self.assertNotEqual(first[0], second[0], "getrandom's generator repeated a boot")
        self.assertNotEqual(first[1], second[1], "the layout generator repeated a boot")
        self.assertNotEqual(first[2], second[2], "the layout repeated a boot")

    def test_seed_reproduces_layout_only(self):
        first, second = boot("aslr.seed=42"), boot("aslr.seed=42")
        other = boot("aslr.seed=43")
        self.assertEqual(first[1], second[1])
        self.assertEqual(first[2], second[2])
        self.assertNotEqual(first[2], other[2])
        self.assertNotEqual(first[0], second[0],
                            "aslr.seed must not make getrandom predictable")


if __name__ == "__main__":
    unittest.main()
