#!/usr/bin/env python3
"""Area of the accelerator's RAM macros (synth/README.md, "The accelerator").

Synthesis treats rtl/swis_sram.v as a blackbox (synth/stubs/swis_sram_macro.v): a RAM is a
macro from a memory compiler, not flip-flops. This script gives each macro an area from a model
and writes the accelerator's table: logic kGE from Yosys, macro area from here, apart.

The model, in the units of constraints/swis_cells.lib (NAND2 gate equivalents of the Nangate
45 nm cells, 1 GE = 0.798 um^2):
    GE(macro) = BIT_GE x depth x width + MACRO_GE
    BIT_GE   = 0.8   a two-port (1R1W) bit with its share of the array's periphery: a 45 nm
                     6T cell is about 0.35 um^2 (0.43 GE), a two-port 8T cell about 1.3 times that,
                     and the array about 70% of the macro
    MACRO_GE = 2000  decoders, sense amplifiers, I/O and control of one macro
These are assumptions of this project, not a memory compiler's figures: change them here and
the table follows. The instances and their shapes come from rtl/swis_accel.v's parameters.

    synth/sram_area.py --results build/synth/results.csv --jobs build/synth_jobs.txt \
                       --out build/synth/accel.md
"""
import argparse
import csv
import math
import sys

BIT_GE = 0.8
MACRO_GE = 2000.0


def macros(params):
    """The RAMs of swis_accel with parameters `params`: (name, depth, width)."""
    rows, cols, m = params["Rows"], params["Cols"], params["GroupSize"]
    out_bits = 32 + math.ceil(math.log2(rows + 1)) + rows * 32
    return [
        ("activation buffer", params["ActDepth"], rows * m * 8),
        ("weight buffer (2 halves)", 2 * params["WeightDepth"], 64 * params["WeightWords"]),
        ("output buffer", params["OutDepth"], out_bits),
    ]


def macro_ge(depth, width):
    return BIT_GE * depth * width + MACRO_GE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True, help="results.csv of synth/run_synth.sh")
    ap.add_argument("--jobs", required=True, help="the job list (name top -chparam ...)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    jobs = {}
    with open(a.jobs) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#") or w[1] != "swis_accel":
                continue
            jobs[w[0]] = {w[i + 1]: int(w[i + 2]) for i in range(2, len(w) - 2, 3) if w[i] == "-chparam"}
    with open(a.results) as f:
        results = {r["design"]: r for r in csv.DictReader(f)}
    lines = ["# The accelerator: logic and RAM macros", "",
             "Logic from Yosys (`make synth`); macros from the model of synth/sram_area.py "
             f"({BIT_GE} GE a bit + {MACRO_GE:.0f} GE a macro). 1 GE = one NAND2_X1 of "
             "constraints/swis_cells.lib.", ""]
    for name, params in sorted(jobs.items()):
        if name not in results:
            continue
        r = results[name]
        logic = float(r["kge"])
        rows = [(n, d, w, macro_ge(d, w) / 1000) for n, d, w in macros(params)]
        total_macro = sum(x[3] for x in rows)
        lines += [f"## {name}", "",
                  f"Logic {logic:.1f} kGE ({r['flip_flops']} flip-flops), clock "
                  f"{float(r['implied_clock_mhz']):.0f} MHz (critical path in {r['critical_module']}).", "",
                  "| macro | words x bits | KiB | kGE (model) |", "| --- | --- | --- | --- |"]
        for n, d, w, k in rows:
            lines.append(f"| {n} | {d} x {w} | {d * w / 8192:.1f} | {k:.1f} |")
        lines += [f"| **all macros** | | {sum(d * w for _, d, w, _ in rows) / 8192:.1f} | "
                  f"**{total_macro:.1f}** |", "",
                  f"Logic plus macros: {logic + total_macro:.1f} kGE; the macros are "
                  f"{100 * total_macro / (logic + total_macro):.0f}% of it.", ""]
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
