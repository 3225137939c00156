// Convolutions as GEMMs: the GEMM shape of a layer and the im2col lowering of its input in the
// weights' channel-grouped order.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/common/layer_shape.h"

namespace swis {

// One layer as the array sees it: P output rows, G groups of M per output, F filters.
struct GemmShape {
  int64_t rows = 0;     // P (output pixels, or GEMM rows)
  int64_t groups = 0;   // G = kh * kw * ceil(C / M), or ceil(K / M)
  int64_t filters = 0;  // F
  int64_t macs = 0;     // real multiply-accumulates: P * F * K
};

// One instance of a convolution as the array sees it.
GemmShape gemm_shape(const ConvShape& conv, int group_size);

// im2col of one (C, H, W) input, 8-bit codes, in the weights' group order
// (lib/compiler/quantize.h): row p = oy * Wo + ox, group g = (y * kw + x) * ceil(C / M) + cg, lane
// i = channel cg*M + i. Zero padding outside the input and past the last channel.
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

}  // namespace swis
