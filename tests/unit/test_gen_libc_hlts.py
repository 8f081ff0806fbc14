#!/usr/bin/env python3
"""scripts/gen-libc-hlts on a small image: which hlt instructions between
__libc_text_start and __libc_text_end it lists, with which condition, and
which it must leave out (the next instruction reached another way)."""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiny_image import run_script_on_image  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN = os.path.join(REPO, "scripts", "gen-libc-hlts")

SCRIPT = """
ENTRY(outside)
SECTIONS {
	. = 0xffffffff80001000;
	.text : { *(.text.before) __libc_text_start = .; *(.text) __libc_text_end = .; *(.text.after) }
}
"""

ASM = """
	.section .text.before, "ax"
	.globl outside
outside: hlt                     /* not musl's: before the range */
	ret
	.text
only:	mov $1, %eax
	hlt                       /* offset 7 (.text starts 2 bytes in): only the hlt leads on */
	ret
checked: test $15, %dil
	je 1f
	hlt                       /* 0xf: je (4) jumps over it */
1:	ret
twice:	cmp $3, %edi
	jle 2f
	cmp $9, %esi
	jle 2f
	hlt                       /* 0x1b: jle (14), and only jle, leads past it */
2:	ret
mixed:	cmp $3, %edi
	jl 3f
	test %esi, %esi
	je 3f
	hlt                       /* left out: jl and je both lead past it */
3:	ret
tail:	hlt                       /* left out: a function starts right after */
next:	ret
	.section .text.after, "ax"
	hlt                       /* not musl's: after the range */
	ret
"""


def run_gen(asm):
    """(return code, stdout, stderr) of gen-libc-hlts on an image of asm."""
    return run_script_on_image(GEN, asm, SCRIPT)


@unittest.skipUnless(shutil.which("clang") and shutil.which("ld.lld") and
                     shutil.which("objdump"), "no clang, ld.lld or objdump")
class GenLibcHlts(unittest.TestCase):
    def test_sites_and_conditions(self):
        rc, out, err = run_gen(ASM)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.split("\n"), ["7 any", "f 4", "1b 14", ""], out + err)
        self.assertIn("3 hlt in musl's text recognised, 2 left out", err)
        self.assertIn("mixed+0x", err)
        self.assertIn("tail+0x0", err)

    def test_no_hlt(self):
        rc, out, err = run_gen(".text\nf: ret\n.section .text.before, \"ax\"\n"
                               ".globl outside\noutside: ret\n")
        self.assertEqual((rc, out), (0, ""), err)


if __name__ == "__main__":
    unittest.main()
