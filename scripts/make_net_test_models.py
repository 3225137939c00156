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


# Operators and attributes torch does not export from the models above, written with
# onnx.helper, with numpy's result as the expected output.
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

rng = np.random.default_rng(7)


def graph_model(name, nodes, x, inits, y_shape, y, opset=13):
    g = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y_shape))],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    onnx.save(m, os.path.join(out, name + ".onnx"))
    np.save(os.path.join(out, name + "_x.npy"), x.astype(np.float32))
    np.save(os.path.join(out, name + "_y.npy"), y.astype(np.float32))


def conv1x1(x, w, b):
    return np.einsum("nchw,fc->nfhw", x, w[:, :, 0, 0]) + b[None, :, None, None]


# Identity, then Gemm with transB = 0, alpha and beta.
x = rng.normal(size=(2, 6)).astype(np.float32)
B = rng.normal(size=(6, 4)).astype(np.float32)
C = rng.normal(size=(4,)).astype(np.float32)
graph_model("op_gemm", [helper.make_node("Identity", ["x"], ["i"]),
                        helper.make_node("Gemm", ["i", "B", "C"], ["y"], alpha=0.5, beta=2.0)],
            x, {"B": B, "C": C}, (2, 4), 0.5 * x @ B + 2.0 * C)

# A 1 x 1 Conv, Reshape with 0 and -1, Flatten along axis 1, MatMul and the Add of its bias.
x = rng.normal(size=(2, 3, 4, 4)).astype(np.float32)
w = rng.normal(size=(4, 3, 1, 1)).astype(np.float32) * 0.5
b = rng.normal(size=(4,)).astype(np.float32)
W = rng.normal(size=(64, 5)).astype(np.float32) * 0.2
bw = rng.normal(size=(5,)).astype(np.float32)
h = conv1x1(x, w, b)
graph_model("op_reshape", [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[1, 1]),
    helper.make_node("Relu", ["c"], ["r"]),
    helper.make_node("Reshape", ["r", "shape"], ["s"]),
    helper.make_node("Flatten", ["s"], ["f"], axis=1),
    helper.make_node("MatMul", ["f", "W"], ["m"]),
    helper.make_node("Add", ["m", "bw"], ["y"])],
    x, {"w": w, "b": b, "shape": np.array([0, -1], dtype=np.int64), "W": W, "bw": bw}, (2, 5),
    np.maximum(h, 0).reshape(2, -1) @ W + bw)

# AveragePool counting its padding; Clip with a maximum only (its min input omitted).
x = rng.normal(size=(1, 2, 5, 5)).astype(np.float32)
xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
avg = np.zeros((1, 2, 3, 3), dtype=np.float32)
for oy in range(3):
    for ox in range(3):
        avg[:, :, oy, ox] = xp[:, :, 2 * oy:2 * oy + 3, 2 * ox:2 * ox + 3].mean(axis=(2, 3))
graph_model("op_pool_clip", [
    helper.make_node("AveragePool", ["x"], ["a"], kernel_shape=[3, 3], strides=[2, 2],
                     pads=[1, 1, 1, 1], count_include_pad=1),
    helper.make_node("Clip", ["a", "", "hi"], ["y"])],
    x, {"hi": np.array(0.25, dtype=np.float32)}, (1, 2, 3, 3), np.minimum(avg, 0.25))

# Two 1 x 1 Convs of one input concatenated along the channels.
x = rng.normal(size=(1, 3, 3, 3)).astype(np.float32)
w1 = rng.normal(size=(2, 3, 1, 1)).astype(np.float32)
w2 = rng.normal(size=(5, 3, 1, 1)).astype(np.float32)
z1, z2 = np.zeros(2, np.float32), np.zeros(5, np.float32)
graph_model("op_concat", [
    helper.make_node("Conv", ["x", "w1", "z1"], ["a"], kernel_shape=[1, 1]),
    helper.make_node("Conv", ["x", "w2", "z2"], ["b"], kernel_shape=[1, 1]),
    helper.make_node("Concat", ["a", "b"], ["y"], axis=1)],
    x, {"w1": w1, "w2": w2, "z1": z1, "z2": z2}, (1, 7, 3, 3),
    np.concatenate([conv1x1(x, w1, z1), conv1x1(x, w2, z2)], axis=1))
print("wrote the operator test models")
