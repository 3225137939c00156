#!/usr/bin/python3
"""make bench, the Python half: weights per second of swis.quantize (the Python module) against
`swis quantize` (the CLI, a process reading the .npy) on the same layer: ResNet-18's largest
convolution shape (512, 512, 3, 3), Gaussian weights, seed 0, both with 2 threads; the best of 3
runs each. The two must agree on q (checked). Writes <build>/bench/python.json.

Usage: /usr/bin/python3 bench/bench_python.py [--build build]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def best_of(n, f):
    t = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        t.append(time.perf_counter() - start)
    return min(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.build, "python"))
    import swis
    w = np.random.RandomState(0).randn(512, 512, 3, 3).astype(np.float32)
    swis_bin = os.path.join(a.build, "swis")
    results = {"weights": int(w.size)}
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "w.npy"), w)
        for label, opts, cli in [("shifts3", {"shifts": 3}, ["--shifts", "3"]),
                                 ("target2.5_ds", {"target": "2.5", "pe": "ds"},
                                  ["--target", "2.5", "--pe", "ds"])]:
            r = swis.quantize(w, threads=2, **opts)
            q_path = os.path.join(d, "q.npy")
            cmd = [swis_bin, "quantize", os.path.join(d, "w.npy"), "--threads", "2",
                   "--out", q_path] + cli
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            if not np.array_equal(np.load(q_path), r.q):
                sys.exit("bench_python: the module and the CLI disagree on q")
            # The CLI writes q only (--out), so the module skips the packed bytes too.
            t_py = best_of(3, lambda: swis.quantize(w, threads=2, packed=False, **opts))
            t_cli = best_of(3, lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL))
            results[label] = {"python_s": t_py, "cli_s": t_cli,
                              "python_weights_per_s": w.size / t_py,
                              "cli_weights_per_s": w.size / t_cli}
            print("python quantizer %-13s %8.3f s  %12.0f weights/s   cli %8.3f s  %12.0f "
                  "weights/s   (python / cli %.2fx)" % (label, t_py, w.size / t_py, t_cli,
                                                        w.size / t_cli, t_cli / t_py))
    os.makedirs(os.path.join(a.build, "bench"), exist_ok=True)
    with open(os.path.join(a.build, "bench", "python.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
