#!/usr/bin/env python3
"""Reproducible layouts (issue 19): tests/apps/aslr_addrs.c booted twice
with aslr=off must print the same address for every region and every heap
block (small slots, large mappings, blocks after frees), and so must two
boots with the same aslr.seed=N; another N must give another layout. Runs
on the hardened heap (the default), whose slot choice is layout too.
Skipped when build/carapace-libc.bin or the app is not built."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_aslr_boots as boots  # noqa: E402

HEAP_BLOCKS = {f"addr heap-{size}-{i}" for size in
               (16, 100, 1000, 4000, 16000, 40000, 200000, 1 << 20)
               for i in ("0", "1", "again")}


def run(*kernel_args):
    found = boots.run(*kernel_args, heap="hardened")
    missing = HEAP_BLOCKS - set(found)
    if missing:
        raise AssertionError(f"missing {sorted(missing)}")
    return found


@unittest.skipUnless(os.path.exists(boots.KERNEL) and os.path.exists(boots.APP),
                     "build/carapace-libc.bin or build/apps/aslr_addrs.so is not built")
class LayoutRepro(unittest.TestCase):
    maxDiff = None

    def assert_same(self, first, second, why):
        diff = {k: (hex(first[k]), hex(second[k])) for k in first if first[k] != second.get(k)}
        self.assertEqual(diff, {}, f"{why}: these differ between two boots")

    def test_aslr_off_repeats_every_address(self):
        self.assert_same(run("aslr=off"), run("aslr=off"), "aslr=off")

    def test_same_seed_repeats_every_address_another_seed_does_not(self):
        first, second = run("aslr.seed=1234"), run("aslr.seed=1234")
        self.assert_same(first, second, "aslr.seed=1234")
        other = run("aslr.seed=98765")
        same = sorted(k for k in first if first[k] == other[k])
        self.assertEqual(same, [], "aslr.seed=98765 repeated these of aslr.seed=1234")


if __name__ == "__main__":
    unittest.main()
