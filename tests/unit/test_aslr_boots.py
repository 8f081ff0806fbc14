#!/usr/bin/env python3
"""ASLR across boots: tests/apps/aslr_addrs.c run twice with layout=show.
Every region the kernel reports ("layout REGION 0x...") and every address
the application prints of its own ("addr WHAT 0x...") must change between
two boots, and none with aslr=off. Runs with heap=musl, whose malloc takes
its memory from brk, so that "addr heap" follows the brk heap's base.
Skipped when build/carapace-libc.bin or the app is not built."""

import os
import re
import subprocess
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(REPO, "scripts", "carapace")
KERNEL = os.path.join(REPO, "build", "carapace-libc.bin")
APP = os.path.join(REPO, "build", "apps", "aslr_addrs.so")

# Regions that repeat between boots (aslr/README.md, "What stays fixed"):
# none now that the kernel image, and musl's functions in it, are slid.
FIXED = set()
# What every run must report.
EXPECTED = {"layout kernel", "layout direct-map", "layout phys-map", "layout kernel-heap",
            "layout thread-stack", "layout ist-stack", "layout syscall-stack",
            "layout mmap", "layout heap", "layout main-stack",
            "addr main", "addr global", "addr heap", "addr stack",
            "addr mmap", "addr tls", "addr libc"}


def run(*kernel_args, heap="musl"):
    """{"layout REGION" or "addr WHAT": address} of one boot."""
    argv = [LAUNCHER, "run", "--timeout", "60", "--kernel", KERNEL,
            "--kernel-arg", "layout=show", "--kernel-arg", f"heap={heap}"]
    for arg in kernel_args:
        argv += ["--kernel-arg", arg]
    proc = subprocess.run(argv + [APP], cwd=REPO, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = proc.stdout.decode(errors="replace")
    if proc.returncode != 0:
        raise AssertionError(f"aslr_addrs.so {' '.join(kernel_args)}: status "
                             f"{proc.returncode}\n{out}")
    found = {f"{kind} {name}": int(value, 16) for kind, name, value in
             re.findall(r"^(layout|addr) (\S+) 0x([0-9a-f]+)$", out, re.M)}
    missing = EXPECTED - set(found)
    if missing:
        raise AssertionError(f"missing {sorted(missing)} in:\n{out}")
    return found


@unittest.skipUnless(os.path.exists(KERNEL) and os.path.exists(APP),
                     "build/carapace-libc.bin or build/apps/aslr_addrs.so is not built")
class AslrBoots(unittest.TestCase):
    def test_two_boots_differ_everywhere(self):
        first, second = run(), run()
        self.assertEqual(set(first), set(second))
        for key in sorted(first):
            if key in FIXED:
                self.assertEqual(first[key], second[key], f"{key}: now random? update FIXED")
            else:
                self.assertNotEqual(first[key], second[key], f"{key} repeated a boot")

    def test_aslr_off_repeats_everything(self):
        first, second = run("aslr=off"), run("aslr=off")
        self.assertEqual(first, second)

    def test_main_stack_offset_is_16_byte_aligned(self):
        for _ in range(3):
            self.assertEqual(run()["layout main-stack"] % 16, 0)


if __name__ == "__main__":
    unittest.main()
