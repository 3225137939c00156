#!/usr/bin/python3
"""The two reference networks of the accuracy study, the Fashion-MNIST reader, and the training
and evaluation loops shared by scripts/train_fashion.py and scripts/accuracy_study.py.

Both networks take pixels / 255 (N, 1, 28, 28) and give 10 logits. Every convolution is followed
by its batch norm in a ConvBN, so that fold_bn() can fold them the way `swis net` does before it
quantizes (a quantization-aware fine-tune then trains the folded weights the array runs).
"""
import copy
import gzip
import os

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """An idx file (gzip'd or not) as a numpy array: uint8 images (N, 28, 28) or labels (N,)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError(path + ": not an idx file of unsigned bytes")
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if body.size != int(np.prod(dims)):
        raise ValueError(path + ": %d values for shape %s" % (body.size, dims))
    return body.reshape(dims)


def load(split):
    """(images float32 (N, 1, 28, 28) in [0, 1], labels int64 (N,)) of 'train' or 't10k'."""
    x = read_idx(os.path.join(DATA, split + "-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA, split + "-labels-idx1-ubyte.gz"))
    return (torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1),
            torch.from_numpy(y.astype(np.int64)))


class ConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride=1, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = ConvBN(cin, cout, 3, stride)
        self.b = ConvBN(cout, cout, 3)
        self.down = ConvBN(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.b(torch.relu(self.a(x)))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class ResNetFM(nn.Module):
    """ResNet-style: a stride-2 stem, three basic blocks (16, 32, 64 channels, the last two with
    stride 2 and a 1x1 projection), global pooling, one linear layer: 9 convolutions, 3 adds."""

    def __init__(self):
        super().__init__()
        self.stem = ConvBN(1, 16, 3, 2)
        self.blocks = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2),
                                    BasicBlock(32, 64, 2))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(torch.relu(self.stem(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class InvertedResidual(nn.Module):
    """MobileNet-v2's block: 1x1 expansion, ReLU6, 3x3 depthwise, ReLU6, linear 1x1 projection,
    and the residual add when the shape allows it."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        self.expand = ConvBN(cin, mid, 1)
        self.dw = ConvBN(mid, mid, 3, stride, groups=mid)
        self.project = ConvBN(mid, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.project(nn.functional.relu6(self.dw(nn.functional.relu6(self.expand(x)))))
        return x + y if self.residual else y


class MobileNetFM(nn.Module):
    """MobileNet-v2-style: a stride-2 stem, five inverted residuals (expansion 4, two of them with
    the residual add), a 1x1 head to 128 channels, global pooling, one linear layer."""

    def __init__(self):
        super().__init__()
        self.stem = ConvBN(1, 16, 3, 2)
        self.blocks = nn.Sequential(
            InvertedResidual(16, 16, 1, 1), InvertedResidual(16, 24, 2, 4),
            InvertedResidual(24, 24, 1, 4), InvertedResidual(24, 48, 2, 4),
            InvertedResidual(48, 48, 1, 4))
        self.head = ConvBN(48, 128, 1)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = nn.functional.relu6(self.stem(x))
        x = nn.functional.relu6(self.head(self.blocks(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


NETWORKS = {"resnet": ResNetFM, "mobilenet": MobileNetFM}


def fold_bn(model):
    """A copy of `model` with every ConvBN's batch norm folded into its convolution (eval mode)."""
    model = copy.deepcopy(model).eval()
    for m in model.modules():
        if isinstance(m, ConvBN) and isinstance(m.bn, nn.BatchNorm2d):
            bn, conv = m.bn, m.conv
            g = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
            folded = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                               conv.padding, groups=conv.groups, bias=True)
            folded.weight.data = conv.weight.detach() * g.reshape(-1, 1, 1, 1)
            folded.bias.data = bn.bias.detach() - bn.running_mean * g
            m.conv, m.bn = folded, nn.Identity()
    return model


def setup(seed=0):
    """Fixed seeds, two threads, deterministic kernels: the same numbers on every run here."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)


def train(model, x, y, epochs, lr, batch=128, weight_decay=5e-4, seed=0, log=print,
          before_step=None):
    """SGD with Nesterov momentum and a one-cycle learning rate; a fixed shuffle per epoch."""
    gen = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            xb, yb = x[idx], y[idx]
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if before_step is not None:
                before_step()
            total += len(idx)
            correct += int((out.argmax(1) == yb).sum())
            loss_sum += float(loss) * len(idx)
        log("epoch %d/%d: loss %.4f, train top-1 %.2f%%" %
            (epoch + 1, epochs, loss_sum / total, 100.0 * correct / total))
    return model.eval()


@torch.no_grad()
def evaluate(model, x, y, batch=1000):
    """Top-1 in percent and the predicted classes."""
    model.eval()
    pred = torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])
    return 100.0 * float((pred == y).float().mean()), pred


def export(model, path):
    """ONNX, opset 13, batch dimension dynamic, BatchNormalization folded by the exporter."""
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                      input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)
