#!/usr/bin/env python3
"""The layout rules of lib/README.md, checked: which folder may include which, no Verilator,
GoogleTest or SystemC header in the library, no test-only code in the tool, a README in every
code folder, and no source file over the length limit unless its header says why it is one
thing. Plain Python (no packages): `python3 scripts/check_layout.py [ROOT]`; exit 1 with one
line per violation."""
import os
import re
import sys

# Folder -> the folders its sources may include (besides themselves). `gen` is CMake's
# generated configuration table.
LIB_STAGES = ["lib/common", "lib/formats", "lib/compiler", "lib/golden", "lib/mapping", "lib/flow",
              "lib/net"]
ALLOWED = {
    "lib/common": [],
    "lib/formats": ["lib/common"],
    "lib/compiler": ["lib/common", "lib/formats"],
    "lib/golden": ["lib/common", "gen"],
    "lib/mapping": ["lib/common", "lib/formats", "lib/compiler", "lib/golden"],
    "lib/flow": ["lib/common", "lib/formats", "lib/compiler", "lib/golden", "lib/mapping"],
    "lib/net": ["lib/common", "lib/formats", "lib/compiler", "lib/golden", "lib/mapping",
                "lib/flow"],
    "tb": LIB_STAGES + ["gen"],
    "tool": LIB_STAGES + ["tb"],
    "systemc": LIB_STAGES + ["tb"],
    "bench": LIB_STAGES + ["tb"],
    "fuzz": ["lib/common", "lib/formats", "lib/compiler"],
    "python": ["lib/common", "lib/formats", "lib/compiler"],  # the quantizer and scheduler
}
# What the tool and the SystemC bench may take from tb/: the harness interface, not the tests.
TB_FOR_TOOLS = {
    "tool": {"tb/accel_harness.h", "tb/array_harness.h", "tb/array_backend.h", "tb/pe_harness.h", "tb/pe_stimulus.h"},
    "systemc": {"tb/port_bits.h"},
}
# Headers of the simulators and test frameworks the library must never see.
FOREIGN = re.compile(r'^\s*#\s*include\s*[<"](verilated[^">]*|V[a-z0-9_]+\.h|gtest/[^">]*|'
                     r'gmock/[^">]*|systemc[^">]*|benchmark/[^">]*)[">]')
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
MAX_LINES = 500
WAIVER = re.compile(r"^//.*\bNot split\b", re.IGNORECASE)


def folder_of(rel):
    for f in sorted(ALLOWED, key=len, reverse=True):
        if rel == f or rel.startswith(f + "/"):
            return f
    return None


EXTERNAL = re.compile(r"^(verilated[a-z_]*|V[a-z0-9_]+)\.h$")


def include_folder(inc):
    if "/" not in inc:
        # Verilator's runtime and the Verilated classes, or the generated configuration table.
        return "external" if EXTERNAL.match(inc) else "gen"
    d = os.path.dirname(inc)
    return folder_of(d) or d


def check(root):
    problems = []
    if not os.path.isfile(os.path.join(root, "lib", "README.md")):
        problems.append("lib: no README.md with the stages and the include graph")
    for top in ALLOWED:
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for dirpath, _, files in os.walk(base):
            rel_dir = os.path.relpath(dirpath, root)
            sources = [f for f in files if f.endswith((".h", ".cpp"))]
            if sources and top != "bench" and top != "fuzz" and rel_dir.count("/") <= 1:
                if "README.md" not in files:
                    problems.append(f"{rel_dir}: no README.md saying what stage it is")
            for name in sources:
                rel = os.path.join(rel_dir, name)
                own = folder_of(rel)
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as fh:
                    lines = fh.read().splitlines()
                head = lines[:8]
                if len(lines) > MAX_LINES and not any(WAIVER.match(l) for l in head):
                    problems.append(f"{rel}: {len(lines)} lines, over {MAX_LINES}, and its header "
                                    "does not say why it is one thing ('// Not split: ...')")
                for n, line in enumerate(lines, 1):
                    if own.startswith("lib") and FOREIGN.match(line):
                        problems.append(f"{rel}:{n}: the library includes a simulator or test "
                                        f"header: {line.strip()}")
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    target = include_folder(inc)
                    if target == own or (target == "external" and not own.startswith("lib")):
                        continue
                    if own.startswith("lib") and target == "gen" and own != "lib/golden":
                        problems.append(f"{rel}:{n}: includes {inc}: only lib/golden reads the "
                                        "generated configuration table")
                        continue
                    if target not in ALLOWED[own]:
                        problems.append(f"{rel}:{n}: {own} may not include {inc} ({target}); "
                                        f"it may include {', '.join(ALLOWED[own]) or 'nothing'}")
                        continue
                    if target == "tb" and own in TB_FOR_TOOLS and inc not in TB_FOR_TOOLS[own]:
                        problems.append(f"{rel}:{n}: {own} may take only the harness interface "
                                        f"from tb/ ({', '.join(sorted(TB_FOR_TOOLS[own]))}), "
                                        f"not {inc}")
    return problems


def self_test():
    """Each rule must be able to fail: a small tree that breaks every rule once."""
    import tempfile
    bad = {
        "lib/README.md": "",
        "lib/common/README.md": "",
        "lib/formats/README.md": "",
        "lib/formats/up.h": '#include "lib/mapping/conv.h"\n',
        "lib/common/test.h": "#include <gtest/gtest.h>\n",
        "lib/common/long.cpp": "// long\n" + "int x;\n" * (MAX_LINES + 1),
        "lib/common/gen.cpp": '#include "swis_configs_gen.h"\n',
        "tool/README.md": "",
        "tool/cmd.cpp": '#include "tb/cli_test_util.h"\n',
        "systemc/sc.cpp": '#include "tb/array_harness.h"\n',
    }
    want = ["lib/formats/up.h:1", "lib/common/test.h:1", "lib/common/long.cpp: ",
            "lib/common/gen.cpp:1", "tool/cmd.cpp:1", "systemc/sc.cpp:1", "systemc: no README"]
    with tempfile.TemporaryDirectory() as root:
        for rel, text in bad.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as fh:
                fh.write(text)
        found = check(root)
    missed = [w for w in want if not any(p.startswith(w) for p in found)]
    for w in missed:
        print(f"layout self-test: no violation reported for {w}")
    if len(found) != len(want):
        print(f"layout self-test: {len(found)} violations for {len(want)} planted: {found}")
        return 1
    print(f"layout self-test: all {len(want)} planted violations reported")
    return 1 if missed else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(root)
    for p in problems:
        print("layout: " + p)
    if problems:
        print(f"layout: {len(problems)} violation(s)")
        return 1
    print("layout: clean (include graph, foreign headers, READMEs, file lengths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
