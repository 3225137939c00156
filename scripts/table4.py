#!/usr/bin/env python3
"""The paper's Table 4 in kind, from our own numbers: frames per second of ResNet-18 and
MobileNet-v2 on each 8 x 8 array at its synthesised clock, and frames per second per kGE.

    python3 scripts/table4.py --swis build/swis --synth build/synth/results.csv \
        --topologies topologies --out build/table4

Cycles come from `swis perf` (the array's closed form, which the lock-step tests hold the RTL
to), area and clock from `make synth` (build/synth/results.csv). Shifts per accuracy point are
Table 4's. Writes table4.csv and table4.md under --out; prints the Markdown.

What runs where:
  SWIS-SS, SWIS-C SS, act- and weight-truncation bit-serial   arr_ss_8x8 at N steps per group
  SWIS-DS, SWIS-C DS                                          arr_ds_8x8 at ceil(N / 2)
  8-bit fixed point                                           arr_fxp_8x8, one step per group
SWIS-C runs on the same PEs as SWIS (its shifts are consecutive from a per-group offset,
which the token carries like any other shift), so at the same N it has the same cycles. The
two bit-serial baselines are counted on the single-shift array: a weight-truncation PE is
the SS PE with fixed consecutive shifts, and an activation-serial PE (8-bit weights, one
activation bit per step) has the same M-lane adder tree, shift and accumulator, so we take
its area and clock to be the SS PE's. BitFusion is not modelled.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

# Table 4's shifts per accuracy point (S; 3.5 = half the filter tiles at 3, half at 4) and its
# frames per second, for the ratios. None: the paper has no entry.
ARCHS = ["SWIS-SS", "SWIS-DS", "SWIS-C SS", "SWIS-C DS", "Act trunc", "Wgt trunc", "8-bit FXP"]
PAPER = {
    "resnet18": [
        (">69.1%", [3, 4, 4, 4, 7, 6, 8], [28.6, 42.9, 21.4, 42.9, 12.2, 14.3, 23.2]),
        (">60.2%", [2, 2, 2, 2, 6, 4, None], [42.9, 85.7, 42.9, 85.7, 14.3, 21.4, None]),
    ],
    "mobilenet_v2": [
        (">68.0%", [5, 5, 5, 6, 7, 6, 8], [4.0, 8.0, 4.0, 6.7, 2.9, 3.3, 6.1]),
        (">60.3%", [3.5, 4, 4, 4, 6, 5, None], [5.7, 10.0, 10.0, 10.0, 3.3, 4.0, None]),
    ],
}
NETWORKS = {"resnet18": "ResNet-18", "mobilenet_v2": "MobileNet-v2"}
DESIGN = {"SWIS-SS": "arr_ss_8x8", "SWIS-C SS": "arr_ss_8x8", "Act trunc": "arr_ss_8x8",
          "Wgt trunc": "arr_ss_8x8", "SWIS-DS": "arr_ds_8x8", "SWIS-C DS": "arr_ds_8x8",
          "8-bit FXP": "arr_fxp_8x8"}
PE = {"arr_ss_8x8": "ss", "arr_ds_8x8": "ds", "arr_fxp_8x8": "fxp"}


def fail(msg):
    print(f"table4: {msg}", file=sys.stderr)
    sys.exit(2)


def perf_cycles(swis, topology, pe, shifts, cache):
    """Total cycles of one frame (swis perf --json). A fractional N (Table 4's 3.5) is the mean
    of the two whole N around it: half the tiles at each (not every layer's filter tiles can
    be split exactly, so `swis perf --target` refuses some)."""
    if pe != "fxp" and not float(shifts).is_integer():
        lo = perf_cycles(swis, topology, pe, int(shifts), cache)
        hi = perf_cycles(swis, topology, pe, int(shifts) + 1, cache)
        return (lo + hi) // 2
    key = (topology, pe, shifts)
    if key in cache:
        return cache[key]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "perf.json")
        cmd = [swis, "perf", "--topology", topology, "--pe", pe, "--json", out]
        if pe != "fxp":
            cmd += ["--shifts", str(int(shifts))]
        print("+ " + " ".join(cmd), file=sys.stderr)
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
        with open(out) as f:
            cycles = json.load(f)["total"]["cycles"]
    cache[key] = cycles
    return cycles


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--swis", required=True, help="the swis binary")
    ap.add_argument("--synth", required=True, help="build/synth/results.csv of make synth")
    ap.add_argument("--topologies", required=True, help="the folder of resnet18.csv, mobilenet_v2.csv")
    ap.add_argument("--out", required=True, help="folder for table4.csv and table4.md")
    a = ap.parse_args()
    if not os.path.isfile(a.synth):
        fail(f"no {a.synth}: run make synth first")
    designs = {}
    with open(a.synth) as f:
        for row in csv.DictReader(f):
            designs[row["design"]] = row
    for d in PE:
        if d not in designs:
            fail(f"{a.synth} has no {d}: run make synth on the current configurations")
    area = {d: float(designs[d]["kge"]) for d in PE}
    clock = {d: float(designs[d]["implied_clock_mhz"]) for d in PE}

    cache = {}
    rows = []
    for net, points in PAPER.items():
        topology = os.path.join(a.topologies, net + ".csv")
        for acc, shifts, paper_fps in points:
            fxp_cycles = perf_cycles(a.swis, topology, "fxp", 8, cache)
            fxp_fps = clock["arr_fxp_8x8"] * 1e6 / fxp_cycles
            fxp_per_kge = fxp_fps / area["arr_fxp_8x8"]
            for arch, n, pfps in zip(ARCHS, shifts, paper_fps):
                if n is None:
                    continue
                d = DESIGN[arch]
                cycles = perf_cycles(a.swis, topology, PE[d], n, cache)
                fps = clock[d] * 1e6 / cycles
                per_kge = fps / area[d]
                paper_fxp = points[0][2][-1]  # the paper's FXP entry (at the first point)
                rows.append({
                    "network": NETWORKS[net], "accuracy": acc, "architecture": arch,
                    "shifts": n if arch != "8-bit FXP" else "", "design": d,
                    "kge": f"{area[d]:.1f}", "clock_mhz": f"{clock[d]:.0f}", "cycles": cycles,
                    "fps": f"{fps:.2f}", "fps_per_kge": f"{per_kge:.4f}",
                    "vs_fxp_per_kge": f"{per_kge / fxp_per_kge:.2f}",
                    "paper_fps": "" if pfps is None else pfps,
                    "paper_vs_fxp": "" if pfps is None else f"{pfps / paper_fxp:.2f}",
                })

    os.makedirs(a.out, exist_ok=True)
    fields = list(rows[0].keys())
    with open(os.path.join(a.out, "table4.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    md = ["# Table 4 in kind: frames per second and per kGE on the 8 x 8 arrays", "",
          "Made by `make table4` (scripts/table4.py) from `swis perf` cycles and `make synth` "
          "area and clock. Arrays: " + ", ".join(
              f"{d} {area[d]:.1f} kGE at {clock[d]:.0f} MHz" for d in PE) + ".", "",
          "The paper's arrays are iso-area (0.54-0.57 mm²), ours are all 8 x 8: compare our "
          "FPS per kGE over fixed point with the paper's F/s over fixed point "
          "(its 8-bit FXP F/s at the first accuracy point of each network).", "",
          "| network | accuracy | architecture | S | design | cycles / frame | F/s | F/s per kGE "
          "| over FXP per kGE | paper F/s | paper over FXP |",
          "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        md.append(f"| {r['network']} | {r['accuracy']} | {r['architecture']} | {r['shifts']} | "
                  f"{r['design']} | {r['cycles']} | {r['fps']} | {r['fps_per_kge']} | "
                  f"{r['vs_fxp_per_kge']} | {r['paper_fps']} | {r['paper_vs_fxp']} |")
    text = "\n".join(md) + "\n"
    with open(os.path.join(a.out, "table4.md"), "w") as f:
        f.write(text)
    print(text)
    print(f"table4: {len(rows)} rows in {a.out}/table4.csv and table4.md", file=sys.stderr)


if __name__ == "__main__":
    main()
