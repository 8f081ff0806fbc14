"""matrix: the audit's rows (attacks), columns (builds and boot options) and
defences, with what the seed documents of OSv for each defence."""

SEED = "/work/shared/seed/000_3861f7ab35d3c779.txt"

# Each defence: its title, the column that switches it off alone (None: no
# switch does), and what the seed says OSv has (documented facts only).
DEFENCES = {
    "canary": {"title": "random stack canary", "column": "canary=constant",
               "osv": "not documented in the seed"},
    "aslr": {"title": "ASLR", "column": "aslr=off",
             "osv": "none: lack of ASLR is listed among common unikernel vulnerabilities "
                    "(seed §3, summary of 'A Security Perspective on Unikernels'); the "
                    "kernel is linked at a fixed kernel_base := 0x40080000 (seed §2, OSv Makefile)"},
    "fortify": {"title": "FORTIFY", "column": "fortify=0",
                "osv": "has it: OSv's libc README claims FORTIFY; libc/__read_chk.c checks the "
                       "bound and _chk_fail aborts (seed §3, Library Hardening)"},
    "heap": {"title": "hardened heap", "column": "heap=musl",
             "osv": "not documented in the seed"},
    "nx": {"title": "W^X: non-executable stacks and heap", "column": None,
           "osv": "not documented in the seed"},
    "wx": {"title": "W^X: no writable+executable mapping", "column": "wx=allow",
           "osv": "not documented in the seed"},
    # ASLR stops a stack clash too (the stack-clash row's note), so the
    # guard's off-cell cannot show the attack succeeding: its proof is the
    # pair of cells that differ by the guard alone, aslr=off (the guard
    # stops it) and guards=off+aslr=off (it succeeds).
    "guards": {"title": "stack guard pages", "column": "guards=off",
               "proof": {"column": "guards=off+aslr=off", "stopped_in": "aslr=off"},
               "osv": "thread stacks have guard pages (OSv issue 143, seed §3, Guard Pages); "
                      "stack probing not documented"},
    "page0": {"title": "page 0 never mapped", "column": None,
              "osv": "not documented in the seed"},
    "api-auth": {"title": "REST API token (Bearer, throttled)", "column": "api.auth=off",
                 "osv": "none: OSv's REST API \"can replace the command line, read and write files "
                        "and directories\"; exposed, it gives attackers \"command execution, Local "
                        "and Remote File Inclusion\" (seed §3, Network Hardening)"},
    "classifier": {"title": "packet classifier: every header validated before the stack",
                   "column": None,
                   "osv": "OSv's classifier finds an IPv4 TCP flow's net channel (seed §3, Network "
                          "Channels); validation of malformed frames not documented"},
    "ro-after-init": {"title": "read-only after boot", "column": "baseline",
                      "osv": "kernel and application share one address space with no "
                             "different permissions (seed §1, Virtual Memory; §3, one ring); "
                             "read-only kernel data not documented"},
}

# Each attack: its program (audit/attacks/NAME.c), the defence that must stop
# it, the violation kinds that count as that defence (the kinds documented
# in README.md's status table), and an optional region= the line must name.
ATTACKS = [
    {"name": "stack-smash", "program": "stack_smash", "defence": "canary",
     "kinds": {"stack-canary"},
     "what": "stack overflow to win(), its address leaked, the canary guessed as OSv's constant"},
    {"name": "stack-guess", "program": "stack_guess", "defence": "aslr", "guess": True,
     "kinds": set(),
     "what": "stack overflow to win(), the canary leaked, win()'s address guessed from an aslr=off boot"},
    {"name": "format-n", "program": "format_n", "defence": "fortify", "kinds": {"fortify"},
     "what": "format string %n writes 42 through the program's pointer"},
    {"name": "heap-overflow", "program": "heap_overflow", "defence": "heap",
     "kinds": {"heap-overflow"},
     "what": "heap overflow into the neighbouring block's data"},
    {"name": "use-after-free", "program": "use_after_free", "defence": "heap",
     "kinds": {"use-after-free"},
     "what": "write through a freed pointer into a live object"},
    {"name": "double-free", "program": "double_free", "defence": "heap",
     "kinds": {"double-free"},
     "what": "double free: two live allocations get the same block"},
    {"name": "invalid-free", "program": "invalid_free", "defence": "heap",
     "kinds": {"invalid-free"},
     "what": "free of an interior pointer (a mallocng header forged in front of it): "
             "a new allocation overlapping a live block"},
    {"name": "shellcode-stack", "program": "shellcode_stack", "defence": "nx", "kinds": {"wx"},
     "what": "machine code on the stack, jumped to"},
    {"name": "shellcode-heap", "program": "shellcode_heap", "defence": "nx", "kinds": {"wx"},
     "what": "machine code on the heap, jumped to"},
    {"name": "wx-mprotect", "program": "wx_mprotect", "defence": "wx", "kinds": {"wx"},
     "what": "code written, mprotect(RWX), jumped to"},
    {"name": "stack-clash", "program": "stack_clash", "defence": "guards",
     "kinds": {"stack-guard"}, "region": "main-stack",
     "note": "ASLR stops this attack too, so the guard's proof is the pair of cells "
             "that differ by the guard alone: aslr=off, stopped by the main stack's guard "
             "(violation=stack-guard, region=main-stack), and guards=off+aslr=off (†), where "
             "the stacks lie side by side and the write lands in the stack below. With ASLR "
             "on, guards=off alone reads crashed: every stack lies at its own random page of "
             "a 2^32-page area, so the compiler's probe of the first page below the stack "
             "faults on unmapped memory (violation=page-fault, one page under the stack's "
             "bottom); stacks touch only by a chance of about (number of stacks)/2^32. No "
             "leak of addresses helps the attacker: what it would need is mapped memory right "
             "below the stack, and an application can neither map anything in the stacks "
             "area (mmap, MAP_FIXED included, stays in the low half: each cell's log shows "
             "the attack asking for the pages below the main stack and the kernel refusing) "
             "nor choose where the kernel places a stack. Without the probes (no "
             "-fstack-clash-protection) the alloca jumps the guard and guards=on does not "
             "stop it either",
     "what": "a 1 MiB + 8 KiB alloca past the main stack, then a write"},
    {"name": "null-deref", "program": "null_deref", "defence": "page0", "kinds": {"null-deref"},
     "what": "page 0 mapped by the attacker, a call through a NULL object"},
    {"name": "ro-after-init", "program": "ro_after_init", "defence": "ro-after-init",
     "kinds": {"wx"}, "region": "ro-after-init",
     "what": "a direct write to the IDT (sidt), read-only after boot"},
    {"name": "fortify-memcpy", "program": "fortify_memcpy", "defence": "fortify",
     "kinds": {"fortify"}, "what": "memcpy past a global into its neighbour"},
    {"name": "fortify-strcpy", "program": "fortify_strcpy", "defence": "fortify",
     "kinds": {"fortify"}, "what": "strcpy past a global into its neighbour"},
    {"name": "fortify-sprintf", "program": "fortify_sprintf", "defence": "fortify",
     "kinds": {"fortify"}, "what": "sprintf past a global into its neighbour"},
    {"name": "fortify-read", "program": "fortify_read", "defence": "fortify",
     "kinds": {"fortify"}, "what": "read of an input file past a global into its neighbour"},
]

