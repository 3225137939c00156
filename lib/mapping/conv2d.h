// The general 2-D convolution of a network layer, as a set of GEMMs for the array: per-side
// padding, stride and dilation per axis, `group` groups (group = C is depthwise), and a batch of
// N images that becomes the GEMM's P (output pixels of every image, image-major). Each group is
// a GEMM of its own: P = N x Ho x Wo rows, K = (C / group) x kh x kw, F / group filters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swis {

struct Conv2d {
  int64_t batch = 1, channels = 0, height = 0, width = 0;  // input (N, C, H, W)
  int64_t filters = 0, kh = 1, kw = 1;                     // weights (F, C / group, kh, kw)
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t group = 1;

  int64_t out_height() const {
    return (height + pad_top + pad_bottom - dilation_h * (kh - 1) - 1) / stride_h + 1;
  }
  int64_t out_width() const {
    return (width + pad_left + pad_right - dilation_w * (kw - 1) - 1) / stride_w + 1;
  }
  int64_t group_channels() const { return channels / group; }
  int64_t group_filters() const { return filters / group; }
  int64_t rows() const { return batch * out_height() * out_width(); }  // P of each group's GEMM
  int64_t macs() const { return rows() * filters * group_channels() * kh * kw; }
  // Throws std::invalid_argument (one line) for a shape that cannot be: C or F not divisible by
  // group, a stride or dilation below 1, negative padding, an empty output.
  void validate() const;
};

// The activations of group `g` in the weights' group order (lib/compiler/quantize.h) for 4-D
// weights (F / group, C / group, kh, kw): row p = (n * Ho + oy) * Wo + ox, group
// (y * kw + x) * ceil(Cg / M) + cg, lane i = channel cg * M + i of the group. `input` is
// (N, C, H, W) in C order; zero outside the input and past the group's last channel.
template <class T>
std::vector<T> im2col_group(const Conv2d& s, int64_t g, int group_size,
                            const std::vector<T>& input) {
  const int64_t M = group_size, Ho = s.out_height(), Wo = s.out_width(), Cg = s.group_channels();
  const int64_t cg_count = (Cg + M - 1) / M;
  const int64_t G = s.kh * s.kw * cg_count;
  std::vector<T> out(static_cast<size_t>(s.rows() * G * M), T{});
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t oy = 0; oy < Ho; ++oy) {
      for (int64_t ox = 0; ox < Wo; ++ox) {
        const int64_t p = (n * Ho + oy) * Wo + ox;
        for (int64_t y = 0; y < s.kh; ++y) {
          const int64_t iy = oy * s.stride_h - s.pad_top + y * s.dilation_h;
          if (iy < 0 || iy >= s.height) continue;
          for (int64_t x = 0; x < s.kw; ++x) {
            const int64_t ix = ox * s.stride_w - s.pad_left + x * s.dilation_w;
            if (ix < 0 || ix >= s.width) continue;
            T* row = &out[static_cast<size_t>((p * G + (y * s.kw + x) * cg_count) * M)];
            const T* in = &input[static_cast<size_t>(((n * s.channels + g * Cg) * s.height + iy) *
                                                         s.width +
                                                     ix)];
            const int64_t plane = s.height * s.width;
            for (int64_t c = 0; c < Cg; ++c) row[c] = in[c * plane];
          }
        }
      }
    }
  }
  return out;
}

}  // namespace swis
