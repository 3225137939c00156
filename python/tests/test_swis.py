#!/usr/bin/python3
"""The Python module against the command line, the straight-through estimator and the module
helper. Run by ctest (Python.*) with PYTHONPATH=<build>/python and SWIS=<build>/swis."""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
from onnx import numpy_helper
import torch
from torch import nn

import swis
import swis.torch as st

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SWIS = os.environ.get("SWIS", os.path.join(ROOT, "build", "swis"))


def real_layer(name="/blocks/blocks.1/b/conv/Conv"):
    """A convolution's weights (BatchNormalization folded) of the committed ResNet-style model."""
    model = onnx.load(os.path.join(ROOT, "models", "fashion_resnet.onnx"))
    weight = {i.name: i for i in model.graph.initializer}
    node = next(n for n in model.graph.node if n.name == name)
    return np.array(numpy_helper.to_array(weight[node.input[1]]))


class AgreesWithCli(unittest.TestCase):
    """swis.quantize equals `swis quantize` on the same .npy: Q, scale, statistics, shifts and
    the packed bytes."""

    CASES = [
        {"shifts": 3},
        {"shifts": 2, "method": "swis-c"},
        {"shifts": 4, "method": "trunc"},
        {"target": "2.5", "pe": "ss"},
        {"target": "3", "pe": "ds", "metric": "mse++", "alpha": 0.5},
        {"shifts": 2, "group": 8},
    ]

    def cli(self, w, opts):
        with tempfile.TemporaryDirectory() as d:
            np.save(os.path.join(d, "w.npy"), w)
            cmd = [SWIS, "quantize", os.path.join(d, "w.npy"), "--out", os.path.join(d, "q.npy"),
                   "--json", os.path.join(d, "r.json"), "--packed", os.path.join(d, "p.bin")]
            for k, v in opts.items():
                cmd += ["--" + {"cols": "array-cols"}.get(k, k), str(v)]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(d, "r.json")) as f, open(os.path.join(d, "p.bin"), "rb") as p:
                return np.load(os.path.join(d, "q.npy")), json.load(f), p.read()

    def test_real_layer(self):
        w = real_layer()
        self.assertEqual(w.shape, (32, 32, 3, 3))
        for opts in self.CASES:
            with self.subTest(**opts):
                q, report, packed = self.cli(w, opts)
                r = swis.quantize(w, **opts)
                np.testing.assert_array_equal(r.q, q)
                self.assertEqual(r.q.dtype, np.int16)
                self.assertEqual(r.scale, report["scale"])
                for key, value in r.stats.items():
                    self.assertEqual(value, report[key], key)
                self.assertEqual(r.tile_shifts, report["tile_shifts"])
                self.assertEqual(r.packed, packed)

    def test_torch_tensor_and_fake_quant(self):
        w = real_layer()
        r = swis.quantize(w, shifts=2)
        t = swis.fake_quant(torch.from_numpy(w), shifts=2)
        self.assertIsInstance(t, torch.Tensor)
        self.assertEqual(t.dtype, torch.float32)
        np.testing.assert_array_equal(t.numpy(), (r.q * r.scale).astype(np.float32))
        self.assertFalse(np.array_equal(t.numpy(), w))  # 2 shifts change the layer

    def test_bad_input_is_value_error(self):
        w = real_layer()
        for bad in [lambda: swis.quantize(w), lambda: swis.quantize(w, shifts=9),
                    lambda: swis.quantize(w.astype(np.int32), shifts=2),
                    lambda: swis.quantize(np.full((2, 4), np.nan, np.float32), shifts=2),
                    lambda: swis.quantize(w, target="2.5", pe="ds", cols=32),
                    lambda: swis.quantize(w, shifts=2, method="nope"),
                    lambda: swis.quantize(w[0, 0, 0], shifts=2)]:
            with self.assertRaises(ValueError):
                bad()


class StraightThrough(unittest.TestCase):
    def test_gradient_is_identity(self):
        torch.manual_seed(0)
        w = torch.randn(8, 4, 3, 3, requires_grad=True)
        y = st.ste(w, shifts=2)
        np.testing.assert_array_equal(y.detach().numpy(), swis.fake_quant(w.detach(), shifts=2))
        g = torch.randn_like(w)
        y.backward(g)
        self.assertTrue(torch.equal(w.grad, g))

    def test_attach_trains_through_the_quantizer(self):
        torch.manual_seed(0)
        m = nn.Sequential(nn.Conv2d(2, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 16, 3))
        x = torch.randn(5, 2, 6, 6)
        want = m[0].weight.detach().clone()
        names = st.attach(m, shifts=2, overrides={"3": {"shifts": 3}})
        self.assertEqual(names, ["0", "3"])
        np.testing.assert_array_equal(m[0].weight.detach().numpy(),
                                      swis.fake_quant(want, shifts=2))
        m(x).sum().backward()
        self.assertIsNotNone(m[0].parametrizations.weight.original.grad)
        st.detach(m)
        self.assertTrue(torch.equal(m[0].weight.detach(), want))


class QuantizeModule(unittest.TestCase):
    def test_every_layer_with_overrides(self):
        torch.manual_seed(1)
        m = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 8, 1), nn.Flatten(), nn.Linear(8, 4))
        before = [p.detach().clone() for p in (m[0].weight, m[1].weight, m[3].weight)]
        report = st.quantize_module(m, shifts=2, overrides={"1": None, "3": {"shifts": 4}})
        self.assertEqual(sorted(report), ["0", "3"])
        np.testing.assert_array_equal(m[0].weight.detach().numpy(),
                                      swis.fake_quant(before[0], shifts=2))
        self.assertTrue(torch.equal(m[1].weight.detach(), before[1]))
        np.testing.assert_array_equal(m[3].weight.detach().numpy(),
                                      swis.fake_quant(before[2], shifts=4))
        self.assertEqual(report["3"].stats["effective_shifts"], 4)
        with self.assertRaises(ValueError):
            st.quantize_module(m, shifts=2, overrides={"nope": None})


if __name__ == "__main__":
    unittest.main()
