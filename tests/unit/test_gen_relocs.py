#!/usr/bin/env python3
"""scripts/gen-relocs on small images linked like the kernel: the words it
lists (R_X86_64_64 records and GOT entries that hold an address of the
moving part), and the records it refuses (a 32-bit absolute address of the
moving part, PC-relative across its edge)."""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiny_image import run_script_on_image  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN = os.path.join(REPO, "scripts", "gen-relocs")

SCRIPT = """
ENTRY(low)
fixed = 0xffffffff80000800; /* an absolute symbol: it does not move */
SECTIONS {
	. = 0x100000;
	.boot : { *(.boot) }
	. = 0xffffffff80001000;
	__text_start = .;
	.text : AT(ADDR(.text) - 0xffffffff80000000) { *(.text) }
	.got : AT(ADDR(.got) - 0xffffffff80000000) { *(.got) }
	.data : AT(ADDR(.data) - 0xffffffff80000000) { *(.data) }
	__ksyms_end = .;
}
"""

GOOD = """
	.section .boot, "ax"
	.globl low
low:	.quad high              /* before the slide: stays as linked */
	.text
high:	movabs $data, %rax      /* listed: 2 bytes into high */
	mov data@GOTPCREL(%rip), %rax
	lea data(%rip), %rax
	ret
	.data
data:	.quad high, 0x1234, low /* only the first is listed */
"""


def build(asm):
    """(gen-relocs' return code, its output) for an image of asm."""
    rc, out, err = run_script_on_image(GEN, asm, SCRIPT, ("--no-relax", "--emit-relocs"))
    return rc, out + err


def offsets(out):
    words = []
    for line in out.splitlines():
        if line.startswith("\t.long 0x"):
            words += [int(w, 16) for w in line.split(None, 1)[1].split(", ")]
    return words


@unittest.skipUnless(shutil.which("clang") and shutil.which("ld.lld"), "no clang or ld.lld")
class GenRelocs(unittest.TestCase):
    def test_lists_absolute_words_and_got_entries(self):
        rc, out = build(GOOD)
        self.assertEqual(rc, 0, out)
        words = offsets(out)
        self.assertEqual(len(words), 3, out)  # the movabs, the GOT entry, .quad high
        self.assertEqual(words[0], 2)  # the movabs immediate, 2 bytes into .text
        self.assertLess(words[1], words[2])  # .got, then .data

    def test_refuses_a_32_bit_absolute_address(self):
        rc, out = build(GOOD.replace("movabs $data, %rax", "mov $data, %rax"))
        self.assertNotEqual(rc, 0)
        self.assertIn("R_X86_64_32S", out)

    def test_refuses_pc_relative_across_the_edge(self):
        rc, out = build(GOOD.replace("lea data(%rip)", "lea fixed(%rip)"))
        self.assertNotEqual(rc, 0)
        self.assertIn("PC-relative across", out)


if __name__ == "__main__":
    unittest.main()
