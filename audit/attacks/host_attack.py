"""host_attack: what the audit's network rows (the host programs of
audit/attacks/*.py) share: their command line and their output, the
attack's own lines first, then the guest's console, which audit/classify.py
reads as a guest attack's."""

import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "net"))
sys.path.insert(0, os.path.join(REPO, "fuzz"))


def parse_args(doc):
    """--kernel IMAGE and any number of --kernel-arg OPTION (the column's)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--kernel-arg", action="append", default=[])
    return parser.parse_args()


def report(lines, guest_output):
    print("\n".join(lines))
    print("## guest console")
    print(guest_output, end="")
