#!/usr/bin/env python3
"""Summarises a make coverage run: code coverage of rtl/ from Verilator's merged coverage data
(line and branch points, toggle points), and the functional bins of tb/functional_coverage.h.

Points are merged over every instance and every configuration: a line is covered when some
instance in some configuration executed it. Points listed in coverage/waivers.txt (with the
reason they cannot be reached) are reported apart. Exit status 1 when a line or branch point
of rtl/ that is not waived was never hit, or when a functional bin is empty.
"""
import argparse
import collections
import glob
import os
import re
import sys


def read_dat(path):
    """Yields (fields, count) for every point of a Verilator coverage .dat file."""
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^C '(.*)' (\d+)$", line.rstrip("\n"))
            if not m:
                continue
            fields = {}
            for kv in m.group(1).split("\x01"):
                if "\x02" in kv:
                    k, v = kv.split("\x02", 1)
                    fields[k] = v
            yield fields, int(m.group(2))


def read_waivers(path):
    waivers = []
    if not path or not os.path.exists(path):
        return waivers
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^(\S+):(\d+)\s+(\S+)\s+(.+)$", line)
            if not m:
                sys.exit(f"{path}:{n}: expected 'file:line kind reason'")
            waivers.append((m.group(1), int(m.group(2)), m.group(3), m.group(4)))
    return waivers


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dat", required=True, help="merged Verilator coverage data")
    ap.add_argument("--fcov", required=True, help="directory of fcov_<pid>.txt files")
    ap.add_argument("--waivers", default="")
    ap.add_argument("--out", required=True, help="Markdown report")
    args = ap.parse_args()

    # (kind, file, line, comment) -> hits, over every instance. kind: line (line and branch
    # points) or toggle (one per signal bit, named by its comment).
    points = collections.defaultdict(int)
    for fields, count in read_dat(args.dat):
        page = fields.get("page", "")
        src = os.path.basename(fields.get("f", "?"))
        if page.startswith("v_toggle"):
            kind = "toggle"
        elif page.startswith("v_line") or page.startswith("v_branch"):
            kind = "line"
        else:
            continue
        key = (kind, src, int(fields.get("l", "0")), fields.get("o", ""))
        points[key] += count

    waivers = read_waivers(args.waivers)

    def waiver(key):
        for w in waivers:
            if w[0] == key[1] and w[1] == key[2] and w[2] == key[0]:
                return w[3]
        return None

    out = []
    status = 0
    out.append("# Coverage of rtl/ (make coverage)\n")
    out.append("| file | lines/branches hit | toggles hit |\n| --- | --- | --- |")
    files = sorted({k[1] for k in points})
    totals = collections.Counter()
    for src in files:
        row = [src]
        for kind in ("line", "toggle"):
            ks = [k for k in points if k[0] == kind and k[1] == src]
            hit = sum(points[k] > 0 for k in ks)
            totals[kind + "_hit"] += hit
            totals[kind] += len(ks)
            row.append(f"{hit}/{len(ks)} ({100.0 * hit / max(1, len(ks)):.1f}%)")
        out.append("| " + " | ".join(row) + " |")
    out.append(f"| all | {totals['line_hit']}/{totals['line']} "
               f"({100.0 * totals['line_hit'] / max(1, totals['line']):.1f}%) | "
               f"{totals['toggle_hit']}/{totals['toggle']} "
               f"({100.0 * totals['toggle_hit'] / max(1, totals['toggle']):.1f}%) |")

    missed_lines = sorted(k for k in points if k[0] == "line" and points[k] == 0)
    waived = [(k, waiver(k)) for k in missed_lines if waiver(k)]
    unwaived = [k for k in missed_lines if not waiver(k)]
    out.append("\n## Line and branch points never hit\n")
    if not missed_lines:
        out.append("None.")
    for k, why in waived:
        out.append(f"- {k[1]}:{k[2]} ({k[3]}): waived, {why}")
    for k in unwaived:
        out.append(f"- {k[1]}:{k[2]} ({k[3]}): NOT COVERED")
        status = 1

    missed_toggles = sorted(k for k in points if k[0] == "toggle" and points[k] == 0)
    out.append(f"\n## Toggle points never hit: {len(missed_toggles)}\n")
    by_signal = collections.Counter()
    for k in missed_toggles:
        by_signal[(k[1], re.sub(r"\[\d+\]$", "", k[3]))] += 1
    for (src, sig), n in sorted(by_signal.items()):
        out.append(f"- {src}: {sig}: {n} bit(s)")

    bins = collections.Counter()
    nfiles = 0
    for path in glob.glob(os.path.join(args.fcov, "fcov_*.txt")):
        nfiles += 1
        with open(path) as f:
            for line in f:
                name, n = line.split()
                bins[name] += int(n)
    out.append(f"\n## Functional bins ({nfiles} processes)\n")
    out.append("| bin | hits |\n| --- | --- |")
    empty = [b for b in sorted(bins) if bins[b] == 0]
    for b in sorted(bins):
        out.append(f"| {b} | {bins[b]}{'  EMPTY' if bins[b] == 0 else ''} |")
    if nfiles == 0 or empty:
        status = 1

    text = "\n".join(out) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(f"coverage: rtl/ lines and branches {totals['line_hit']}/{totals['line']} hit "
          f"({len(waived)} waived, {len(unwaived)} not covered); toggles "
          f"{totals['toggle_hit']}/{totals['toggle']}; functional bins "
          f"{len(bins) - len(empty)}/{len(bins)} hit"
          + (f" (empty: {', '.join(empty)})" if empty else "") + f"; report {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
