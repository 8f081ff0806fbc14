"""classify: one audit cell from a run's console output and status.

A cell is one of:
  succeeded  the attack printed its marker (AUDIT-SUCCESS: ...)
  stopped    the named defence stopped it: a violation of one of the
             attack's kinds, with that kind's status (for the ASLR row: a
             fault at exactly the guessed address); for a network row (a
             host program), its "AUDIT-STOPPED: KIND ..." line naming one
             of the row's kinds, printed only when it saw the defence's
             own answer
  crashed    it ended otherwise: another violation, musl's own abort,
             a timeout, a reset
  survived   it ran to its end without reaching its goal or being stopped
Kinds and statuses are the kernel's (README.md, "Exit statuses").
"""

import re

STATUS = {
    "page-fault": 129, "null-deref": 130, "wx": 131, "stack-guard": 132,
    "stack-canary": 133, "heap-overflow": 135, "double-free": 136,
    "invalid-free": 137, "use-after-free": 138, "fortify": 139,
    "cpu-exception": 140, "double-fault": 141, "ubsan": 143, "libc-crash": 144,
}
LAUNCHER_STATUS = {124: "timeout", 125: "launcher failed", 126: "boot refused",
                   128: "kernel panic", 134: "abort()", 142: "guest reset, no status"}
MARKER = re.compile(r"^AUDIT-SUCCESS: (.*)$", re.M)
HOST_STOPPED = re.compile(r"^AUDIT-STOPPED: ([\w-]+) (.*)$", re.M)
VIOLATION = re.compile(r"^carapace: (?:\S+ )*?violation=([\w-]+)(.*)$", re.M)


def _at_guess(line, guess):
    """Whether a violation line faults at the guessed address (rip= or addr=)."""
    value = int(guess, 16)
    for field in re.findall(r"\b(?:rip|addr)=(0x[0-9a-fA-F]+)", line):
        if int(field, 16) == value:
            return True
    return False


def classify(attack, output, status, guess=None):
    """(cell, detail) for one run of attack (a dict of matrix.ATTACKS)."""
    marker = MARKER.search(output)
    if marker:
        return "succeeded", marker.group(1)
    stopped = HOST_STOPPED.search(output)
    if stopped and stopped.group(1) in attack["kinds"] and attack.get("host"):
        return "stopped", f"{stopped.group(1)}: {stopped.group(2)}"
    violation = VIOLATION.search(output)
    if violation:
        kind, rest = violation.group(1), violation.group(2)
        where = f"violation={kind} ({status})"
        if guess is not None and _at_guess(rest, guess):
            return "stopped", f"{where} at the guessed address {guess}"
        region = attack.get("region")
        if (kind in attack["kinds"] and status == STATUS.get(kind)
                and (region is None or f"region={region}" in rest)):
            return "stopped", where
        return "crashed", where
    if status == 0:
        return "survived", "ran to its end, goal not reached"
    if status in LAUNCHER_STATUS:
        return "crashed", f"{LAUNCHER_STATUS[status]} ({status})"
    return "crashed", f"status {status}"
