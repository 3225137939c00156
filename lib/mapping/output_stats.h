// How close a layer's integer outputs come to the same layer in float: signal and noise energy
// and the output SQNR.
#pragma once

#include <cstdint>
#include <vector>

namespace swis {

struct OutputError {
  double signal = 0;  // sum of the float reference's squares
  double noise = 0;   // sum of (reference - y * scale)^2
  // 10 log10(signal / noise); +infinity when the outputs equal a non-zero reference exactly;
  // NaN (undefined) when the reference is all zero, whatever the outputs.
  double sqnr_db() const;
  bool defined() const { return signal > 0; }
};

// The reference is act (P x K) times weights (F x K), both in the same order (K = G x M in group
// order, padding zero); y is P x F and y * scale is compared with it.
OutputError output_error(const std::vector<double>& act, const std::vector<double>& weights,
                         int64_t rows, int64_t filters, int64_t k, const std::vector<int64_t>& y,
                         double scale);

}  // namespace swis
