"""frames: the host's side of a Carapace guest's network, for tests.

The launcher's `--net dgram:LOCALPORT:REMOTEPORT` makes QEMU read raw
Ethernet frames from UDP datagrams sent to 127.0.0.1:LOCALPORT and send the
guest's frames as datagrams to 127.0.0.1:REMOTEPORT. DgramLink is that
other end; Guest boots a kernel with it and collects its console.

QEMU 7.2's pitfalls (/work/shared/design/architecture.md): an empty datagram
makes QEMU stop reading for good, so send() refuses one; frames over 1514
bytes stall the guest's receive queue, so send() refuses those unless told
otherwise; frames sent before the guest's driver posted its buffers are
lost, so wait for the guest to speak first (or send again). And UDP drops
what does not fit a socket's buffer: QEMU's holds about 200 small
datagrams while the guest's ring is full, so send at most SAFE_BURST
frames before reading the answers (seen: 253 of a 300-frame burst came
back).

Used by tests/net/test_*.py and by later tests (ARP, ICMP, TCP by raw
frames, malformed frames).
"""

import os
import select
import socket
import struct
import subprocess
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(REPO, "scripts", "carapace")
LOCALHOST = "127.0.0.1"
ETH_HEADER = 14
MAX_FRAME = 1514          # MTU 1500 plus the Ethernet header, no FCS
BROADCAST = b"\xff" * 6
HOST_MAC = bytes.fromhex("020000c0ffee")   # locally administered, unicast
RCVBUF = 4 << 20
# QEMU's own socket keeps the default buffer (~200 small datagrams): while
# the guest's receive ring is full, more than that in flight are dropped by
# the host's kernel. Send bursts of at most this many, then read.
SAFE_BURST = 100


def free_udp_port():
    """A UDP port on 127.0.0.1 that nothing uses right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


def mac(text):
    """b'...' from 'aa:bb:cc:dd:ee:ff'."""
    return bytes(int(part, 16) for part in text.split(":"))


def mac_text(raw):
    return ":".join(f"{b:02x}" for b in raw)


def ethernet(dst, src, ethertype, payload=b""):
    """An Ethernet II frame (no FCS: QEMU neither adds nor expects one)."""
    return dst + src + struct.pack("!H", ethertype) + payload


def ethertype(frame):
    return struct.unpack("!H", frame[12:14])[0] if len(frame) >= ETH_HEADER else None


class DgramLink:
    """The host's end of --net dgram. Binds REMOTEPORT (the guest's frames
    arrive there) and sends to LOCALPORT (QEMU's socket)."""

    def __init__(self, qemu_port=None, host_port=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Room for a guest's burst: the kernel counts ~1 KiB per small datagram.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.bind((LOCALHOST, host_port or 0))
        self.host_port = self.sock.getsockname()[1]
        self.qemu_port = qemu_port or free_udp_port()
        while self.qemu_port == self.host_port:
            self.qemu_port = free_udp_port()

    @property
    def launcher_arg(self):
        """The value of the launcher's --net for this link."""
        return f"dgram:{self.qemu_port}:{self.host_port}"

    def send(self, frame, allow_big=False):
        """Sends one frame to the guest. Never an empty datagram (QEMU would
        stop reading), never more than MAX_FRAME bytes unless allow_big."""
        if not frame:
            raise ValueError("an empty datagram would make QEMU stop reading its socket")
        if len(frame) > MAX_FRAME and not allow_big:
            raise ValueError(f"a {len(frame)}-byte frame would stall the guest's receive queue")
        self.sock.sendto(frame, (LOCALHOST, self.qemu_port))

    def recv(self, timeout):
        """The guest's next frame, or None after timeout seconds."""
        ready, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not ready:
            return None
        return self.sock.recvfrom(65536)[0]

    def recv_until(self, predicate, timeout):
        """The first frame for which predicate(frame) is true, or None; the
        frames skipped on the way are returned too: (frame, skipped)."""
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            frame = self.recv(deadline - time.monotonic())
            if frame is None:
                return None, skipped
            if predicate(frame):
                return frame, skipped
            skipped.append(frame)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Guest:
    """A guest booted by the launcher in the background; its output (stdout
    and stderr together) is collected as it comes."""

    def __init__(self, launcher_args, timeout=120):
        self.proc = subprocess.Popen([LAUNCHER, "run", "--timeout", str(timeout), *launcher_args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._chunks = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self._chunks.append(line.decode(errors="replace"))

    @property
    def output(self):
        with self._lock:
            return "".join(self._chunks)

    def wait(self, timeout=None):
        """The launcher's status (None if it is still running after timeout)."""
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(5)
        return status

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
