// The network in float: the reference every integer result is compared with, and what
// calibration measures. Plain loops over the operators of lib/net/network.h (double accumulation).
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "lib/net/network.h"

namespace swis::net {

// Every tensor of the network (C order, shapes as Network::shapes) for one input.
using Tensors = std::map<std::string, std::vector<float>>;

Tensors run_float(const Network& net, const std::vector<float>& input);

// Every window of a MaxPool or AveragePool over an (N, C, H, W) tensor `x` of shape `in`:
// f(output index, largest tap, sum of taps, taps counted) with padding taps counted when
// count_include_pad (they add nothing to the sum). One walk for floats and codes alike.
template <class T, class F>
void pool_windows(const Pool& p, const std::vector<T>& x, const std::vector<int64_t>& in,
                  const std::vector<int64_t>& out, F f) {
  for (int64_t nc = 0; nc < in[0] * in[1]; ++nc) {
    for (int64_t oy = 0; oy < out[2]; ++oy) {
      for (int64_t ox = 0; ox < out[3]; ++ox) {
        bool any = false;
        T best{};
        double sum = 0;
        int64_t count = 0;
        for (int64_t ky = 0; ky < p.kh; ++ky) {
          const int64_t iy = oy * p.stride_h - p.pad_top + ky;
          for (int64_t kx = 0; kx < p.kw; ++kx) {
            const int64_t ix = ox * p.stride_w - p.pad_left + kx;
            if (iy < 0 || iy >= in[2] || ix < 0 || ix >= in[3]) {
              count += p.count_include_pad ? 1 : 0;
              continue;
            }
            const T v = x[static_cast<size_t>((nc * in[2] + iy) * in[3] + ix)];
            best = any ? std::max(best, v) : v;
            any = true;
            sum += static_cast<double>(v);
            ++count;
          }
        }
        f(static_cast<size_t>((nc * out[2] + oy) * out[3] + ox), best, sum, count);
      }
    }
  }
}

// Concatenation along `axis` of tensors whose shapes differ only there (`out` is the result's
// shape): each contributes, for every index of the axes before `axis`, its block after it.
template <class T>
std::vector<T> concat_blocks(const std::vector<const std::vector<T>*>& parts,
                             const std::vector<int64_t>& out, int64_t axis) {
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out[static_cast<size_t>(d)];
  std::vector<T> y;
  for (int64_t o = 0; o < outer; ++o) {
    for (const std::vector<T>* v : parts) {
      const int64_t block = static_cast<int64_t>(v->size()) / outer;
      y.insert(y.end(), v->begin() + o * block, v->begin() + (o + 1) * block);
    }
  }
  return y;
}

// Zero padding of an (N, C, H, W) tensor to `out` (kPad), for floats and codes alike.
template <class T>
std::vector<T> pad_zeros(const std::vector<T>& x, const std::vector<int64_t>& in,
                         const std::vector<int64_t>& out, const Pool& p);

}  // namespace swis::net
