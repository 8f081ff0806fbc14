#!/usr/bin/env python3
"""The packet classifier against frames built apart from it: every frame of
fuzz/make_classifier_corpus.py's malformed() (Python, written from the RFCs)
must be dropped under the reason it is named for, every reason must have
one, and the seeds' single frames must pass. Compiles
tests/unit/classify_files.c with the classifier's sources on the host."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "fuzz"))
import make_classifier_corpus as corpus  # noqa: E402

SOURCES = ["tests/unit/classify_files.c", "kernel/net/siphash.c", "kernel/net/frame_check.c",
           "kernel/net/classifier.c", "kernel/net/channel.c", "kernel/sync/ring.c",
           "kernel/lib/fmt.c"]
HEADER = os.path.join(REPO, "kernel", "include", "carapace", "classifier.h")


def reasons():
    """Every drop reason's name, from the header's X-macro list."""
    with open(HEADER) as f:
        text = f.read().split("#define CLASSIFY_DROP_REASONS(X)")[1]
    return re.findall(r'X\(\w+, "([\w-]+)"\)', text.split("#define")[0])


class ClassifierFrames(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="carapace-classify.")
        cls.tool = os.path.join(cls.tmp.name, "classify_files")
        subprocess.run(["clang", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O1", "-Wall", "-Werror",
                        "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                        "-Ikernel/include", "-o", cls.tool, *SOURCES], cwd=REPO, check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def classify(self, frames):
        """{file name: result} for [(name, bytes)]."""
        paths = []
        for i, (name, data) in enumerate(frames):
            path = os.path.join(self.tmp.name, f"{i:03d}-{name}")
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
        out = subprocess.run([self.tool, *paths], check=True, stdout=subprocess.PIPE,
                             text=True).stdout
        return [line.split()[1] for line in out.splitlines()]

    def test_each_malformed_frame_has_its_reason(self):
        frames = list(corpus.malformed())
        got = self.classify(frames)
        for (reason, _), result in zip(frames, got):
            self.assertEqual(result, reason)
        self.assertEqual(set(reason for reason, _ in frames), set(reasons()))

    def test_seed_frames_pass(self):
        singles = [(name, data[1:]) for name, data in corpus.seeds()
                   if data[0] == corpus.MODE_FRAME and "fragment" not in name]
        self.assertTrue(singles)
        for (name, _), result in zip(singles, self.classify(singles)):
            self.assertEqual(result, "stack", name)


if __name__ == "__main__":
    unittest.main()
