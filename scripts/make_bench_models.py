#!/usr/bin/python3
"""The network of make bench: torchvision's ResNet-18 (random initial weights, fixed seed) at
224 x 224, batch 1, exported to ONNX (opset 13) with its input: OUT_DIR/resnet18_224.onnx and
resnet18_224_x.npy. python3 scripts/make_bench_models.py OUT_DIR."""
import os
import sys

import numpy as np
import torch
import torchvision

torch.manual_seed(1)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
model = torchvision.models.resnet18().eval()
x = torch.randn(1, 3, 224, 224)
torch.onnx.export(model, x, os.path.join(out, "resnet18_224.onnx"), opset_version=13)
np.save(os.path.join(out, "resnet18_224_x.npy"), x.numpy())
