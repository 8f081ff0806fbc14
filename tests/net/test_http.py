#!/usr/bin/env python3
"""An unmodified-style server application through --forward: the guest runs
tests/apps/http_server.c (socket, bind 0.0.0.0:80, listen, accept on
AF_INET over lwIP and virtio-net) with --net user --forward tcp:PORT:80;
curl on the host asks for two paths and must get the page naming each;
then the application exits 0. The last answer of a second run is 4 MiB
written just before the application exits: every byte must still reach
curl (the kernel delivers what was sent before it powers off:
kernel/net/README.md, "At exit"). On microvm (q35 is the same code above
the driver, which test_tcp.py covers on both).

Run: python3 tests/net/test_http.py -v (build the kernel and apps first).
"""

import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import free_tcp_port, LISTEN_TIMEOUT  # noqa: E402

APP = os.path.join(frames.REPO, "build", "apps", "http_server.so")


class HttpServer(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(APP):
            self.skipTest("no build/apps/http_server.so (run make apps-build)")
        if not shutil.which("curl"):
            self.skipTest("no curl on the host")

    def wait_listening(self, guest):
        guest.wait_for(self, "http_server: listening on port 80", LISTEN_TIMEOUT, "never listened")

    def test_curl_through_forward(self):
        port = free_tcp_port()
        with frames.Guest(["--accel", "tcg", "--net", "user", "--forward", f"tcp:{port}:80",
                           APP, "80", "2"], timeout=180) as guest:
            self.wait_listening(guest)
            for path in ("/first", "/second/path"):
                page = subprocess.run(["curl", "-s", "-m", "30", f"http://127.0.0.1:{port}{path}"],
                                      capture_output=True, text=True, check=False)
                self.assertEqual(page.returncode, 0, page.stderr + guest.output)
                self.assertEqual(page.stdout, f"Hello from Carapace: you asked for {path}\n")
            self.assertEqual(guest.wait(120), 0, guest.output)
            self.assertIn("http_server: answered GET /second/path", guest.output)


    def test_last_answer_delivered_after_exit(self):
        size = 4 << 20
        port = free_tcp_port()
        with frames.Guest(["--accel", "tcg", "--net", "user", "--forward", f"tcp:{port}:80",
                           APP, "80", "1"], timeout=180) as guest:
            self.wait_listening(guest)
            # Without the kernel's wait at exit this failed 1 run in 5 here
            # (curl status 18 after 4,193,172 bytes): the end of the answer
            # was still in lwIP or the device's ring when the power went.
            page = subprocess.run(["curl", "-s", "-m", "60", f"http://127.0.0.1:{port}/bytes/{size}"],
                                  capture_output=True, check=False)
            self.assertEqual(guest.wait(120), 0, guest.output)
            self.assertEqual(page.returncode, 0,
                             f"curl status {page.returncode} after {len(page.stdout)} of {size} bytes\n"
                             + guest.output)
            pattern = bytes(ord("a") + i % 26 for i in range(26))
            expected = (pattern * (size // 26 + 1))[:size]
            self.assertEqual(len(page.stdout), size)
            self.assertTrue(page.stdout == expected, "the bytes differ from the pattern")
            self.assertNotIn("the rest is lost", guest.output)


if __name__ == "__main__":
    unittest.main()
