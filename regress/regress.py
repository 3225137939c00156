#!/usr/bin/env python3
"""Sharded regressions: split a long regression into shards, run them anywhere, merge the results.

A suite is a list of items (tests, seeds x tests, mutants) in a stable order; shard k of N takes
items k, k + N, k + 2N, ... (the rule of `ctest -I k+1,,N`). Each shard is one plain command that
runs wherever the project is built (this checkout, a build tree), and writes
<out>/<suite>.<k>.json: the shard's command, its exit code and every item it ran with a verdict
and the command that reproduces that item on one machine. `merge` combines the N shard files
into <out>/<suite>.report.md and <suite>.report.json and one exit code: 0 when every shard is
there, passed and ran something; 1 otherwise (each failure named with its command); 2 on bad
arguments or an unreadable shard file.

    regress/regress.py list
    regress/regress.py run SUITE K N [--out DIR] [--build DIR] [--jobs J]
    regress/regress.py merge SUITE N [--out DIR]
    regress/regress.py local SUITE N [--out DIR] [--parallel P]      (run all shards here, merge)
    regress/regress.py progress SUITE N [--out DIR]                  (shards done / total)

Suites (README, "Regressions on a cluster"):
    tests     every ctest test of the build but these regression tests (label regress)
    lockstep  the lock-step tests (Pe|Array|Run|Waves) at the default seed
    seeds     the lock-step tests at SWIS_SEEDS (default 1..8), a shard a set of seeds
    soak      the PE and array tests with SWIS_SOAK (default 40) times their stimulus (make regress)
    formal    the formal proofs (ctest label formal)
    mutants   the faults of mutate/mutants.ini (those SWIS_MUTANTS matches, default all), a shard
              a set of mutants in its own build tree (<build>-mutate-shards/shard<k>)
    synth     the synthesis sweep (<build>/synth_jobs.txt), a shard a set of designs, each
              checked against synth/area_record.csv
SWIS_REGRESS_FAIL=K makes shard K fail on purpose (its exit code and one failed item), to check
that a merge notices.
"""
import argparse
import configparser
import csv
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCKSTEP = "Pe|Array|Run|Waves"
SUITES = ("tests", "lockstep", "seeds", "soak", "formal", "mutants", "synth")


class BadInput(Exception):
    pass


def shard_file(out, suite, k):
    return os.path.join(out, f"{suite}.{k}.json")


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def seeds():
    text = os.environ.get("SWIS_SEEDS", "1 2 3 4 5 6 7 8").split()
    if not text or not all(s.isdigit() for s in text):
        raise BadInput("SWIS_SEEDS must be a list of non-negative integers")
    return [int(s) for s in text]


def mutant_ids():
    c = configparser.ConfigParser(interpolation=None)
    c.read(os.path.join(ROOT, "mutate", "mutants.ini"))
    only = os.environ.get("SWIS_MUTANTS", "")
    try:
        return [m for m in c.sections() if re.search(only, m)]
    except re.error as e:
        raise BadInput(f"SWIS_MUTANTS is not a regular expression ({e})")


def synth_designs(build):
    path = os.path.join(build, "synth_jobs.txt")
    if not os.path.exists(path):
        raise BadInput(f"{path} is missing (run make build first)")
    with open(path) as f:
        return [l.split()[0] for l in f if l.strip() and not l.startswith("#")]


def junit_items(path, repro):
    """(name, status, seconds) of every testcase in a ctest JUnit file."""
    items = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        status = case.get("status", "")
        if case.find("failure") is not None or case.find("error") is not None:
            status = "failed"
        elif case.find("skipped") is not None or status in ("disabled", "notrun", "skipped"):
            status = "skipped"
        elif status in ("", "run", "passed"):
            status = "passed"
        else:
            status = "failed"
        items.append({"name": name, "status": status, "seconds": float(case.get("time", "0") or 0),
                      "repro": repro(name)})
    return items


