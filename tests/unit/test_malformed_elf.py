#!/usr/bin/env python3
"""A corpus of malformed ELF files, each made from build/apps/hello.so (or
hello-pie, or ifunc.so for the IFUNC cases) by breaking one thing, booted in
Carapace: each must end with status 126 and one clear line saying what is
wrong, never a crash, a hang or a violation report. Needs `make kernel-libc
apps-build` first (make test does it).
"""

import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LAUNCHER = os.path.join(REPO, "scripts", "carapace")
APPS = os.path.join(REPO, "build", "apps")
EXIT_BOOT_REFUSED = 126

PT_LOAD, PT_GNU_STACK = 1, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
PHDR = struct.Struct("<IIQQQQQQ")  # type flags offset vaddr paddr filesz memsz align
SHDR = struct.Struct("<IIQQQQIIQQ")
RELA = struct.Struct("<QQq")
SYM = struct.Struct("<IBBHQQ")  # name info other shndx value size
R_X86_64_IRELATIVE = 37


def phdrs(data):
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phnum, = struct.unpack_from("<H", data, 0x38)
    return [(phoff + i * PHDR.size, PHDR.unpack_from(data, phoff + i * PHDR.size))
            for i in range(phnum)]


def loads(data):
    return [(at, p) for at, p in phdrs(data) if p[0] == PT_LOAD]


def set_phdr(data, at, **changes):
    fields = list(PHDR.unpack_from(data, at))
    names = ["type", "flags", "offset", "vaddr", "paddr", "filesz", "memsz", "align"]
    for name, value in changes.items():
        fields[names.index(name)] = value
    PHDR.pack_into(data, at, *fields)


def section(data, wanted):
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", data, 0x3C)
    strtab = SHDR.unpack_from(data, shoff + shstrndx * SHDR.size)
    for i in range(shnum):
        s = SHDR.unpack_from(data, shoff + i * SHDR.size)
        name = data[strtab[4] + s[0]:].split(b"\0", 1)[0].decode()
        if name == wanted:
            return s[4], s[5]  # offset, size
    raise LookupError(wanted)


def symbol(data, wanted):
    """The value of a .dynsym symbol."""
    symoff, symsize = section(data, ".dynsym")
    stroff, _ = section(data, ".dynstr")
    for at in range(symoff, symoff + symsize, SYM.size):
        name, _, _, _, value, _ = SYM.unpack_from(data, at)
        if data[stroff + name:].split(b"\0", 1)[0].decode() == wanted:
            return value
    raise LookupError(wanted)


def point_irelative_at(name):
    """The IRELATIVE's resolver becomes symbol name of the same object."""
    def breaker(data):
        off, size = section(data, ".rela.plt")
        for at in range(off, off + size, RELA.size):
            r_offset, info, _ = RELA.unpack_from(data, at)
            if info & 0xFFFFFFFF == R_X86_64_IRELATIVE:
                RELA.pack_into(data, at, r_offset, info, symbol(data, name))
                return
        raise LookupError("no IRELATIVE")
    return breaker


def entry_in_data(data):
    """e_entry moved to the first non-executable segment after the text."""
    text = next(p for _, p in loads(data) if p[1] & PF_X)
    after = next(p for _, p in loads(data) if p[3] > text[3] and not p[1] & PF_X)
    struct.pack_into("<Q", data, 0x18, after[3])


def bad_relocation(data):
    off, _ = section(data, ".rela.dyn")
    r_offset, info, addend = RELA.unpack_from(data, off)
    RELA.pack_into(data, off, r_offset, (info & ~0xFFFFFFFF) | 0x7F, addend)


def truncate(n):
    return lambda data: data.__delitem__(slice(n, None))


# name: (how to break it, what the one line must say)
CORPUS = {
    "empty-ish": (truncate(40), r"truncated|shorter than an ELF header"),
    "half": (lambda d: d.__delitem__(slice(len(d) // 2, None)), r"outside|beyond|truncated|past the end"),
    "bad-magic": (lambda d: d.__setitem__(slice(0, 4), b"\x7fELG"), r"magic|not an ELF"),
    "32-bit": (lambda d: d.__setitem__(4, 1), r"class|64"),
    "big-endian": (lambda d: d.__setitem__(5, 2), r"endian|byte order|data"),
    "wrong-machine": (lambda d: struct.pack_into("<H", d, 0x12, 3), r"machine"),
    "not-dyn": (lambda d: struct.pack_into("<H", d, 0x10, 2), r"ET_EXEC .*fixed address"),
    "phoff-out": (lambda d: struct.pack_into("<Q", d, 0x20, 1 << 40), r"program header"),
    "absurd-phnum": (lambda d: struct.pack_into("<H", d, 0x38, 0xFFFF), r"program header"),
    "filesz-out": (lambda d: set_phdr(d, loads(d)[0][0], filesz=1 << 33, memsz=1 << 33),
                   r"outside|beyond|past|large|span"),
    "overlap": (lambda d: set_phdr(d, loads(d)[1][0], vaddr=loads(d)[0][1][3],
                                   offset=loads(d)[0][1][2]), r"overlap|order|sorted"),
    "wx-segment": (lambda d: set_phdr(d, loads(d)[0][0], flags=PF_R | PF_W | PF_X),
                   r"writable and executable|W\^X"),
    "exec-stack": (lambda d: [set_phdr(d, at, flags=PF_R | PF_W | PF_X)
                              for at, p in phdrs(d) if p[0] == PT_GNU_STACK],
                   r"executable stack"),
    "bad-reloc": (bad_relocation, r"relocation"),
    # The entry point, an IFUNC resolver and what it returns must be
    # executable text (a resolver returning a data address is no function).
    "entry-in-data": (entry_in_data, r"entry point 0x\w+ lies outside executable text", "hello-pie"),
    "ifunc-resolver-in-data": (point_irelative_at("ifunc_data_word"),
                               r"IFUNC resolver at 0x\w+ lies outside executable text", "ifunc.so"),
    "ifunc-target-in-data": (point_irelative_at("ifunc_resolver_returning_data"),
                             r"IFUNC resolver at 0x\w+ returned 0x\w+, outside executable text",
                             "ifunc.so"),
}


def boot(path):
    proc = subprocess.run([LAUNCHER, "run", "--timeout", "60", path], cwd=REPO,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", timeout=120)
    return proc.returncode, proc.stdout


class MalformedElf(unittest.TestCase):
    pass


def make_test(name, breaker, expected, base="hello.so"):
    def test(self):
        source = os.path.join(APPS, base)
        if not os.path.exists(source):
            self.skipTest(f"build/apps/{base} is not built")
        with open(source, "rb") as f:
            data = bytearray(f.read())
        breaker(data)
        with tempfile.TemporaryDirectory() as tmp:
            # The libraries of the tests' own, found through $ORIGIN/lib.
            shutil.copytree(os.path.join(APPS, "lib"), os.path.join(tmp, "lib"))
            path = os.path.join(tmp, f"{name}.so")
            with open(path, "wb") as f:
                f.write(data)
            status, output = boot(path)
        self.assertEqual(status, EXIT_BOOT_REFUSED, output)
        lines = [l for l in output.splitlines() if l.startswith("carapace: ")]
        self.assertEqual(len(lines), 1, output)
        self.assertNotIn("violation=", output)
        self.assertRegex(lines[0], re.compile(expected, re.I))
    return test


for _name, _case in CORPUS.items():
    setattr(MalformedElf, "test_" + _name.replace("-", "_"), make_test(_name, *_case))

if __name__ == "__main__":
    unittest.main()
