#!/usr/bin/python3
"""make accuracy: top-1 of the two Fashion-MNIST reference networks (models/) on the 10 000 test
images under every quantization the paper's Tables 2, 3 and 5 compare, through `swis net`'s
integer network (int8 activations, the model engine of the 8 x 8 array: every GEMM checked
against the integer reference), and a quantization-aware fine-tune through the swis Python module.

Every run: calibration on the first 1000 training images (max), the first and the last layer at
8 bits (--layer first:8 --layer last:8), group 4, an 8 x 8 array, unless the row says otherwise.
Scheduled rows (SS, DS) use --target with --nearest-target: a layer whose tiles cannot reach the
target takes the nearest average they reach, and the network's effective shifts (averaged over
every weight, as the paper reports them) are in the CSV.

Writes to --out (default build/accuracy): accuracy.csv, accuracy.md (the tables), accuracy.png
(gnuplot: top-1 against N), runs/ (one JSON report per run; a rerun reuses them), finetune/
(the fine-tuned networks as ONNX), and rtl.md: the ResNet-style network on the first 200 test
images through the checked Verilated array against the model engine (the same predictions).

Usage: /usr/bin/python3 scripts/accuracy_study.py [--swis build/swis] [--out build/accuracy]
       [--images 10000] [--jobs 2] [--nets resnet,mobilenet] [--epochs 2] [--no-finetune]
       [--phases ptq,rtl] [--rtl-images 200]
"""
import argparse
import concurrent.futures as cf
import csv
import hashlib
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = "/usr/share/datasets/fashion-mnist"
TEST_X = DATA + "/t10k-images-idx3-ubyte.gz"
TEST_Y = DATA + "/t10k-labels-idx1-ubyte.gz"
TRAIN_X = DATA + "/train-images-idx3-ubyte.gz"
TRAIN_Y = DATA + "/train-labels-idx1-ubyte.gz"
NAMES = {"resnet": "ResNet-style", "mobilenet": "MobileNet-v2-style"}
FIRST_LAST = {"resnet": ("stem.conv", "fc"), "mobilenet": ("stem.conv", "fc")}
ALPHAS = [0.25, 0.5, 2.0, 4.0]  # tuned among these (and 1) on training images
TUNE_IMAGES = 2000


def n_text(n):
    return ("%g" % n)