# The network rows: host programs (audit/attacks/*.py) that boot the column's
# kernel themselves with its options, attack it from the host and print the
# guest's console after their own lines. They print "AUDIT-STOPPED: KIND
# detail" only when they saw the defence's own answer (KIND one of the row's
# kinds), as a guest attack's stop is its violation line.
ATTACKS += [
    {"name": "rest-api", "host": "rest_api.py", "defence": "api-auth", "kinds": {"api-auth"},
     "what": "an unauthenticated REST API request (api=on) for a secret file"},
    {"name": "frame-flood", "host": "frame_flood.py", "defence": "classifier",
     "kinds": {"classifier"},
     "note": "no switch turns the classifier off, so no column shows the flood succeeding; "
             "6 of its 50 frames are ones lwIP would answer if they reached it (by a reading "
             "of lwIP's code, audit/attacks/frame_flood.py), and none was answered; a frame "
             "under 14 bytes is dropped by the driver before the classifier (counted as a bad "
             "length)",
     "what": "a malformed-frame flood (500 frames, 31 drop reasons) over --net dgram"},
]

HARDENED = "build/carapace-libc.bin"
COLUMNS = [
    {"name": "hardened", "kernel": HARDENED},
    {"name": "aslr=off", "kernel": HARDENED, "options": ["aslr=off"]},
    {"name": "guards=off", "kernel": HARDENED, "options": ["guards=off"]},
    # A defence's proof column (DEFENCES' "proof") boots that defence's rows only.
    {"name": "guards=off+aslr=off", "kernel": HARDENED, "options": ["guards=off", "aslr=off"],
     "proof_of": "guards"},
    {"name": "heap=musl", "kernel": HARDENED, "options": ["heap=musl"]},
    {"name": "canary=constant", "kernel": HARDENED, "options": ["canary=constant"]},
    {"name": "wx=allow", "kernel": HARDENED, "options": ["wx=allow"]},
    {"name": "fortify=0", "kernel": HARDENED, "nofortify": True},
    {"name": "api.auth=off", "kernel": HARDENED, "options": ["api.auth=off"]},
    {"name": "baseline", "kernel": "build/baseline/carapace-libc.bin"},
]


def boots(column, attack):
    """Whether the cell is booted: a proof column only for its defence's rows."""
    return column.get("proof_of") in (None, attack["defence"])


def rule_failures(attacks, results):
    """The scorecard's own rules, on {attack: {column: {"cell": ...}}} (cells
    not run are not judged): every hardened cell is stopped; the off-cell of
    each row's defence succeeded, or, for a defence with a proof, its proof
    cell succeeded and the cell with only the proof's other switch off was
    stopped by this defence (so that the two differ by this defence alone),
    and its own off-cell, not judged otherwise, is not stopped by it."""
    problems = []
    for attack in attacks:
        cells = results[attack["name"]]

        def expect(column, wanted, why):
            if column in cells and cells[column]["cell"] != wanted:
                problems.append(f"{attack['name']}: {why} ({column}) is {cells[column]['cell']}")

        expect("hardened", "stopped", "hardened cell")
        defence = DEFENCES[attack["defence"]]
        if defence.get("proof"):
            expect(defence["proof"]["column"], "succeeded", "its defence's proof cell")
            expect(defence["proof"]["stopped_in"], "stopped",
                   "the proof's cell with its defence on")
            off = cells.get(defence["column"])
            if off and off["cell"] == "stopped":  # by the defence its switch turned off
                problems.append(f"{attack['name']}: its defence's off-cell ({defence['column']}) "
                                "is stopped by that defence")
        elif defence["column"]:
            expect(defence["column"], "succeeded", "its defence's off-cell")
    return problems
