// Convolutions as GEMMs: shapes, the im2col lowering in the weights' channel-grouped order,
// and the per-layer cycle figures of the array (closed form, SCALE-Sim's estimate).
#pragma once

#include <cstdint>
#include <vector>

#include "model/array_model.h"

namespace swis {

// One layer as the array sees it: P output rows, G groups of M per output, F filters.
struct GemmShape {
  int64_t rows = 0;     // P (output pixels, or GEMM rows)
  int64_t groups = 0;   // G = kh * kw * ceil(C / M), or ceil(K / M)
  int64_t filters = 0;  // F
  int64_t macs = 0;     // real multiply-accumulates: P * F * K
};

struct ConvShape {
  int64_t channels = 0, height = 0, width = 0;  // input (C, H, W)
  int64_t filters = 0, kh = 1, kw = 1;
  int64_t stride = 1, pad = 0;

  int64_t out_height() const { return (height + 2 * pad - kh) / stride + 1; }
  int64_t out_width() const { return (width + 2 * pad - kw) / stride + 1; }
  // Throws std::invalid_argument (one line) for a stride of 0, a negative pad, a kernel
  // larger than the padded input, or an empty dimension.
  void validate() const;
  GemmShape gemm(int group_size) const;
};

// im2col of one (C, H, W) input, 8-bit codes, in the weights' group order (model/quantize.h):
// row p = oy * Wo + ox, group g = (y * kw + x) * ceil(C / M) + cg, lane i = channel cg*M + i.
// Zero padding outside the input and past the last channel.
template <class T>
std::vector<T> im2col(const ConvShape& s, int group_size, const std::vector<T>& input) {
  const int64_t M = group_size, Ho = s.out_height(), Wo = s.out_width();
  const int64_t cg_count = (s.channels + M - 1) / M;
  const int64_t G = s.kh * s.kw * cg_count;
  std::vector<T> out(static_cast<size_t>(Ho * Wo * G * M), T{});
  for (int64_t oy = 0; oy < Ho; ++oy) {
    for (int64_t ox = 0; ox < Wo; ++ox) {
      const int64_t p = oy * Wo + ox;
      for (int64_t y = 0; y < s.kh; ++y) {
        const int64_t iy = oy * s.stride - s.pad + y;
        if (iy < 0 || iy >= s.height) continue;
        for (int64_t x = 0; x < s.kw; ++x) {
          const int64_t ix = ox * s.stride - s.pad + x;
          if (ix < 0 || ix >= s.width) continue;
          for (int64_t c = 0; c < s.channels; ++c) {
            const int64_t g = (y * s.kw + x) * cg_count + c / M;
            out[static_cast<size_t>((p * G + g) * M + c % M)] =
                input[static_cast<size_t>((c * s.height + iy) * s.width + ix)];
          }
        }
      }
    }
  }
  return out;
}

// Per-layer cycle figures for a list of per-filter-tile N (tile t holds filters tC..tC+C-1).
struct LayerCycles {
  uint64_t tiles = 0;
  uint64_t cycles = 0;              // closed form (model/array_model.h)
  uint64_t ideal_cycles = 0;        // the tiles' steps alone: no fill, drain or stall
  uint64_t stall_cycles = 0;        // drain stalls: tiles shorter than the drain
  double useful_slots = 0;          // real rows x real filters x real shifts
  double utilization = 0;           // useful / (Rows x Cols x slots x cycles)
  uint64_t scalesim_os_cycles = 0;  // SCALE-Sim OS, per fold 2 Rows + Cols + T - 2
  uint64_t bitserial8_cycles = 0;   // the same array, single-shift, 8 shifts for every tile
};

LayerCycles layer_cycles(const ArrayParams& p, const GemmShape& g,
                         const std::vector<int>& tile_shifts);

}  // namespace swis
