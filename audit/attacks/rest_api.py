#!/usr/bin/env python3
"""rest_api: an unauthenticated REST API request, from the host (a remote
peer that reaches the API's port).

  audit/attacks/rest_api.py --kernel IMAGE [--kernel-arg OPTION]...

Boots IMAGE with the API on (the launcher's --api, test=api-serve) and a
secret file in its boot filesystem (/etc/secret), then asks for that file
with no Authorization header, as OSv's open API would serve it (seed §3:
"read and write files and directories"). Goal: the secret's bytes come
back (AUDIT-SUCCESS). The named defence is the API's token: a 401 with
`WWW-Authenticate: Bearer realm="carapace"` is the defence's own answer
and the only one reported as AUDIT-STOPPED: api-auth. Anything else (no
answer, another status) is printed as it came and the audit calls it
"crashed". The guest's console follows the attack's lines.
"""

import os
import secrets
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import host_attack  # noqa: E402
import frames  # noqa: E402

READY_TIMEOUT = 150   # seconds for the boot, DHCP and the listener under TCG, two guests at once
SECRET_PATH = "/etc/secret"
READY_LINE = "api-serve: the API is"   # kernel/api/api_server.c, on or off


def request(port, method, path, headers=""):
    """(status line, headers, body) of one HTTP/1.1 request; None when nothing answered."""
    try:
        with socket.create_connection((frames.LOCALHOST, port), timeout=10) as s:
            s.sendall(f"{method} {path} HTTP/1.1\r\nHost: carapace\r\n{headers}"
                      "Connection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode(errors="replace").split("\r\n")
    return lines[0], lines[1:], body


def wait_for_api(guest, port):
    """The first answer to GET /os/name without a token, once the API listens.
    No request goes out before the guest's console says the API test runs:
    QEMU accepts the host's connection at once, and a SYN it passes on
    before the guest's network is up goes unanswered until TCP's
    retransmission, seconds later (6 s measured under TCG). After that
    line a request that finds no listener yet is refused at once."""
    deadline = time.monotonic() + READY_TIMEOUT
    while READY_LINE not in guest.output:
        if guest.proc.poll() is not None or time.monotonic() > deadline:
            return None
        time.sleep(0.1)
    while time.monotonic() < deadline:
        if guest.proc.poll() is not None:
            return None
        answer = request(port, "GET", "/os/name")
        if answer is not None:
            return answer
        time.sleep(0.5)
    return None


def main():
    opts = host_attack.parse_args(__doc__)
    secret = "carapace-secret-" + secrets.token_hex(8)
    with socket.socket() as s:
        s.bind((frames.LOCALHOST, 0))
        port = s.getsockname()[1]
    with tempfile.NamedTemporaryFile("w", prefix="audit-secret.", delete=False) as f:
        f.write(secret + "\n")
        secret_file = f.name
    args = ["--machine", "microvm", "--accel", "tcg", "--kernel", opts.kernel,
            "--api", str(port), "--file", f"{secret_file}:{SECRET_PATH}",
            "--kernel-arg", "test=api-serve"]
    for option in opts.kernel_arg:
        args += ["--kernel-arg", option]
    lines = []
    status = 1
    with frames.Guest(args, timeout=READY_TIMEOUT + 60) as guest:
        try:
            first = wait_for_api(guest, port)
            if first is None:
                lines.append("audit: rest-api: the API never answered")
            else:
                lines.append(f"audit: rest-api: the API answers GET /os/name without a token: "
                             f"{first[0]}")
                answer = request(port, "GET", "/file" + SECRET_PATH)
                if answer is None:
                    lines.append(f"audit: rest-api: GET /file{SECRET_PATH}: no answer")
                else:
                    status_line, headers, body = answer
                    lines.append(f"audit: rest-api: GET /file{SECRET_PATH} without a token: "
                                 f"{status_line}")
                    if status_line.startswith("HTTP/1.1 200") and secret.encode() in body:
                        lines.append("AUDIT-SUCCESS: secret read without a token: "
                                     f"GET /file{SECRET_PATH} served the file")
                    elif (status_line.startswith("HTTP/1.1 401")
                          and 'WWW-Authenticate: Bearer realm="carapace"' in headers):
                        lines.append("AUDIT-STOPPED: api-auth 401 with WWW-Authenticate: Bearer")
                    status = 0
        finally:
            guest.stop()
            os.unlink(secret_file)
        host_attack.report(lines, guest.output)
    return status


if __name__ == "__main__":
    sys.exit(main())