def ctest_shard(build, k, n, jobs, out, tag, select, env=None):
    """ctest's tests k+1, k+1+n, ... of those `select` picks; returns (command, rc, items)."""
    xml = os.path.abspath(os.path.join(out, f"{tag}.junit.xml"))
    cmd = ["ctest", "--test-dir", build, "-j", str(jobs), "--output-on-failure",
           "-I", f"{k + 1},,{n}", "--output-junit", xml] + select
    if os.path.exists(xml):
        os.remove(xml)
    rc = run_logged(cmd, os.path.join(out, f"{tag}.log"), env)
    if not os.path.exists(xml):
        return cmd, rc, []
    prefix = ("SWIS_SEED=" + env["SWIS_SEED"] + " ") if env and "SWIS_SEED" in env else ""
    return cmd, rc, junit_items(
        xml, lambda name: f"{prefix}ctest --test-dir {build} --output-on-failure -R '^{re.escape(name)}$'")


def run_logged(cmd, log, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    with open(log, "a") as f:
        f.write("+ " + " ".join(cmd) + "\n")
        f.flush()
        return subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, env=full_env)


def run_shard(suite, k, n, out, build, jobs):
    tag = f"{suite}.{k}"
    log = os.path.join(out, tag + ".log")
    if os.path.exists(log):
        os.remove(log)
    commands, items, rc = [], [], 0
    if suite in ("tests", "lockstep", "formal"):
        select = {"tests": ["-LE", "^regress$"], "lockstep": ["-R", LOCKSTEP], "formal": ["-L", "^formal$"]}[suite]
        cmd, rc, items = ctest_shard(build, k, n, jobs, out, tag, select)
        commands.append(" ".join(cmd))
    elif suite == "seeds":
        for s in seeds()[k::n]:
            cmd, r, its = ctest_shard(build, 0, 1, jobs, out, f"{tag}.seed{s}", ["-R", LOCKSTEP],
                                      {"SWIS_SEED": str(s)})
            commands.append(f"SWIS_SEED={s} " + " ".join(cmd))
            for it in its:
                it["name"] = f"seed {s}: {it['name']}"
            items += its
            rc = rc or r
    elif suite == "soak":
        soak = os.environ.get("SWIS_SOAK", "40")
        cmd, rc, items = ctest_shard(build, k, n, jobs, out, tag, ["-R", "Array|Pe"], {"SWIS_SOAK": soak})
        commands.append(f"SWIS_SOAK={soak} " + " ".join(cmd))
    elif suite == "synth":
        names = synth_designs(build)[k::n]
        if names:
            script = os.path.join(ROOT, "synth", "run_synth.sh")
            cmd = ["bash", script, "--jobs", os.path.join(build, "synth_jobs.txt"), "--only",
                   "^(" + "|".join(names) + ")$", "--out", os.path.join(out, tag + ".synth"),
                   "--record", os.path.join(ROOT, "synth", "area_record.csv"), "--check",
                   "--no-plots", "-j", str(jobs)]
            rc = run_logged(cmd, log)
            commands.append(" ".join(cmd))
            # run_synth.sh gives one verdict for its designs: each carries it, with its own command.
            for name in names:
                items.append({"name": "synth " + name, "status": "passed" if rc == 0 else "failed",
                              "seconds": 0.0, "detail": "" if rc == 0 else f"run_synth exit {rc}, see {log}",
                              "repro": f"bash synth/run_synth.sh --jobs {build}/synth_jobs.txt --only '^{name}$' "
                                       "--record synth/area_record.csv --check --no-plots"})
    elif suite == "mutants":
        ids = mutant_ids()[k::n]
        if ids:
            mbuild = os.path.join(build + "-mutate-shards", f"shard{k}")
            cmd = [sys.executable, os.path.join(ROOT, "mutate", "run_mutants.py"), "--build", mbuild,
                   "--jobs", str(jobs), "--only", "^(" + "|".join(ids) + ")$"]
            rc = run_logged(cmd, log)
            commands.append(" ".join(cmd))
            table = os.path.join(mbuild, "mutants.csv")
            if os.path.exists(table):
                with open(table) as f:
                    for row in csv.DictReader(f):
                        items.append({
                            "name": "mutant " + row["mutant"],
                            "status": "passed" if row["verdict"] == "killed" else "failed",
                            "seconds": float(row["seconds"] or 0),
                            "detail": row["verdict"] + ("" if row["verdict"] == "killed" else ": " + row["report"]),
                            "repro": f"python3 mutate/run_mutants.py --only '^{row['mutant']}$'"})
    if os.environ.get("SWIS_REGRESS_FAIL", "") == str(k):
        rc = rc or 1
        items.append({"name": "injected failure (SWIS_REGRESS_FAIL)", "status": "failed",
                      "seconds": 0.0, "repro": f"SWIS_REGRESS_FAIL={k} regress/regress.py run {suite} {k} {n}"})
    return {"suite": suite, "shard": k, "shards": n, "host": os.uname().nodename,
            "commands": commands, "rc": rc, "items": items}


