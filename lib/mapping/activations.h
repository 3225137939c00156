// A layer's activations on their way to the array: the checks an input must pass, whether it fits
// the weights, and its 8-bit codes (int8 and uint8 as they are, float quantized per tensor).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/formats/npy.h"

namespace swis {

// int8, uint8, float32 or float64; no empty dimension; no NaN or Inf. Throws
// std::invalid_argument naming the problem (the caller adds the file's name).
void check_acts(const npy::Array& acts);

// Whether activations of shape `acts` fit weights of shape `weights`: a 2-D (F, K) weight matrix
// takes (P, K) rows, a 4-D (F, C, kh, kw) kernel one NCHW image (1, C, H, W) with the kernel's C
// whose size padded by `pad` on every side holds the kernel; stride and pad apply to
// convolutions only. `weights_name` stands for the weights in messages. Throws
// std::invalid_argument naming the problem.
void check_acts_fit(const std::vector<int64_t>& weights, const std::vector<int64_t>& acts,
                    int64_t stride, int64_t pad, const std::string& weights_name);

// Activations as the array takes them: 8-bit codes in the input's C order, their format and
// the scale from codes to the input's units (value = code * scale).
struct ActCodes {
  std::vector<uint8_t> codes;
  bool is_signed = true;       // int8 codes; uint8 otherwise
  double scale = 1.0;          // 1 for integer input
  std::vector<double> values;  // the input in its own units, C order
};

// int8 and uint8 are taken as they are; float is quantized per tensor to int8, symmetric as the
// weights are: scale = max|a| / 127 (1 for an all-zero input), code = clamp(round half away
// from zero (a / scale), -127, 127). Throws std::invalid_argument for another dtype or a
// non-finite value.
ActCodes quantize_acts(const npy::Array& acts);

}  // namespace swis
