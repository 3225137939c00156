#!/usr/bin/env python3
"""make mutate: inject each single-point fault of mutate/mutants.ini into a copy of rtl/, rebuild
the lock-step regression against that copy, and check that some test fails on it.

The build tree (default build-mutate/) verilates only the small configurations named below from
its own copy of rtl/ (CMake options SWIS_RTL_DIR and SWIS_CONFIG_FILTER), so rtl/ itself is never
touched. The unmutated copy must pass first. A mutant is killed when the regression fails on it
(a mismatch, a protocol error or a timeout); a mutant that does not compile is a broken mutant
and fails the run, as does one that survives. Reports: <build>/mutants.md and mutants.csv.
"""
import argparse
import configparser
import csv
import glob
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Every PE kind at M = 4 and arrays of every shape the faults need: 1 x 1 (no skew at all),
# 2 x 3 single- and double-shift and fixed point, 4 x 4 (rows beyond the second, a longer drain),
# and the 2 x 3 accelerator with two 64-bit words to a weight buffer word.
CONFIGS = "^(pe_ss_m4|pe_ds_m4|pe_fxp_m4|arr_ds_1x1|arr_ds_2x3|arr_ss_2x3|arr_ds_4x4|arr_fxp_2x3|acc_ds_2x3)$"
TESTS = "AllConfigs/SwisPe.*:AllConfigs/FxpPe.*:AllConfigs/Array.*:AllConfigs/Accel.*"


def run(cmd, log, timeout=None, env=None):
    """Runs cmd, appending its output to log; returns (exit code or None on timeout, output)."""
    with open(log, "a") as f:
        f.write("+ " + " ".join(cmd) + "\n")
        f.flush()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=timeout, env=env, cwd=ROOT)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            f.write(out)
            return None, out
        f.write(p.stdout)
        return p.returncode, p.stdout


def first_failure(out):
    """The first failing test and the first line of its report."""
    test = re.search(r"^\[  FAILED  \] ([^\s,]+)", out, re.M)
    detail = ""
    for line in out.splitlines():
        if re.search(r"(expected .* actual|timeout|error|Failure$)", line) and "Failure" not in line:
            detail = line.strip()
            break
    return (test.group(1) if test else "?"), detail[:200]


