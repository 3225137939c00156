#!/usr/bin/python3
"""SWIS weight quantization from Python: the project's C++ quantizer and filter scheduler
(lib/compiler) on numpy arrays and torch tensors.

    import swis
    r = swis.quantize(w, shifts=3)              # w: (F, K) or (F, C, kh, kw), numpy or torch
    r.q, r.scale, r.filter_shifts, r.stats      # q * scale is the quantized layer
    wq = swis.fake_quant(w, target="2.5", pe="ds", cols=8)   # float, w's type and dtype

The results equal `swis quantize` on the same weights (tested). `swis.torch` quantizes a whole
module in place and holds the straight-through estimator for quantization-aware training.
"""
from dataclasses import dataclass, field

import numpy as np

from . import _swis
from ._swis import NpyError, QuantError, ScheduleError  # noqa: F401

__all__ = ["quantize", "fake_quant", "Quantized", "QuantError", "ScheduleError"]


@dataclass
class Quantized:
    """One layer quantized.

    q: int16, the input's shape: the quantized weights on the 8-bit baseline's scale;
    scale: float, dequantized weight = q * scale;
    filter_shifts: uint8 (F,), N of each filter; tile_shifts: N of each tile of `cols` filters;
    stats: what `swis quantize --json` reports (weights, groups, rmse, rmse_int, exact_fraction,
    compression_ratio, effective_shifts, total_error, and with a target paper_heuristic_error and
    lower_bound); packed: the packed format (`swis quantize --packed`).
    """
    q: np.ndarray
    scale: float
    filter_shifts: np.ndarray
    tile_shifts: list
    stats: dict = field(default_factory=dict)
    packed: bytes = b""

    def dequantized(self, dtype=np.float32):
        return (self.q.astype(np.float64) * self.scale).astype(dtype)


def _as_numpy(w):
    """A numpy view of `w` (a torch tensor is detached and moved to the CPU, shared if it is
    there already), and whether it was a tensor."""
    if hasattr(w, "detach") and hasattr(w, "numpy"):
        return w.detach().cpu().numpy(), True
    return np.asarray(w), False


def quantize(w, method="swis", shifts=None, target=None, group=4, pe="ds", cols=8,
             metric="mse", alpha=1.0, threads=1, packed=True):
    """Quantizes a layer's weights as `swis quantize` does.

    w: (F, K) or (F, C, kh, kw), float32/float64 (scale max|w| / 127) or int8/int16 (used as the
    8-bit baseline, scale 1); method: "swis", "swis-c" or "trunc"; shifts: N for every filter, or
    target: an average N as a decimal string or number ("2.5"), met by filter scheduling on tiles
    of `cols` filters, each tile an N the PE takes (pe="ds": even N); group: M weights per group;
    metric: "mse" or "mse++" with weight `alpha` on the squared signed error; packed=False
    skips building the packed bytes (Quantized.packed is then empty).
    Raises ValueError (QuantError, ScheduleError) with the library's one-line message.
    """
    a, _ = _as_numpy(w)
    if shifts is not None and target is not None:
        raise QuantError("give shifts= or target=, not both")
    if shifts is None and target is None:
        raise QuantError("give shifts= (every filter) or target= (an average, by scheduling)")
    r = _swis.quantize(a, method, int(shifts) if shifts is not None else 0,
                       "" if target is None else str(target), int(group), pe, int(cols), metric,
                       float(alpha), int(threads), bool(packed))
    return Quantized(**r)


def fake_quant(w, **options):
    """The quantized weights in float (q * scale), in w's type (numpy or torch), dtype, device
    and shape; `options` as quantize()."""
    a, is_tensor = _as_numpy(w)
    r = quantize(a, packed=False, **options)
    out = r.dequantized(a.dtype if a.dtype.kind == "f" else np.float32)
    if is_tensor:
        import torch
        return torch.from_numpy(out).to(device=w.device)
    return out
