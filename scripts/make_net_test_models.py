#!/usr/bin/python3
"""Writes the ONNX models and inputs the network tests (tb/test_net.cpp) run, with PyTorch's
own outputs beside them: python3 scripts/make_net_test_models.py OUT_DIR. Random initial
weights, fixed seeds; a few seconds on 2 cores. Each model NAME gives NAME.onnx, NAME_x.npy (the
input batch) and NAME_y.npy (PyTorch's output for it)."""
import os
import sys

import numpy as np
import torch
import torchvision

torch.manual_seed(0)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def settle_bn(model):
    # Random running statistics, so that a folded BatchNormalization is not the identity.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def export(name, model, x, opset=13, fold=True):
    model = settle_bn(model)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, os.path.join(out, name + ".onnx"), opset_version=opset,
                      do_constant_folding=fold)
    np.save(os.path.join(out, name + "_x.npy"), x.numpy())
    np.save(os.path.join(out, name + "_y.npy"), y.numpy())


class Small(torch.nn.Module):
    """Every supported operator at least once: Conv+BN+ReLU, MaxPool, a residual Add, a
    depthwise Conv with ReLU6, a 1x1 Conv, AveragePool (torch pads it), GlobalAveragePool,
    Flatten and a Linear layer."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.b1 = torch.nn.BatchNorm2d(16)
        self.c2 = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.b2 = torch.nn.BatchNorm2d(16)
        self.dw = torch.nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.b3 = torch.nn.BatchNorm2d(16)
        self.pw = torch.nn.Conv2d(16, 24, 1)
        self.fc = torch.nn.Linear(24, 10)

    def forward(self, x):
        x = torch.relu(self.b1(self.c1(x)))
        x = torch.nn.functional.max_pool2d(x, 2)
        y = torch.relu(self.b2(self.c2(x)))
        x = torch.relu(x + y)
        x = torch.nn.functional.relu6(self.b3(self.dw(x)))
        x = torch.nn.functional.avg_pool2d(self.pw(x), 2)
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class Geometry(torch.nn.Module):
    """Conv attributes: stride 2 with asymmetric padding (a Pad), dilation 2, a grouped Conv
    (2 groups of 4 filters), MaxPool with padding, AveragePool without counting padding,
    Concat, a view() through the exporter's Shape/Gather/Unsqueeze/Concat chain, MatMul + Add."""

    def __init__(self):
        super().__init__()
        self.pad = torch.nn.ZeroPad2d((0, 1, 0, 1))
        self.c1 = torch.nn.Conv2d(4, 8, 3, stride=2)
        self.c2 = torch.nn.Conv2d(8, 8, 3, padding=2, dilation=2)
        self.g = torch.nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.w = torch.nn.Parameter(torch.randn(16 * 3 * 3, 5) * 0.1)
        self.b = torch.nn.Parameter(torch.randn(5) * 0.1)

    def forward(self, x):
        x = torch.relu(self.c1(self.pad(x)))
        a = self.c2(x)
        b = torch.relu(self.g(x))
        x = torch.cat([a, b], 1)
        x = torch.nn.functional.max_pool2d(x, 3, stride=2, padding=1)
        x = torch.nn.functional.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        x = x.view(x.size(0), -1)
        return torch.matmul(x, self.w) + self.b


export("small", Small(), torch.randn(2, 3, 16, 16))
export("small_bn", Small(), torch.randn(2, 3, 16, 16), fold=False)  # BatchNormalization nodes
export("small_op11", Small(), torch.randn(1, 3, 16, 16), opset=11)
export("small_op17", Small(), torch.randn(1, 3, 16, 16), opset=17)
export("geometry", Geometry(), torch.randn(3, 4, 11, 11))
export("resnet18", torchvision.models.resnet18(num_classes=10), torch.randn(1, 3, 32, 32))
export("mobilenet_v2", torchvision.models.mobilenet_v2(num_classes=10), torch.randn(1, 3, 32, 32))


class Unsupported(torch.nn.Module):
    def __init__(self, op):
        super().__init__()
        self.op = op
        self.c = torch.nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return self.op(self.c(x))


for name, op in [("sigmoid", torch.sigmoid), ("leaky_relu", torch.nn.LeakyReLU(0.1)),
                 ("softmax", lambda t: torch.softmax(t, 1)),
                 ("ceil_pool", lambda t: torch.nn.functional.max_pool2d(t, 3, 2, ceil_mode=True)),
                 ("transpose", torch.nn.ConvTranspose2d(4, 4, 2)),
                 ("upsample", torch.nn.Upsample(scale_factor=2))]:
    export("bad_" + name, Unsupported(op), torch.randn(1, 3, 8, 8))
print("wrote the network test models to", out)
