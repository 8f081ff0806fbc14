#!/usr/bin/env python3
"""The folders' include rules (README.md, "Allowed directions"), checked on
the source tree. Run from anywhere: prints each violation, exits 1 if any.

    python3 tests/unit/layering.py [ROOT]

1. A header of kernel/arch/ARCH/ is private to that folder: no file outside
   kernel/arch/ may include it (by name, or by a path into kernel/arch/).
   What the rest of the kernel needs of the architecture is in
   kernel/include/carapace/ (arch.h, layout.h, mmu.h, tlb.h).
2. The kernel's code (kernel/, hardening/, libc/, aslr/) includes another
   folder only through its public headers, <carapace/NAME.h>: a quoted
   include must name a file of the includer's own folder. Tests and
   fuzzers (tests/, fuzz/) are white-box and may include the private
   header of the code they test, but not an architecture's.
3. Only kernel/arch/ may be on an include path: no -I of kernel/arch/ or of
   any other kernel folder in the flags the kernel's files build with.
4. The public headers include each other without a circle.
"""
import os
import re
import sys

SOURCE_DIRS = ("kernel", "hardening", "libc", "aslr", "fuzz", "tests", "apps", "audit")
KERNEL_CODE = ("kernel/", "hardening/", "libc/", "aslr/")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
KERNEL_FLAGS = re.compile(r"^KERNEL_CFLAGS\s*[:+]?=.*?(?<!\\)$", re.M | re.S)


def sources(root):
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if d != "build"]
            for name in filenames:
                if name.endswith((".c", ".h", ".S")):
                    path = os.path.join(dirpath, name)
                    yield os.path.relpath(path, root).replace(os.sep, "/")


def arch_private(root):
    """{header name: its folder} for every header under kernel/arch/*/."""
    names = {}
    arch = os.path.join(root, "kernel", "arch")
    if os.path.isdir(arch):
        for sub in sorted(os.listdir(arch)):
            folder = os.path.join(arch, sub)
            if os.path.isdir(folder):
                for name in os.listdir(folder):
                    if name.endswith(".h"):
                        names[name] = f"kernel/arch/{sub}"
    return names


def check(root):
    """The violations in the tree at root, one line each."""
    private = arch_private(root)
    found = []
    for rel in sources(root):
        with open(os.path.join(root, rel), errors="replace") as f:
            text = f.read()
        folder = os.path.dirname(rel)
        in_arch = rel.startswith("kernel/arch/")
        for m in INCLUDE.finditer(text):
            kind, name = m.group(1), m.group(2)
            line = text.count("\n", 0, m.start()) + 1
            where = f"{rel}:{line}: #include {kind}{name}{'>' if kind == '<' else kind}"
            own = os.path.exists(os.path.join(root, folder, name))
            base = os.path.basename(name)
            if not in_arch and ("kernel/arch/" in os.path.normpath(os.path.join(folder, name))
                                or "arch/x86_64/" in name
                                or (base in private and not own and kind == '"')):
                found.append(f"{where}: an architecture's private header, outside kernel/arch/")
                continue
            if kind == '"' and rel.startswith(KERNEL_CODE) and ("/" in name or not own):
                found.append(f"{where}: another folder's private header "
                             "(include its public <carapace/...> header)")
    for mk in ("Makefile",):
        path = os.path.join(root, mk)
        if os.path.exists(path):
            with open(path) as f:
                for m in KERNEL_FLAGS.finditer(f.read()):
                    for flag in re.findall(r"-I\s*(\S+)", m.group(0)):
                        if flag.startswith("kernel/") and not flag.startswith("kernel/include"):
                            found.append(f"{mk}: KERNEL_CFLAGS puts {flag} on every file's include path")
    cycle = header_cycle(root)
    if cycle:
        found.append("kernel/include/carapace: public headers include each other in a circle: "
                     + " -> ".join(cycle))
    return found


def header_cycle(root):
    """A circle of public headers that include each other, or None."""
    inc = os.path.join(root, "kernel", "include", "carapace")
    graph = {}
    if os.path.isdir(inc):
        for name in os.listdir(inc):
            if name.endswith(".h"):
                with open(os.path.join(inc, name), errors="replace") as f:
                    graph[name] = re.findall(r"#\s*include\s*<carapace/([^>]+)>", f.read())
    done = set()

    def visit(name, path):
        if name in path:
            return path[path.index(name):] + [name]
        if name in done or name not in graph:
            return None
        for sub in graph[name]:
            found = visit(sub, path + [name])
            if found:
                return found
        done.add(name)
        return None

    for name in sorted(graph):
        found = visit(name, [])
        if found:
            return found
    return None


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    found = check(root)
    for v in found:
        print(v)
    print(f"layering: {len(found)} violation(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
