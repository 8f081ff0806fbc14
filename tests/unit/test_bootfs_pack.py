#!/usr/bin/env python3
"""Tests for build/tools/bootfs-pack (scripts/bootfs-pack.c), the launcher's
packer: the same image as scripts/mkbootfs for the same files in the same
order, the libraries of --libraries found as the dynamic linker would (and
musl's family left out), and every mistake refused with one line. Needs
`make kernel-libc` (which builds the tool) and gcc. Run from the top of the
tree:

    python3 tests/unit/test_bootfs_pack.py
"""
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PACK = os.path.join(REPO, "build", "tools", "bootfs-pack")
MKBOOTFS = os.path.join(REPO, "scripts", "mkbootfs")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_mkbootfs import parse  # noqa: E402  (the image's layout, checked)


def pack(*args, env=None):
    return subprocess.run([PACK, *args], capture_output=True, text=True, env=env)


class BootfsPackTest(unittest.TestCase):
    def setUp(self):
        if not os.access(PACK, os.X_OK):
            self.skipTest(f"{PACK} is not built (make kernel-libc)")
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.out = os.path.join(self.dir, "image")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, data, mode=0o644):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def shared_object(self, rel, needed=(), runpath=None):
        """A shared object at rel needing each of needed (by -l against stubs)."""
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        src = self.write(rel + ".c", b"int f(void) { return 1; }\n")
        cmd = ["gcc", "-shared", "-fPIC", "-nostdlib", "-o", path, src,
               f"-Wl,-soname,{os.path.basename(rel)}", "-Wl,--no-as-needed"]
        for name in needed:
            cmd.append(f"-Wl,--push-state,--no-as-needed,-l:{name},--pop-state")
        stubs = os.path.join(self.dir, "stubs")
        os.makedirs(stubs, exist_ok=True)
        for name in needed:
            stub = os.path.join(stubs, name)
            if not os.path.exists(stub):
                subprocess.run(["gcc", "-shared", "-fPIC", "-nostdlib", "-o", stub, src,
                                f"-Wl,-soname,{name}"], check=True)
        cmd.append(f"-L{stubs}")
        if runpath:
            cmd += [f"-Wl,-rpath,{runpath}", "-Wl,--enable-new-dtags"]
        subprocess.run(cmd, check=True, capture_output=True)
        return path

    def image(self):
        with open(self.out, "rb") as f:
            return f.read()

    def test_same_image_as_mkbootfs(self):
        a = self.write("a.txt", b"hello\n")
        b = self.write("bin/app", b"\x7fELF" * 7, 0o755)
        c = self.write("c", b"")
        r = pack(self.out, f"{a}:/etc/hello", f"{b}:/bin/app", f"{c}:/empty")
        self.assertEqual(r.returncode, 0, r.stderr)
        manifest = self.write("m", f"/etc/hello: {a}\n/bin/app: {b}\n/empty: {c}\n".encode())
        theirs = os.path.join(self.dir, "theirs")
        subprocess.run([sys.executable, MKBOOTFS, manifest, theirs], check=True)
        with open(theirs, "rb") as f:
            self.assertEqual(self.image(), f.read())
        files = parse(self.image())
        self.assertEqual(files["/bin/app"], (0o100755, b"\x7fELF" * 7))
        self.assertEqual(files["/etc/hello"], (0o100644, b"hello\n"))

    def test_libraries(self):
        # app needs liba (in $ORIGIN/lib by DT_RUNPATH) and libc.so (the
        # kernel's: not packed); liba needs libb (in LD_LIBRARY_PATH) and
        # libm.so.6; libb needs liba again (packed once).
        self.shared_object("ld/libb.so", needed=["liba.so", "libm.so.6"])
        self.shared_object("app/lib/liba.so", needed=["libb.so", "libm.so.6"])
        app = self.shared_object("app/app.so", needed=["liba.so", "libc.so"],
                                 runpath="$ORIGIN/lib")
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(self.dir, "ld"))
        r = pack(self.out, f"{app}:/app.so", "--libraries", app, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        files = parse(self.image())
        self.assertEqual(sorted(files), ["/app.so", "/lib/liba.so", "/lib/libb.so"])
        with open(os.path.join(self.dir, "ld/libb.so"), "rb") as f:
            self.assertEqual(files["/lib/libb.so"][1], f.read())

    def test_missing_library(self):
        app = self.shared_object("app.so", needed=["libnowhere.so"])
        r = pack(self.out, "--libraries", app)
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs 'libnowhere.so': not found", r.stderr)
        self.assertTrue(r.stderr.startswith("bootfs-pack: "))

    def test_not_elf_needs_nothing(self):
        text = self.write("notes.txt", b"not an ELF file\n")
        r = pack(self.out, f"{text}:/notes.txt", "--libraries", text)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(list(parse(self.image())), ["/notes.txt"])

    def test_errors(self):
        a = self.write("a", b"a")
        cases = [
            ([f"{self.dir}/missing:/x"], 1, "does not exist"),
            ([f"{a}:/x", f"{a}:/x"], 1, "duplicate guest path /x"),
            ([f"{a}:/a/../x"], 1, "not absolute and normalised"),
            ([f"{a}:/x//y"], 1, "not absolute and normalised"),
            ([f"{a}:/" + "n" * 256], 1, "not absolute and normalised"),
            ([f"{a}:/x", f"{a}:/x/y"], 1, "/x is a file but /x/y is under it"),
            ([f"{self.dir}:/d"], 1, "is not a file"),
            (["no-colon"], 2, "is not HOST:/GUEST"),
            (["--libraries"], 2, "needs a file"),
        ]
        for args, status, message in cases:
            with self.subTest(args=args):
                if os.path.exists(self.out):
                    os.unlink(self.out)
                r = pack(self.out, *args)
                self.assertEqual(r.returncode, status, r.stderr)
                self.assertIn(message, r.stderr)
                self.assertFalse(os.path.exists(self.out))

    def test_new_dir(self):
        a = self.write("a", b"a")
        template = os.path.join(self.dir, "run.XXXXXX")
        r = pack("--new-dir", template, f"{a}:/a")
        self.assertEqual(r.returncode, 0, r.stderr)
        made = r.stdout.strip()
        self.assertTrue(made.startswith(os.path.join(self.dir, "run.")) and made != template)
        with open(os.path.join(made, "bootfs.img"), "rb") as f:
            self.assertEqual(parse(f.read()), {"/a": (0o100644, b"a")})
        # A failure leaves no directory behind.
        before = set(os.listdir(self.dir))
        r = pack("--new-dir", template, f"{a}:/a", f"{a}:/a")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(set(os.listdir(self.dir)), before)

    def test_usage(self):
        self.assertEqual(subprocess.run([PACK], capture_output=True).returncode, 2)


if __name__ == "__main__":
    unittest.main()