def load_mutants(path):
    ini = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    ini.optionxform = str
    with open(path) as f:
        ini.read_file(f)
    mutants = []
    for name in ini.sections():
        s = ini[name]
        for key in ("file", "kind", "find", "replace", "why"):
            if key not in s:
                sys.exit(f"mutants.ini: [{name}] has no '{key}'")
        mutants.append(dict(id=name, file=s["file"], kind=s["kind"], find=s["find"],
                            replace=s["replace"], why=s["why"]))
    return mutants


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-mutate"))
    ap.add_argument("--mutants", default=os.path.join(ROOT, "mutate", "mutants.ini"))
    ap.add_argument("--only", default="", help="regular expression over mutant names")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per regression run")
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    rtl_copy = os.path.join(build, "rtl")
    log = os.path.join(build, "mutate.log")
    os.makedirs(build, exist_ok=True)
    open(log, "w").close()
    mutants = [m for m in load_mutants(args.mutants) if re.search(args.only, m["id"])]
    if not mutants:
        sys.exit("mutate: no mutant matches --only " + args.only)

    pristine = {}
    for name in sorted(os.listdir(os.path.join(ROOT, "rtl"))):
        if name.endswith(".v"):
            with open(os.path.join(ROOT, "rtl", name)) as f:
                pristine[name] = f.read()
    for m in mutants:
        if m["file"] not in pristine:
            sys.exit(f"mutate: [{m['id']}] names rtl/{m['file']}, which does not exist")
        n = pristine[m["file"]].count(m["find"])
        if n != 1:
            sys.exit(f"mutate: [{m['id']}] finds its text {n} times in rtl/{m['file']} (must be once)")

    def write_rtl(mutant=None):
        os.makedirs(rtl_copy, exist_ok=True)
        for name, text in pristine.items():
            if mutant is not None and name == mutant["file"]:
                text = text.replace(mutant["find"], mutant["replace"])
            path = os.path.join(rtl_copy, name)
            old = open(path).read() if os.path.exists(path) else None
            if old != text:  # leave unchanged files alone: their models need no rebuild
                with open(path, "w") as f:
                    f.write(text)

    env = dict(os.environ)
    env.setdefault("SWIS_SEED", "1")

    def reverilate(mutant):
        # A fault can change the set of files Verilator generates, and CMake reads that set only
        # when it configures (from <model>_copy.cmake): drop the models' copies and configure
        # again, so that stale files are not compiled against new headers.
        for d in glob.glob(os.path.join(build, "CMakeFiles", "swis_rtl.dir", "V*.dir")):
            name = os.path.basename(d)[1:-4]
            top_file = "fxp_pe.v" if name.startswith("pe_fxp") else "swis_pe.v" if name.startswith("pe_") else None
            if mutant is None or top_file is None or top_file == mutant["file"]:
                for f in glob.glob(os.path.join(d, "*_copy.cmake")):
                    os.remove(f)
        return run(["cmake", build], log)[0] == 0

    def build_and_test(mutant=None):
        target = ["cmake", "--build", build, "-j", str(args.jobs), "--target", "swis_tests"]
        code, out = run(target, log)
        if code != 0 and reverilate(mutant):
            code, out = run(target, log)
        if code != 0:
            return "broken", "", out.strip().splitlines()[-1] if out.strip() else "build failed"
        code, out = run([os.path.join(build, "swis_tests"), "--gtest_filter=" + TESTS,
                         "--gtest_fail_fast", "--gtest_brief=1"], log, timeout=args.timeout, env=env)
        if code is None:
            return "killed", "(timeout)", f"no verdict within {args.timeout} s"
        if code == 0:
            return "survived", "", ""
        test, detail = first_failure(out)
        return "killed", test, detail

    print(f"mutate: configuring {build} (configurations {CONFIGS})", flush=True)
    write_rtl()
    # -O1: the Verilated models compile about twice as fast, and the regression is short.
    code, out = run(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                     "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG",
                     "-DSWIS_RTL_DIR=" + rtl_copy, "-DSWIS_CONFIG_FILTER=" + CONFIGS], log)
    if code != 0:
        sys.exit("mutate: cmake failed; see " + log)
    t0 = time.time()
    verdict, test, detail = build_and_test()
    if verdict != "survived":
        sys.exit(f"mutate: the unmutated RTL does not pass ({verdict}: {test} {detail}); see {log}")
    print(f"mutate: unmutated RTL passes ({time.time() - t0:.0f} s)", flush=True)

    rows = []
    try:
        for i, m in enumerate(mutants, 1):
            t0 = time.time()
            write_rtl(m)
            verdict, test, detail = build_and_test(m)
            secs = time.time() - t0
            rows.append(dict(m, verdict=verdict, test=test, detail=detail, seconds=f"{secs:.0f}"))
            print(f"[{i:2d}/{len(mutants)}] {m['id']:32s} {verdict:8s} {secs:5.0f} s  {test}", flush=True)
    finally:
        write_rtl()

    killed = sum(r["verdict"] == "killed" for r in rows)
    with open(os.path.join(build, "mutants.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mutant", "kind", "file", "verdict", "first_failing_test", "report", "seconds"])
        for r in rows:
            w.writerow([r["id"], r["kind"], r["file"], r["verdict"], r["test"], r["detail"], r["seconds"]])
    kinds = sorted({r["kind"] for r in rows})
    with open(os.path.join(build, "mutants.md"), "w") as f:
        f.write(f"# Mutation run: {killed} of {len(rows)} mutants killed ({100.0 * killed / len(rows):.1f}%)\n\n")
        f.write(f"Regression: swis_tests --gtest_filter='{TESTS}' on {CONFIGS}, SWIS_SEED={env['SWIS_SEED']}.\n\n")
        f.write("| kind | killed | mutants |\n| --- | --- | --- |\n")
        for k in kinds:
            ks = [r for r in rows if r["kind"] == k]
            f.write(f"| {k} | {sum(r['verdict'] == 'killed' for r in ks)} | {len(ks)} |\n")
        f.write("\n| mutant | kind | fault | verdict | first failing test | report |\n")
        f.write("| --- | --- | --- | --- | --- | --- |\n")
        for r in rows:
            f.write(f"| {r['id']} | {r['kind']} | {r['why']} | {r['verdict']} | {r['test']} | "
                    f"{r['detail'].replace('|', '/')} |\n")
    print(f"mutate: {killed} of {len(rows)} mutants killed ({100.0 * killed / len(rows):.1f}%); "
          f"report {os.path.join(build, 'mutants.md')}")
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
