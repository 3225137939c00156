// Vocabulary that every stage of the data path shares: the geometry of a convolution and the one
// way a shape is written in messages and files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swis {

// A convolution's geometry: input (C, H, W), F filters of kh x kw, one stride and one padding on
// every side.
struct ConvShape {
  int64_t channels = 0, height = 0, width = 0;  // input (C, H, W)
  int64_t filters = 0, kh = 1, kw = 1;
  int64_t stride = 1, pad = 0;

  int64_t out_height() const { return (height + 2 * pad - kh) / stride + 1; }
  int64_t out_width() const { return (width + 2 * pad - kw) / stride + 1; }
  // Throws std::invalid_argument (one line) for a stride of 0, a negative pad, a kernel
  // larger than the padded input, or an empty dimension.
  void validate() const;
};

// Python's repr of a shape tuple, as numpy writes it and messages show it: (), (5,), (2, 3).
std::string shape_repr(const std::vector<int64_t>& shape);

}  // namespace swis
