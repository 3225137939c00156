#!/usr/bin/python3
"""SWIS for torch modules: quantize every Conv2d and Linear in place, or train through the
quantizer (quantization-aware fine-tuning with a straight-through estimator).

    import swis.torch as st
    report = st.quantize_module(model, shifts=3, overrides={"fc": {"shifts": 8}})
    st.attach(model, target="2.5", pe="ds")   # forward: the C++ quantizer; backward: identity
    ... train ...
    st.detach(model)                          # the latent float weights stay

Options are those of swis.quantize(). `overrides` maps a module's name (as named_modules() gives
it) to options that replace the defaults for that layer, or to None to leave it in float.
"""
import torch
from torch import nn
from torch.nn.utils import parametrize

import swis

LAYERS = (nn.Conv2d, nn.Linear)


def _layers(module, options, overrides):
    overrides = overrides or {}
    unknown = set(overrides) - {name for name, _ in module.named_modules()}
    if unknown:
        raise ValueError("overrides name no module: " + ", ".join(sorted(unknown)))
    for name, m in module.named_modules():
        if isinstance(m, LAYERS):
            if name in overrides and overrides[name] is None:
                continue
            yield name, m, {**options, **(overrides.get(name) or {})}


@torch.no_grad()
def quantize_module(module, overrides=None, **options):
    """Replaces the weight of every Conv2d and Linear of `module` with its SWIS-quantized value
    (q * scale). Returns {name: swis.Quantized} for the layers it quantized."""
    report = {}
    for name, m, opts in _layers(module, options, overrides):
        w = m.weight.detach().cpu().numpy()
        r = swis.quantize(w, **opts)
        m.weight.copy_(torch.from_numpy(r.dequantized(w.dtype)).to(m.weight.device))
        report[name] = r
    return report


class QuantSTE(torch.autograd.Function):
    """Forward: the C++ quantizer (fake_quant); backward: the gradient unchanged (the usual
    straight-through estimator)."""

    @staticmethod
    def forward(ctx, w, options):
        return swis.fake_quant(w.detach(), **options).to(dtype=w.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def ste(w, **options):
    """fake_quant of `w` with the straight-through gradient."""
    return QuantSTE.apply(w, options)


class _Quantizer(nn.Module):
    def __init__(self, options):
        super().__init__()
        self.options = options

    def forward(self, w):
        return ste(w, **self.options)


def attach(module, overrides=None, **options):
    """Makes every Conv2d and Linear of `module` use ste(weight) in its forward pass (a torch
    parametrization: the float weight stays the trained parameter). Returns the layers' names."""
    names = []
    for name, m, opts in _layers(module, options, overrides):
        parametrize.register_parametrization(m, "weight", _Quantizer(opts))
        names.append(name)
    return names


def detach(module, quantized=False):
    """Removes what attach() added; quantized=True leaves the quantized weights in place of the
    float ones."""
    for m in module.modules():
        if parametrize.is_parametrized(m, "weight"):
            parametrize.remove_parametrizations(m, "weight", leave_parametrized=quantized)
