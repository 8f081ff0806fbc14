"""tiny_image: links a small ELF image from assembly and a linker script (as
the kernel is linked: clang for x86_64, ld.lld, static, not PIE) and runs a
build script of scripts/ on it. Shared by test_gen_relocs.py and
test_gen_libc_hlts.py."""

import os
import shutil
import subprocess
import sys
import tempfile


def run_script_on_image(script, asm, ld_script, ld_flags=()):
    """(return code, stdout, stderr) of `python3 script IMAGE` on the image."""
    d = tempfile.mkdtemp()
    try:
        for name, text in (("t.S", asm), ("t.ld", ld_script)):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        subprocess.run(["clang", "-c", "-target", "x86_64-unknown-linux-gnu", "t.S",
                        "-o", "t.o"], cwd=d, check=True)
        subprocess.run(["ld.lld", "-static", "--no-pie", *ld_flags, "-T", "t.ld", "t.o",
                        "-o", "t.elf"], cwd=d, check=True)
        p = subprocess.run([sys.executable, script, os.path.join(d, "t.elf")],
                           capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr
    finally:
        shutil.rmtree(d)
