#!/usr/bin/env python3
"""Tests for scripts/mkbootfs: a manifest packed into an image that is then
parsed back here by the layout of kernel/fs/README.md, and every manifest
mistake refused with a clear message. Run from the top of the tree:

    python3 tests/unit/test_mkbootfs.py
"""
import os
import struct
import subprocess
import sys
import tempfile
import unittest

MKBOOTFS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "scripts", "mkbootfs")


def run(*args):
    return subprocess.run([sys.executable, MKBOOTFS, *args],
                          capture_output=True, text=True)


def parse(image):
    """{path: (mode, data)} from an image, checking every bound."""
    magic, version, count, table_end, size, res = struct.unpack_from("<IIIIQQ", image)
    assert (magic, version, res, size) == (0x53464243, 1, 0, len(image))
    strings = 32 + 32 * count
    assert strings <= table_end <= size
    out = {}
    for i in range(count):
        name_off, mode, doff, dsize, res = struct.unpack_from("<IIQQQ", image, 32 + 32 * i)
        assert res == 0 and strings <= name_off < table_end
        end = image.index(b"\0", name_off)
        assert end < table_end
        assert doff % 16 == 0 and (dsize == 0 or doff >= table_end)
        assert doff + dsize <= size
        out[image[name_off:end].decode()] = (mode, image[doff:doff + dsize])
    return out


class MkbootfsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.write("hello.txt", b"hello\n")
        self.write("bin/app", b"\x7fELF")
        os.chmod(os.path.join(self.dir, "bin/app"), 0o755)
        self.write("tree/a", b"a")
        self.write("tree/sub/b", b"bb" * 20)
        os.makedirs(os.path.join(self.dir, "tree/empty"))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, data):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def pack(self, manifest):
        self.write("usr.manifest", manifest.encode())
        out = os.path.join(self.dir, "image")
        r = run(os.path.join(self.dir, "usr.manifest"), out)
        if r.returncode != 0:
            return r, None
        with open(out, "rb") as f:
            return r, f.read()

    def test_pack_and_parse(self):
        r, image = self.pack(
            "# comment\n\n/etc/hello: hello.txt\n"
            f"/bin/app: {self.dir}/bin/app\n/usr/**: tree/**\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        files = parse(image)
        self.assertEqual(files["/etc/hello"], (0o100644, b"hello\n"))
        self.assertEqual(files["/bin/app"], (0o100755, b"\x7fELF"))
        self.assertEqual(files["/usr/a"][1], b"a")
        self.assertEqual(files["/usr/sub/b"][1], b"bb" * 20)
        self.assertEqual(files["/usr/empty"], (0o040755, b""))

    def test_errors(self):
        cases = [
            ("/x: missing.txt\n", "does not exist"),
            ("x: hello.txt\n", "is not absolute"),
            ("/x: hello.txt\n/x: bin/app\n", "duplicate guest path"),
            ("/a/../x: hello.txt\n", "not normalised"),
            ("/x/**: hello.txt\n", "'/**' must end both"),
            ("/x/**: hello.txt/**\n", "is not a directory"),
            ("/x: tree\n", "is not a file"),
            ("/x: hello.txt\n/x/y: hello.txt\n", "is a file but"),
            ("no colon here\n", "expected 'GUEST_PATH: HOST_PATH'"),
        ]
        for manifest, message in cases:
            with self.subTest(manifest=manifest):
                r, image = self.pack(manifest)
                self.assertEqual(r.returncode, 1)
                self.assertIsNone(image)
                self.assertIn(message, r.stderr)
                self.assertTrue(r.stderr.startswith("mkbootfs: "))

    def test_usage(self):
        self.assertEqual(run().returncode, 2)
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: mkbootfs", r.stdout)


if __name__ == "__main__":
    unittest.main()
