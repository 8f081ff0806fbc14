#!/usr/bin/env python3
"""Tests for tests/unit/layering.py: the real tree keeps the folders' include
rules (README.md, "Allowed directions"), and each rule catches a tree that
breaks it. Run from anywhere:

    python3 tests/unit/test_layering.py
"""
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import layering  # noqa: E402

REPO = os.path.join(HERE, "..", "..")


def tree(files):
    """A temporary tree with files {path: text}; returns its root."""
    root = tempfile.mkdtemp(prefix="layering-")
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return root


BASE = {
    "kernel/arch/x86_64/cpu.h": "int cpu(void);\n",
    "kernel/arch/x86_64/cpu.c": '#include "cpu.h"\n',
    "kernel/include/carapace/arch.h": "int arch(void);\n",
    "kernel/syscall/sys_kernel.h": "int k(void);\n",
    "kernel/syscall/sys_files.c": '#include "sys_kernel.h"\n#include <carapace/arch.h>\n',
    "Makefile": "KERNEL_CFLAGS := -O2 -Ikernel/include/freestanding -Ikernel/include \\\n\t-g\n",
}


class Layering(unittest.TestCase):
    def violations(self, extra):
        root = tree({**BASE, **extra})
        self.addCleanup(shutil.rmtree, root)
        return layering.check(root)

    def test_the_tree_keeps_the_rules(self):
        self.assertEqual(layering.check(REPO), [])

    def test_a_clean_tree_passes(self):
        self.assertEqual(self.violations({}), [])

    def test_arch_private_header_outside_arch(self):
        found = self.violations({"kernel/mm/memory.c": '#include "cpu.h"\n'})
        self.assertEqual(len(found), 1)
        self.assertIn("kernel/mm/memory.c:1", found[0])
        self.assertIn("private header, outside kernel/arch/", found[0])

    def test_arch_private_header_by_path(self):
        found = self.violations({"hardening/heaps.c": '#include "../kernel/arch/x86_64/cpu.h"\n',
                                 "tests/unit/t.c": '#include "../../kernel/arch/x86_64/cpu.h"\n'})
        self.assertEqual(len(found), 2)

    def test_another_folders_private_header(self):
        found = self.violations({
            "hardening/hardening_ktests.c": '#include "../kernel/syscall/sys_kernel.h"\n',
            "kernel/fs/mount.c": '#include "sys_kernel.h"\n',
        })
        self.assertEqual(len(found), 2)
        self.assertTrue(all("another folder's private header" in v for v in found))

    def test_tests_may_reach_the_code_they_test(self):
        self.assertEqual(self.violations({
            "tests/unit/test_elf.c": '#include "../../kernel/syscall/sys_kernel.h"\n',
            "fuzz/fuzz_syscall.c": '#include "sys_kernel.h"\n',
        }), [])

    def test_arch_on_the_kernels_include_path(self):
        found = self.violations({"Makefile": "KERNEL_CFLAGS := -O2 -Ikernel/include \\\n"
                                             "\t-Ikernel/arch/x86_64 -g\n"})
        self.assertEqual(len(found), 1)
        self.assertIn("kernel/arch/x86_64", found[0])

    def test_public_headers_in_a_circle(self):
        found = self.violations({
            "kernel/include/carapace/a.h": "#include <carapace/b.h>\n",
            "kernel/include/carapace/b.h": "#include <carapace/arch.h>\n#include <carapace/a.h>\n",
        })
        self.assertEqual(len(found), 1)
        self.assertIn("a.h -> b.h -> a.h", found[0])


if __name__ == "__main__":
    unittest.main()