def merge(suite, n, out):
    problems, items, shards = [], [], []
    for k in range(n):
        path = shard_file(out, suite, k)
        if not os.path.exists(path):
            problems.append(f"shard {k}: no result ({path} is missing)")
            continue
        try:
            with open(path) as f:
                r = json.load(f)
            if r["suite"] != suite or r["shard"] != k or r["shards"] != n:
                raise ValueError(f"it is shard {r['shard']} of {r['shards']} of {r['suite']}")
            its = list(r["items"])
            rc = int(r["rc"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise BadInput(f"{path}: not a shard result of {suite} ({e})")
        shards.append({"shard": k, "rc": rc, "items": len(its), "host": r.get("host", "")})
        ran = [i for i in its if i.get("status") != "skipped"]
        if not ran:
            problems.append(f"shard {k}: ran nothing (command: {'; '.join(r.get('commands', [])) or 'none'})")
        failed = [i for i in its if i.get("status") == "failed"]
        if rc != 0 and not failed:
            problems.append(f"shard {k}: exit code {rc} with no failed item; rerun: "
                            f"regress/regress.py run {suite} {k} {n}")
        for i in its:
            i["shard"] = k
            items.append(i)
            if i.get("status") == "failed":
                problems.append(f"shard {k}: FAILED {i['name']}" +
                                (f" ({i['detail']})" if i.get("detail") else "") + f"; reproduce: {i['repro']}")
    count = {s: sum(i["status"] == s for i in items) for s in ("passed", "failed", "skipped")}
    report = {"suite": suite, "shards": n, "shards_found": len(shards), "counts": count,
              "ok": not problems, "problems": problems, "per_shard": shards}
    write_atomic(os.path.join(out, f"{suite}.report.json"), json.dumps(report, indent=1) + "\n")
    md = [f"# Regression {suite}: {'PASS' if not problems else 'FAIL'}", "",
          f"{len(shards)} of {n} shards reported; {count['passed']} passed, {count['failed']} failed, "
          f"{count['skipped']} skipped.", "", "| shard | host | exit | items |", "| --- | --- | --- | --- |"]
    md += [f"| {s['shard']} | {s['host']} | {s['rc']} | {s['items']} |" for s in shards]
    if problems:
        md += ["", "## Failures", ""] + [f"- {p}" for p in problems]
    write_atomic(os.path.join(out, f"{suite}.report.md"), "\n".join(md) + "\n")
    return report


def progress(suite, n, out):
    done = sum(os.path.exists(shard_file(out, suite, k)) for k in range(n))
    return f"{suite}: shards done {done}/{n}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    for name in ("run", "merge", "local", "progress"):
        p = sub.add_parser(name)
        p.add_argument("suite")
        if name == "run":
            p.add_argument("k", type=int)
        p.add_argument("n", type=int)
        p.add_argument("--out", default=os.path.join(ROOT, "build", "regress"))
        p.add_argument("--build", default=os.path.join(ROOT, "build"))
        p.add_argument("--jobs", type=int, default=1, help="ctest -j / mutant build jobs in a shard")
        p.add_argument("--parallel", type=int, default=os.cpu_count() or 2, help="local: shards at once")
    try:
        a = ap.parse_args()
    except SystemExit as e:
        sys.exit(2 if e.code else 0)
    try:
        if a.cmd == "list":
            for s in SUITES:
                print(s)
            return 0
        if a.suite not in SUITES:
            raise BadInput(f"unknown suite '{a.suite}' (one of: {', '.join(SUITES)})")
        if not 1 <= a.n <= 10000:
            raise BadInput(f"the number of shards must be 1..10000, not {a.n}")
        if a.cmd == "run" and not 0 <= a.k < a.n:
            raise BadInput(f"shard {a.k} is not in 0..{a.n - 1}")
        if a.jobs < 1 or a.parallel < 1:
            raise BadInput("--jobs and --parallel must be at least 1")
        if a.suite == "seeds":
            seeds()
        if a.suite == "soak" and not os.environ.get("SWIS_SOAK", "40").isdigit():
            raise BadInput("SWIS_SOAK must be a positive integer")
        if a.suite == "mutants" and not mutant_ids():
            raise BadInput("no mutant of mutate/mutants.ini matches SWIS_MUTANTS")
        a.out = os.path.abspath(a.out)
        a.build = os.path.abspath(a.build)
        os.makedirs(a.out, exist_ok=True)
        if a.cmd in ("run", "local") and a.suite not in ("mutants", "synth") and not os.path.exists(
                os.path.join(a.build, "CTestTestfile.cmake")):
            raise BadInput(f"{a.build} is not a build tree (run make build first)")
        if a.cmd == "progress":
            print(progress(a.suite, a.n, a.out))
            return 0
        if a.cmd == "run":
            r = run_shard(a.suite, a.k, a.n, a.out, a.build, a.jobs)
            write_atomic(shard_file(a.out, a.suite, a.k), json.dumps(r, indent=1) + "\n")
            failed = sum(i["status"] == "failed" for i in r["items"])
            print(f"{a.suite} shard {a.k}/{a.n}: {len(r['items'])} items, {failed} failed, exit {r['rc']}")
            return 0 if r["rc"] == 0 and not failed else 1
        if a.cmd == "local":
            for k in range(a.n):
                if os.path.exists(shard_file(a.out, a.suite, k)):
                    os.remove(shard_file(a.out, a.suite, k))
            me = os.path.abspath(__file__)
            pending, running = list(range(a.n)), {}
            while pending or running:
                while pending and len(running) < a.parallel:
                    k = pending.pop(0)
                    running[k] = subprocess.Popen(
                        [sys.executable, me, "run", a.suite, str(k), str(a.n), "--out", a.out,
                         "--build", a.build, "--jobs", str(a.jobs)], stdout=subprocess.DEVNULL)
                for k, p in list(running.items()):
                    if p.poll() is not None:
                        del running[k]
                        print(progress(a.suite, a.n, a.out), flush=True)
                time.sleep(0.2)
        r = merge(a.suite, a.n, a.out)
        c = r["counts"]
        print(f"{a.suite}: {r['shards_found']}/{a.n} shards, {c['passed']} passed, {c['failed']} failed, "
              f"{c['skipped']} skipped: {'PASS' if r['ok'] else 'FAIL'}")
        for p in r["problems"]:
            print("  " + p)
        print("report: " + os.path.join(a.out, f"{a.suite}.report.md"))
        return 0 if r["ok"] else 1
    except BadInput as e:
        print(f"regress: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
