#!/usr/bin/env python3
"""Memory traffic of ResNet-18 and MobileNet-v2 on the 8 x 8 accelerator (the paper's
Sec. 3.3 claims and its Figure 1, in kind), from `swis traffic`: the traffic model that the
lock-step tests hold the RTL's AXI traffic to, byte for byte.

    python3 scripts/accel_traffic.py --swis build/swis --topologies topologies --out build/traffic

Writes traffic.md, traffic.csv and figure1.csv under --out; prints the Markdown.

  - Figure 1: per ResNet-18 layer, weight bytes read over activation bytes (read + written) on
    the 8-bit fixed-point accelerator (acc_fxp_8x8), as the RTL moves them (activations: the
    im2col rows the host lays out; results: int32) and with the input feature map read once
    (what an on-chip im2col would read; a projection, not this RTL).
  - SWIS and SWIS-C on acc_ds_8x8 at Table 4's shifts for SWIS-DS and SWIS-C DS, against
    acc_fxp_8x8 (the same top, buffers and mapping, with the fixed-point array).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

# Table 4's shifts of SWIS-DS and SWIS-C DS per accuracy point (scripts/table4.py).
POINTS = {
    "resnet18": [(">69.1%", 4, 4), (">60.2%", 2, 2)],
    "mobilenet_v2": [(">68.0%", 5, 6), (">60.3%", 4, 4)],
}
NAMES = {"resnet18": "ResNet-18", "mobilenet_v2": "MobileNet-v2"}


def traffic(swis, topology, accel, method=None, shifts=None):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "t.json")
        cmd = [swis, "traffic", "--topology", topology, "--accel", accel, "--json", out]
        if method:
            cmd += ["--method", method, "--shifts", str(shifts)]
        print("+ " + " ".join(cmd[:-2]), file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            return json.load(f)


def mb(b):
    return f"{b / 1e6:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--swis", required=True)
    ap.add_argument("--topologies", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    md = ["# Memory traffic on the 8 x 8 accelerator", "",
          "Made by `make traffic` (scripts/accel_traffic.py) from `swis traffic`, the traffic model "
          "(lib/mapping/accel.h) that the accelerator's lock-step tests hold the RTL's AXI traffic "
          "to, byte for byte and burst for burst. Buffers: 64 KB of activations, 2 x 32 KB of "
          "weights (config/configs.txt). Activations are the im2col rows the host lays out; results "
          "are int32. 'fmap' columns: the input feature map read once instead, what an on-chip "
          "im2col would read (a projection, not this RTL).", ""]

    # Figure 1: ResNet-18 on the fixed-point accelerator.
    topo = os.path.join(a.topologies, "resnet18.csv")
    fxp = traffic(a.swis, topo, "acc_fxp_8x8")
    rows = []
    md += ["## Figure 1 in kind: weight over activation bytes, ResNet-18, 8-bit accelerator", "",
           "| layer | weights (KB) | activations read (KB) | results (KB) | W / (A + R) | "
           "W / (fmap + R) |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for l in fxp["layers"]:
        rows.append([l["layer"], l["weights_read"], l["activations_read"], l["results_written"],
                     l["input_fmap"], l["weight_to_activation"], l["weight_to_fmap"]])
        md.append(f"| {l['layer']} | {l['weights_read'] / 1024:.0f} | "
                  f"{l['activations_read'] / 1024:.0f} | {l['results_written'] / 1024:.0f} | "
                  f"{l['weight_to_activation']:.3f} | {l['weight_to_fmap']:.3f} |")
    with open(os.path.join(a.out, "figure1.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["layer", "weights_read", "activations_read", "results_written", "input_fmap",
                    "weight_to_activation", "weight_to_fmap"])
        w.writerows(rows)
    hi = max(fxp["layers"], key=lambda l: l["weight_to_activation"])
    hi_f = max(fxp["layers"], key=lambda l: l["weight_to_fmap"])
    md += ["", f"Largest: {hi['layer']} at {hi['weight_to_activation']:.1f}x as the RTL moves "
           f"the data, {hi_f['layer']} at {hi_f['weight_to_fmap']:.1f}x with the feature map "
           "read once (the paper: up to two orders of magnitude).", ""]

    # SWIS and SWIS-C against fixed point.
    table = []
    md += ["## DRAM traffic per frame at Table 4's accuracy points", "",
           "Shifts: Table 4's for SWIS-DS and SWIS-C DS. 'over FXP': the fixed-point accelerator's "
           "bytes over this one's (the paper: up to 2.3x for SWIS, 3.3x for SWIS-C, against an "
           "iso-area 8-bit accelerator).", "",
           "| network | accuracy | format | N | weights (MB) | activations (MB) | results (MB) | "
           "total (MB) | over FXP | weights over FXP | total, fmap (MB) | over FXP, fmap |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for net, points in POINTS.items():
        topo = os.path.join(a.topologies, net + ".csv")
        base = traffic(a.swis, topo, "acc_fxp_8x8")["total"]
        base_total = base["weights_read"] + base["activations_read"] + base["results_written"]
        base_fmap = base["weights_read"] + base["input_fmap"] + base["results_written"]
        entries = [("", "8-bit FXP", "", base)]
        for acc, n_swis, n_c in points:
            entries.append((acc, "SWIS", n_swis,
                            traffic(a.swis, topo, "acc_ds_8x8", "swis", n_swis)["total"]))
            entries.append((acc, "SWIS-C", n_c,
                            traffic(a.swis, topo, "acc_ds_8x8", "swis-c", n_c)["total"]))
        for acc, fmt_, n, t in entries:
            total = t["weights_read"] + t["activations_read"] + t["results_written"]
            fmap = t["weights_read"] + t["input_fmap"] + t["results_written"]
            row = [NAMES[net], acc, fmt_, n, t["weights_read"], t["activations_read"],
                   t["results_written"], total, base_total / total,
                   base["weights_read"] / t["weights_read"], fmap, base_fmap / fmap]
            table.append(row)
            md.append(f"| {NAMES[net]} | {acc} | {fmt_} | {n} | {mb(t['weights_read'])} | "
                      f"{mb(t['activations_read'])} | {mb(t['results_written'])} | {mb(total)} | "
                      f"{base_total / total:.2f} | {base['weights_read'] / t['weights_read']:.2f} | "
                      f"{mb(fmap)} | {base_fmap / fmap:.2f} |")
    with open(os.path.join(a.out, "traffic.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["network", "accuracy", "format", "shifts", "weights_read", "activations_read",
                    "results_written", "total", "fxp_over_this", "fxp_weights_over_this",
                    "total_fmap", "fxp_over_this_fmap"])
        w.writerows(table)
    with open(os.path.join(a.out, "traffic.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
