#!/usr/bin/env python3
"""test_classify: the audit's cell classification on sample console outputs
(the lines the kernel prints, README.md "Violation reports"). Run by
`make audit-test` (and `make audit` before it boots anything); with
AUDIT_LIVE=1 it also boots two real cells."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from classify import classify  # noqa: E402
from matrix import ATTACKS, COLUMNS, DEFENCES, boots, rule_failures  # noqa: E402

BY_NAME = {a["name"]: a for a in ATTACKS}
CANARY = ("audit: stack-smash: win at 0x7cf62753290 (leaked)\n"
          "carapace: violation=stack-canary in=application thread=main: a stack frame's canary "
          "changed (checked at 0x7cf6275328e)\n  backtrace:\n")
FAULT_AT_GUESS = ("audit: stack-guess: guessing win at 0x40000001320\n"
                  "carapace: violation=page-fault exception=page-fault(#PF) addr=0x40000001320 "
                  "rip=0x40000001320 error=0x10(not-present,fetch,kernel) cpu=0 thread=main: "
                  "access to an unmapped page\n")
RO_AFTER_INIT = ("carapace: violation=wx exception=page-fault(#PF) addr=0xffffd00000001ffc "
                 "rip=0x7cf6275328e error=0x3(present,write,kernel) cpu=0 thread=main "
                 "region=ro-after-init: write to data made read-only after boot\n")


class Classify(unittest.TestCase):
    def test_marker_is_success_whatever_the_status(self):
        out = "audit: x\nAUDIT-SUCCESS: control flow hijacked to win()\n"
        self.assertEqual(classify(BY_NAME["stack-smash"], out, 0),
                         ("succeeded", "control flow hijacked to win()"))
        self.assertEqual(classify(BY_NAME["stack-smash"], out, 129)[0], "succeeded")

    def test_named_kind_with_its_status_is_stopped(self):
        self.assertEqual(classify(BY_NAME["stack-smash"], CANARY, 133),
                         ("stopped", "violation=stack-canary (133)"))

    def test_named_kind_with_another_status_is_not_stopped(self):
        # An application may itself exit with a violation's status.
        self.assertEqual(classify(BY_NAME["stack-smash"], CANARY, 1)[0], "crashed")

    def test_another_defence_is_crashed_and_named(self):
        self.assertEqual(classify(BY_NAME["heap-overflow"], CANARY, 133),
                         ("crashed", "violation=stack-canary (133)"))

    def test_aslr_row_needs_the_fault_at_the_guess(self):
        attack = BY_NAME["stack-guess"]
        self.assertEqual(classify(attack, FAULT_AT_GUESS, 129, "0x40000001320")[0], "stopped")
        self.assertEqual(classify(attack, FAULT_AT_GUESS, 129, "0x40000002000")[0], "crashed")

    def test_region_is_required_where_the_row_names_one(self):
        attack = BY_NAME["ro-after-init"]
        self.assertEqual(classify(attack, RO_AFTER_INIT, 131)[0], "stopped")
        text_write = RO_AFTER_INIT.replace(" region=ro-after-init", "")
        self.assertEqual(classify(attack, text_write, 131)[0], "crashed")

    def test_stack_clash_needs_the_main_stack_guard(self):
        # With aslr=off the main stack's guard is also the top guard of the
        # stack below; the report names the main stack (kernel/mm/memory.c).
        line = ("carapace: violation=stack-guard exception=page-fault(#PF) addr=0xffffe0000005ed78 "
                "rip=0x400000012ae error=0x0(not-present,read,kernel) cpu=0 thread=main "
                "region=main-stack: access to a stack guard page\n")
        attack = BY_NAME["stack-clash"]
        self.assertEqual(classify(attack, line, 132)[0], "stopped")
        self.assertEqual(classify(attack, line.replace("main-stack", "sys:balancer0"), 132)[0],
                         "crashed")

    def test_host_row_stopped_only_by_its_own_kind(self):
        attack = BY_NAME["rest-api"]
        out = ("audit: rest-api: GET /file/etc/secret without a token: HTTP/1.1 401 Unauthorized\n"
               "AUDIT-STOPPED: api-auth 401 with WWW-Authenticate: Bearer\n## guest console\n")
        self.assertEqual(classify(attack, out, 0),
                         ("stopped", "api-auth: 401 with WWW-Authenticate: Bearer"))
        self.assertEqual(classify(BY_NAME["frame-flood"], out, 0)[0], "survived")
        # A guest program cannot claim a stop by printing the line.
        self.assertEqual(classify(dict(BY_NAME["stack-smash"], kinds={"api-auth"}), out, 0)[0],
                         "survived")

    def test_no_violation(self):
        attack = BY_NAME["use-after-free"]
        self.assertEqual(classify(attack, "audit: not stopped\n", 0)[0], "survived")
        self.assertEqual(classify(attack, "carapace: timeout: killed\n", 124),
                         ("crashed", "timeout (124)"))
        self.assertEqual(classify(attack, "", 142)[0], "crashed")

    def test_a_violation_word_inside_program_output_is_ignored(self):
        out = "audit: printing violation=fortify as text\n"
        self.assertEqual(classify(BY_NAME["format-n"], out, 0)[0], "survived")


class Matrix(unittest.TestCase):
    def test_every_off_column_exists(self):
        names = {c["name"] for c in COLUMNS}
        for defence in DEFENCES.values():
            self.assertTrue(defence["column"] is None or defence["column"] in names)

    def test_every_proof_column_is_its_defence_off_with_the_other_switch(self):
        # The proof cell and the cell that must be stopped differ by the
        # defence's own switch alone.
        columns = {c["name"]: c for c in COLUMNS}
        for name, defence in DEFENCES.items():
            if not defence.get("proof"):
                continue
            proof = columns[defence["proof"]["column"]]
            other = columns[defence["proof"]["stopped_in"]]
            own = columns[defence["column"]]
            self.assertEqual(proof["proof_of"], name)
            self.assertEqual(proof["kernel"], other["kernel"])
            self.assertEqual(sorted(proof["options"]), sorted(own["options"] + other["options"]))

    def test_a_proof_column_boots_only_its_defence_rows(self):
        proof = next(c for c in COLUMNS if c.get("proof_of"))
        booted = {a["name"] for a in ATTACKS if boots(proof, a)}
        self.assertEqual(booted, {a["name"] for a in ATTACKS if a["defence"] == proof["proof_of"]})
        self.assertTrue(booted)
        self.assertTrue(all(boots(c, a) for c in COLUMNS if not c.get("proof_of") for a in ATTACKS))

    def test_every_attack_has_a_program_and_defence(self):
        root = os.path.dirname(os.path.abspath(__file__))
        for attack in ATTACKS:
            self.assertIn(attack["defence"], DEFENCES)
            program = attack.get("host") or attack["program"] + ".c"
            self.assertTrue(os.path.exists(os.path.join(root, "attacks", program)))


class Rules(unittest.TestCase):
    """matrix.rule_failures: hardened all stopped; each defence's off-cell
    (or its proof) shows the attack succeeding."""

    SMASH = BY_NAME["stack-smash"]
    CLASH = BY_NAME["stack-clash"]
    CLASH_PROOF = {"hardened": {"cell": "stopped"}, "guards=off": {"cell": "crashed"},
                   "aslr=off": {"cell": "stopped"},
                   "guards=off+aslr=off": {"cell": "succeeded"}}

    def failures(self, attack, results):
        return rule_failures([attack], {attack["name"]: results})

    def test_off_cell_must_succeed(self):
        good = {"hardened": {"cell": "stopped"}, "canary=constant": {"cell": "succeeded"}}
        self.assertEqual(self.failures(self.SMASH, good), [])
        for cell in ("crashed", "stopped", "survived"):
            bad = dict(good, **{"canary=constant": {"cell": cell}})
            self.assertEqual(len(self.failures(self.SMASH, bad)), 1, cell)

    def test_hardened_must_be_stopped(self):
        bad = {"hardened": {"cell": "crashed"}, "canary=constant": {"cell": "succeeded"}}
        self.assertIn("hardened", self.failures(self.SMASH, bad)[0])

    def test_cells_not_run_are_not_judged(self):
        self.assertEqual(self.failures(self.SMASH, {}), [])

    def test_guard_proof_passes_with_guards_off_alone_crashed(self):
        self.assertEqual(self.failures(self.CLASH, self.CLASH_PROOF), [])

    def test_guard_proof_cell_must_succeed(self):
        for cell in ("crashed", "stopped", "survived"):
            bad = dict(self.CLASH_PROOF, **{"guards=off+aslr=off": {"cell": cell}})
            self.assertEqual(len(self.failures(self.CLASH, bad)), 1, cell)

    def test_guard_proof_needs_the_guard_stopping_it_with_aslr_off(self):
        # Else the two cells would not differ by the guard alone.
        for cell in ("crashed", "succeeded", "survived"):
            bad = dict(self.CLASH_PROOF, **{"aslr=off": {"cell": cell}})
            self.assertIn("aslr=off", self.failures(self.CLASH, bad)[0])

    def test_guard_off_cell_must_not_be_stopped_by_the_guard(self):
        # guards=off alone may crash (ASLR) or succeed, but a guard report
        # there would mean the switch did not turn the guard off.
        self.assertEqual(self.failures(self.CLASH, dict(self.CLASH_PROOF, **{
            "guards=off": {"cell": "succeeded"}})), [])
        bad = dict(self.CLASH_PROOF, **{"guards=off": {"cell": "stopped"}})
        self.assertIn("guards=off", self.failures(self.CLASH, bad)[0])

    def test_no_row_is_excused(self):
        # Every row with a switch of its own is judged by its off-cell or its proof.
        for attack in ATTACKS:
            defence = DEFENCES[attack["defence"]]
            if not defence["column"]:
                continue
            judged = (defence.get("proof") or {}).get("column") or defence["column"]
            bad = {"hardened": {"cell": "stopped"}, judged: {"cell": "crashed"}}
            self.assertTrue(self.failures(attack, bad), attack["name"])


@unittest.skipUnless(os.environ.get("AUDIT_LIVE"), "set AUDIT_LIVE=1 to boot QEMU (needs make audit-build)")
class Live(unittest.TestCase):
    """Two real cells, end to end: one stopped by its defence, its off-cell succeeding."""

    def test_stack_smash_stopped_then_succeeding(self):
        import importlib.machinery
        import importlib.util
        here = os.path.dirname(os.path.abspath(__file__))
        loader = importlib.machinery.SourceFileLoader("audit_run", os.path.join(here, "run"))
        spec = importlib.util.spec_from_loader("audit_run", loader)
        run = importlib.util.module_from_spec(spec)
        loader.exec_module(run)
        columns = {c["name"]: c for c in COLUMNS}
        hardened = run.run_cell(columns["hardened"], BY_NAME["stack-smash"])
        off = run.run_cell(columns["canary=constant"], BY_NAME["stack-smash"])
        self.assertEqual((hardened["cell"], hardened["status"]), ("stopped", 133))
        self.assertEqual(off["cell"], "succeeded")


if __name__ == "__main__":
    unittest.main()
