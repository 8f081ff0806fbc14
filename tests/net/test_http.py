#!/usr/bin/env python3
"""An unmodified-style server application through --forward: the guest runs
tests/apps/http_server.c (socket, bind 0.0.0.0:80, listen, accept on
AF_INET over lwIP and virtio-net) with --net user --forward tcp:PORT:80;
curl on the host asks for two paths and must get the page naming each;
then the application exits 0. On microvm (q35 is the same code above
the driver, which test_tcp.py covers on both).

Run: python3 tests/net/test_http.py -v (build the kernel and apps first).
"""

import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
from test_tcp import free_tcp_port, LISTEN_TIMEOUT  # noqa: E402

APP = os.path.join(frames.REPO, "build", "apps", "http_server.so")


class HttpServer(unittest.TestCase):
    def test_curl_through_forward(self):
        if not os.path.exists(APP):
            self.skipTest("no build/apps/http_server.so (run make apps-build)")
        if not shutil.which("curl"):
            self.skipTest("no curl on the host")
        port = free_tcp_port()
        with frames.Guest(["--accel", "tcg", "--net", "user", "--forward", f"tcp:{port}:80",
                           APP, "80", "2"], timeout=180) as guest:
            deadline = time.monotonic() + LISTEN_TIMEOUT
            while "http_server: listening on port 80" not in guest.output:
                self.assertIsNone(guest.proc.poll(), f"the guest ended early:\n{guest.output}")
                self.assertLess(time.monotonic(), deadline, f"never listened:\n{guest.output}")
                time.sleep(0.1)
            for path in ("/first", "/second/path"):
                page = subprocess.run(["curl", "-s", "-m", "30", f"http://127.0.0.1:{port}{path}"],
                                      capture_output=True, text=True, check=False)
                self.assertEqual(page.returncode, 0, page.stderr + guest.output)
                self.assertEqual(page.stdout, f"Hello from Carapace: you asked for {path}\n")
            self.assertEqual(guest.wait(120), 0, guest.output)
            self.assertIn("http_server: answered GET /second/path", guest.output)


if __name__ == "__main__":
    unittest.main()
