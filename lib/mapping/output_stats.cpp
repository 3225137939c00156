#include "lib/mapping/output_stats.h"

#include <cmath>

namespace swis {

double OutputError::sqnr_db() const {
  if (!defined()) return NAN;
  return noise == 0 ? INFINITY : 10.0 * std::log10(signal / noise);
}

OutputError output_error(const std::vector<double>& act, const std::vector<double>& weights,
                         int64_t rows, int64_t filters, int64_t k, const std::vector<int64_t>& y,
                         double scale) {
  OutputError e;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t f = 0; f < filters; ++f) {
      double ref = 0;
      for (int64_t i = 0; i < k; ++i) {
        ref += act[static_cast<size_t>(r * k + i)] * weights[static_cast<size_t>(f * k + i)];
      }
      const double v =
          y.empty() ? 0.0 : static_cast<double>(y[static_cast<size_t>(r * filters + f)]);
      e.signal += ref * ref;
      e.noise += (ref - v * scale) * (ref - v * scale);
    }
  }
  return e;
}

}  // namespace swis
