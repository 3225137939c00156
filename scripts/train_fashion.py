#!/usr/bin/python3
"""Trains the accuracy study's two reference networks on Fashion-MNIST (Debian's
dataset-fashion-mnist) with fixed seeds and Debian's torch, and writes to models/:

  fashion_resnet.onnx, fashion_mobilenet.onnx   the networks, BatchNormalization folded
  fashion_resnet.pt, fashion_mobilenet.pt       their torch state (for the fine-tunes)
  fashion.json                                  float top-1 on the 10 000 test images and on
                                                the first 100, epochs, seconds

Usage: /usr/bin/python3 scripts/train_fashion.py [--out models] [--only resnet|mobilenet]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_nets as fn  # noqa: E402

RECIPES = {"resnet": {"epochs": 12, "lr": 0.1}, "mobilenet": {"epochs": 12, "lr": 0.1}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models"))
    ap.add_argument("--only", choices=sorted(RECIPES))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    record_path = os.path.join(args.out, "fashion.json")
    record = {}
    if os.path.exists(record_path):
        with open(record_path) as f:
            record = json.load(f)
    x, y = fn.load("train")
    xt, yt = fn.load("t10k")
    for name in sorted(RECIPES) if args.only is None else [args.only]:
        r = RECIPES[name]
        fn.setup(0)
        model = fn.NETWORKS[name]()
        start = time.time()
        fn.train(model, x, y, r["epochs"], r["lr"],
                 log=lambda s, n=name: print(n + ": " + s, flush=True))
        seconds = time.time() - start
        top1, pred = fn.evaluate(model, xt, yt)
        top1_100 = 100.0 * float((pred[:100] == yt[:100]).float().mean())
        print("%s: float top-1 %.2f%% on 10000 test images (%.0f%% on the first 100), %.0f s"
              % (name, top1, top1_100, seconds), flush=True)
        fn.export(model, os.path.join(args.out, "fashion_%s.onnx" % name))
        torch.save(model.state_dict(), os.path.join(args.out, "fashion_%s.pt" % name))
        record[name] = {"float_top1": round(top1, 2), "float_top1_first100": round(top1_100, 2),
                        "epochs": r["epochs"], "lr": r["lr"], "batch": 128, "seed": 0,
                        "train_seconds": round(seconds),
                        "parameters": sum(p.numel() for p in model.parameters())}
        with open(record_path, "w") as f:
            json.dump(record, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