class Study:
    def __init__(self, args):
        self.a = args
        self.rows = []
        self.lock = threading.Lock()
        self.done = 0
        self.total = 0
        os.makedirs(os.path.join(args.out, "runs"), exist_ok=True)

    # One `swis net` run; its JSON report (cached by its command line).
    def run(self, net, opts, model=None, images=None, x=TEST_X, y=TEST_Y, with_float=False):
        model = model or os.path.join(ROOT, "models", "fashion_%s.onnx" % net)
        images = images or self.a.images
        cmd = [self.a.swis, "net", "--engine", "model", "--model", model, "--input", x,
               "--labels", y, "--first", str(images), "--calib", TRAIN_X, "--calib-first", "1000",
               "--threads", "1", "--layer", "first:8", "--layer", "last:8"] + opts
        if not with_float:
            cmd.append("--no-float")
        tag = hashlib.sha1(" ".join(cmd[1:]).encode()
                           + (open(model, "rb").read() if os.path.exists(model) else b"")
                           ).hexdigest()[:16]
        path = os.path.join(self.a.out, "runs", "%s_%s.json" % (net, tag))
        start = time.time()
        if not os.path.exists(path):
            p = subprocess.run(cmd + ["--json", path + ".part"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                raise RuntimeError("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd),
                                                              p.stderr.strip()))
            with open(path + ".part") as f:
                j = json.load(f)
            j["study_seconds"] = time.time() - start  # wall time, beside the other jobs
            with open(path + ".part", "w") as f:
                json.dump(j, f)
            os.replace(path + ".part", path)
        with open(path) as f:
            j = json.load(f)
        j["seconds"] = j.get("study_seconds")  # None for a run of an older script
        return j

    def record(self, net, table, config, n, j, **extra):
        row = {"network": net, "table": table, "config": config, "n": n,
               "effective_shifts": round(j["total"]["effective_shifts"], 4),
               "top1": round(j["accuracy"]["top1"], 2), "images": j["accuracy"]["images"],
               "seconds": round(j["seconds"], 1) if j["seconds"] is not None else ""}
        if "float_top1" in j["accuracy"]:
            row["float_top1"] = round(j["accuracy"]["float_top1"], 2)
        row.update(extra)
        with self.lock:
            self.rows.append(row)
            self.done += 1
            print("[%d] %s %s %s N=%s: top-1 %.2f%% (effective N %.3f, %s s)" %
                  (self.done, net, table, config, n_text(n), row["top1"],
                   row["effective_shifts"], row["seconds"] or "cached"), flush=True)
        return row

    def post_training(self, net):
        """(table, config, n, swis net options) of every post-training run."""
        jobs = [("base", "int8", 8, ["--shifts", "8"])]
        for method, label in [("swis", "SWIS"), ("swis-c", "SWIS-C")]:
            for pe in ["ss", "ds"]:
                for n in [2, 2.5, 3, 4]:
                    jobs.append(("table3", "%s-%s" % (label, pe.upper()), n,
                                 ["--method", method, "--target", n_text(n), "--pe", pe,
                                  "--nearest-target"]))
        # N = 1: where SWIS itself breaks (single-shift tiles only).
        for method, label in [("swis", "SWIS"), ("swis-c", "SWIS-C")]:
            jobs.append(("table3", "%s-SS" % label, 1, ["--method", method, "--shifts", "1",
                                                         "--pe", "ss"]))
        for n in [1, 2, 3, 4, 5, 6, 7]:
            jobs.append(("table3", "Wgt-trunc", n, ["--method", "trunc", "--shifts", str(n)]))
            jobs.append(("table3", "Act-trunc", n, ["--shifts", "8", "--act-bits", str(n)]))
        for n in [2, 3, 4]:
            jobs.append(("table2", "None", n, ["--method", "swis", "--shifts", str(n), "--pe", "ss"]))
        for n in [2, 3]:
            jobs.append(("table5", "SWIS-C-fixed", n, ["--method", "swis-c", "--shifts", str(n)]))
            jobs.append(("metric", "MSE++ alpha 1", n,
                         ["--target", str(n), "--pe", "ds", "--nearest-target", "--metric",
                          "mse++", "--alpha", "1"]))
            for m in [1, 8]:
                jobs.append(("group", "M=%d" % m, n, ["--shifts", str(n), "--pe", "ss",
                                                      "--group", str(m)]))
        return jobs

    def tune_alpha(self, net):
        """MSE++'s alpha with the best top-1 at N = 2 (DS, scheduled) on training images."""
        best = None
        for alpha in [None, 1.0] + ALPHAS:
            opts = ["--target", "2", "--pe", "ds"]
            if alpha is not None:
                opts += ["--metric", "mse++", "--alpha", n_text(alpha)]
            j = self.run(net, opts, x=TRAIN_X, y=TRAIN_Y, images=TUNE_IMAGES)
            self.record(net, "tune", "mse" if alpha is None else "mse++ alpha %s" % n_text(alpha),
                        2, j, split="train[:%d]" % TUNE_IMAGES)
            if alpha is not None and (best is None or j["accuracy"]["top1"] > best[1]):
                best = (alpha, j["accuracy"]["top1"])
        return best[0]

    def finetune(self, net, method, n):
        """A short quantization-aware fine-tune (straight-through, fixed N per filter) of the
        network with its batch norms folded; the fine-tuned network as ONNX."""
        sys.path.insert(0, os.path.join(ROOT, "scripts"))
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(self.a.swis)), "python"))
        import torch
        import fashion_nets as fn
        import swis.torch as st
        out = os.path.join(self.a.out, "finetune", "%s_%s_%d_e%d.onnx" % (net, method, n,
                                                                            self.a.epochs))
        if os.path.exists(out):
            return out
        os.makedirs(os.path.dirname(out), exist_ok=True)
        fn.setup(0)
        model = fn.NETWORKS[net]()
        model.load_state_dict(torch.load(os.path.join(ROOT, "models", "fashion_%s.pt" % net)))
        model = fn.fold_bn(model)
        first, last = FIRST_LAST[net]
        st.attach(model, method=method, shifts=n, group=4,
                  overrides={first: {"shifts": 8}, last: {"shifts": 8}})
        x, y = fn.load("train")
        start = time.time()
        fn.train(model, x, y, self.a.epochs, lr=0.01, weight_decay=0,
                 log=lambda s: print("  fine-tune %s %s N=%d: %s" % (net, method, n, s),
                                     flush=True))
        st.detach(model)
        fn.export(model, out + ".part")
        os.replace(out + ".part", out)
        print("  fine-tune %s %s N=%d: %.0f s" % (net, method, n, time.time() - start), flush=True)
        return out

    def rtl(self):
        """The ResNet-style network on the first --rtl-images test images through the Verilated
        array (every beat checked against the golden model) and through the model engine: the
        same predictions, the same top-1."""
        n = self.a.rtl_images
        d = os.path.join(self.a.out, "rtl")
        os.makedirs(d, exist_ok=True)
        res = {}
        import numpy as np
        for engine in ["model", "rtl"]:
            cmd = [self.a.swis, "net", "--engine", engine, "--model",
                   os.path.join(ROOT, "models", "fashion_resnet.onnx"), "--input", TEST_X,
                   "--labels", TEST_Y, "--first", str(n), "--calib", TRAIN_X, "--calib-first",
                   "1000", "--layer", "first:8", "--layer", "last:8", "--target", "3", "--pe",
                   "ds", "--nearest-target", "--json", os.path.join(d, engine + ".json"),
                   "--predictions", os.path.join(d, engine + ".npy")]
            start = time.time()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(d, engine + ".json")) as f:
                j = json.load(f)
            res[engine] = (j, time.time() - start, np.load(os.path.join(d, engine + ".npy")))
            print("rtl phase: %s engine, %d images: top-1 %.2f%%, %d cycles, %s, %.0f s" % (
                engine, n, j["accuracy"]["top1"], j["total"]["cycles"],
                "PASS" if j["pass"] else "FAIL", res[engine][1]), flush=True)
        differ = int((res["model"][2] != res["rtl"][2]).sum())
        md = ["| engine | images | top-1 | float top-1 | array cycles | every GEMM checked | "
              "seconds |", "|---|---|---|---|---|---|---|"]
        for engine, label in [("rtl", "Verilated array (checked)"), ("model", "model engine")]:
            j, sec, _ = res[engine]
            md.append("| %s | %d | %.2f | %.2f | %d | %s | %.0f |" % (
                label, n, j["accuracy"]["top1"], j["accuracy"]["float_top1"],
                j["total"]["cycles"], "pass" if j["pass"] else "FAIL", sec))
        md.append("")
        md.append("Predictions that differ between the two engines: %d of %d." % (differ, n))
        with open(os.path.join(self.a.out, "rtl.md"), "w") as f:
            f.write("\n".join(md) + "\n")
        print("\n".join(md))
        if differ or not all(res[e][0]["pass"] for e in res):
            raise SystemExit("rtl phase: the engines disagree")

    def go(self):
        if "rtl" in self.a.phases and self.a.phases == "rtl":
            self.rtl()
            return
        nets = self.a.nets.split(",")
        with cf.ThreadPoolExecutor(self.a.jobs) as pool:
            futures = []
            for net in nets:
                for table, config, n, opts in self.post_training(net):
                    futures.append(pool.submit(
                        lambda net=net, table=table, config=config, n=n, opts=opts:
                        self.record(net, table, config, n,
                                    self.run(net, opts, with_float=config == "int8"))))
            self.total = len(futures) + len(nets) * (2 + len(ALPHAS))
            alphas = {}
            for net in nets:
                alphas[net] = self.tune_alpha(net)
            tuned = []
            for net in nets:
                for n in [2, 3]:
                    opts = ["--target", str(n), "--pe", "ds", "--nearest-target", "--metric",
                            "mse++", "--alpha", n_text(alphas[net])]
                    tuned.append(pool.submit(
                        lambda net=net, n=n, opts=opts: self.record(
                            net, "metric", "MSE++ alpha %s (tuned)" % n_text(alphas[net]), n,
                            self.run(net, opts))))
            self.total += len(tuned)
            for f in futures + tuned:
                f.result()
            if not self.a.no_finetune:
                models = []
                for net in nets:
                    for method in ["swis", "swis-c", "trunc"]:
                        for n in [2, 3]:
                            models.append((net, method, n, self.finetune(net, method, n)))
                self.total += len(models)
                evals = [pool.submit(lambda net=net, method=method, n=n, m=m: self.record(
                    net, "table5", {"swis": "SWIS", "swis-c": "SWIS-C", "trunc": "Wgt-trunc"}[
                        method] + " fine-tuned", n,
                    self.run(net, ["--method", method, "--shifts", str(n)], model=m),
                    epochs=self.a.epochs)) for net, method, n, m in models]
                for f in evals:
                    f.result()
        self.write()
        if "rtl" in self.a.phases:
            self.rtl()

    # --- Outputs ---------------------------------------------------------------------------
    def top(self, net, table, config, n):
        for r in self.rows:
            if (r["network"], r["table"], r["config"], r["n"]) == (net, table, config, n):
                return r
        return None

    def cell(self, net, table, config, n):
        r = self.top(net, table, config, n)
        return "%.2f" % r["top1"] if r else "-"

    def write(self):
        out = self.a.out
        keys = ["network", "table", "config", "n", "effective_shifts", "top1", "float_top1",
                "images", "seconds", "split", "epochs"]
        rows = sorted(self.rows, key=lambda r: (r["network"], r["table"], r["config"], r["n"]))
        with open(os.path.join(out, "accuracy.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        md = []
        for net in self.a.nets.split(","):
            base = self.top(net, "base", "int8", 8)
            if base is None:
                continue
            md.append("**%s** (float %.2f, int8 %.2f; %d test images)\n" %
                      (NAMES[net], base["float_top1"], base["top1"], base["images"]))
            md.append("| N | SWIS SS | SWIS DS | SWIS-C SS | SWIS-C DS | Wgt. trunc | Act. trunc |")
            md.append("|---|---|---|---|---|---|---|")
            for n in [1, 2, 2.5, 3, 4, 5, 6, 7]:
                cells = [self.cell(net, "table3", c, n) for c in
                         ["SWIS-SS", "SWIS-DS", "SWIS-C-SS", "SWIS-C-DS", "Wgt-trunc",
                          "Act-trunc"]]
                md.append("| %s | %s |" % (n_text(n), " | ".join(cells)))
            md.append("")
            md.append("| N | scheduled SS | scheduled DS | none (SS) |")
            md.append("|---|---|---|---|")
            for n in [2, 2.5, 3, 4]:
                md.append("| %s | %s | %s | %s |" % (
                    n_text(n), self.cell(net, "table3", "SWIS-SS", n),
                    self.cell(net, "table3", "SWIS-DS", n),
                    self.cell(net, "table2", "None", n) if n != 2.5 else "n/a"))
            md.append("")
            tuned = sorted({r["config"] for r in self.rows
                            if r["network"] == net and "tuned" in r["config"]})
            md.append("| N (DS, scheduled) | MSE | MSE++ alpha 1 | %s |" %
                      (tuned[0] if tuned else "MSE++ tuned"))
            md.append("|---|---|---|---|")
            for n in [2, 3]:
                md.append("| %d | %s | %s | %s |" % (
                    n, self.cell(net, "table3", "SWIS-DS", n),
                    self.cell(net, "metric", "MSE++ alpha 1", n),
                    self.cell(net, "metric", tuned[0], n) if tuned else "-"))
            md.append("")
            md.append("| N (SS, every filter N) | M = 1 | M = 4 | M = 8 |")
            md.append("|---|---|---|---|")
            for n in [2, 3]:
                md.append("| %d | %s | %s | %s |" % (
                    n, self.cell(net, "group", "M=1", n), self.cell(net, "table2", "None", n),
                    self.cell(net, "group", "M=8", n)))
            md.append("")
            md.append("| N (every filter N) | SWIS | SWIS fine-tuned | SWIS-C | SWIS-C fine-tuned "
                      "| Wgt. trunc | Wgt. trunc fine-tuned |")
            md.append("|---|---|---|---|---|---|---|")
            for n in [2, 3]:
                md.append("| %d | %s | %s | %s | %s | %s | %s |" % (
                    n, self.cell(net, "table2", "None", n),
                    self.cell(net, "table5", "SWIS fine-tuned", n),
                    self.cell(net, "table5", "SWIS-C-fixed", n),
                    self.cell(net, "table5", "SWIS-C fine-tuned", n),
                    self.cell(net, "table3", "Wgt-trunc", n),
                    self.cell(net, "table5", "Wgt-trunc fine-tuned", n)))
            md.append("")
        with open(os.path.join(out, "accuracy.md"), "w") as f:
            f.write("\n".join(md) + "\n")
        self.plot()
        print("wrote %s/accuracy.csv, accuracy.md, accuracy.png" % out)

    def plot(self):
        out = self.a.out
        series = ["SWIS-SS", "SWIS-DS", "SWIS-C-SS", "SWIS-C-DS", "Wgt-trunc", "Act-trunc"]
        nets = [n for n in self.a.nets.split(",") if self.top(n, "base", "int8", 8)]
        for net in nets:
            with open(os.path.join(out, "plot_%s.dat" % net), "w") as f:
                for s in series:
                    f.write("# %s\n" % s)
                    for r in sorted((r for r in self.rows if r["network"] == net and
                                     r["table"] == "table3" and r["config"] == s),
                                    key=lambda r: r["n"]):
                        f.write("%g %g\n" % (r["n"], r["top1"]))
                    f.write("\n\n")
        gp = ["set terminal pngcairo size 1200,480 font ',10'",
              "set output '%s/accuracy.png'" % out,
              "set multiplot layout 1,%d" % len(nets),
              "set xlabel 'N (shifts or bits)'", "set ylabel 'top-1 (%)'", "set grid",
              "set key bottom right", "set yrange [0:100]", "set xrange [0.8:7.2]"]
        for net in nets:
            base = self.top(net, "base", "int8", 8)
            gp.append("set title '%s on Fashion-MNIST (%d test images)'" %
                      (NAMES[net], base["images"]))
            plots = ["'%s/plot_%s.dat' index %d with linespoints title '%s'" %
                     (out, net, i, s) for i, s in enumerate(series)]
            plots.append("%g with lines dashtype 2 title 'int8 (%.2f)'" %
                         (base["top1"], base["top1"]))
            gp.append("plot " + ", ".join(plots))
        gp.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--swis", default=os.path.join(ROOT, "build", "swis"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "accuracy"))
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--nets", default="resnet,mobilenet")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--no-finetune", action="store_true")
    ap.add_argument("--rtl-images", type=int, default=200)
    ap.add_argument("--phases", default="ptq,rtl", help="ptq (with the fine-tunes), rtl, or both")
    args = ap.parse_args()
    s = Study(args)
    start = time.time()
    s.go()
    print("accuracy study: %d runs in %.0f s" % (len(s.rows), time.time() - start))


if __name__ == "__main__":
    main()
