// SWIS quantization of a layer (paper Sections 2.2-2.3, 4.1): the 8-bit baseline, grouping,
// shift-set selection (swis, swis-c, layer-wise truncation) under mse or mse++, and the
// statistics the tools report.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace swis {

enum class Method { kSwis, kSwisC, kTrunc };
enum class Metric { kMse, kMsePlusPlus };

// Text forms used on the command line and in reports: swis | swis-c | trunc, mse | mse++.
Method parse_method(const std::string& text);
Metric parse_metric(const std::string& text);
const char* method_name(Method m);
const char* metric_name(Metric m);

// Bad input or parameters: the message is one line meant for the user.
class QuantError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A layer's weights on the 8-bit baseline, in group order.
//
// Group order: filter f holds G groups of M weights. For a 2-D (F, K) layer group g of filter f
// is weights k = gM .. gM+M-1. For a 4-D (F, C, kh, kw) kernel the groups are the depth-wise
// vectors: group g = (y * kw + x) * ceil(C / M) + cg holds channels c = cg*M .. cg*M+M-1 at
// kernel position (y, x). A group past the end of K (or of C) is padded with zeros; padding
// is never counted in any statistic.
struct Layer {
  std::vector<int64_t> shape;     // as given: (F, K) or (F, C, kh, kw)
  int group_size = 4;             // M
  int64_t filters = 0;            // F
  int64_t groups_per_filter = 0;  // G
  double scale = 1.0;             // dequantized weight = q * scale
  bool from_float = false;        // float input (scale from max |w|) or integer input (scale 1)
  std::vector<int16_t> w8;        // F * G * M baseline weights, group order, padding 0
  std::vector<uint8_t> live;      // F * G: real weights in each group (the rest is padding)
  std::vector<double> original;   // F * G * M input values in group order (float units)

  int64_t groups() const { return filters * groups_per_filter; }
  int64_t real_weights() const;
  int64_t filter_real_weights(int64_t f) const;
  // Index into the input array (C order) of slot i of group g of filter f, or -1 for padding.
  int64_t source_index(int64_t f, int64_t g, int i) const;
};

// The checks every weight input passes before quantization: rank 2 or 4, no empty dimension,
// as many values as the shape holds, no NaN or Inf, and |w| <= 255 for integer input. Throws
// QuantError naming the first problem.
void check_weight_input(const std::vector<int64_t>& shape, const std::vector<double>& values,
                        bool integer_input);

// Builds the 8-bit baseline of `values` (C order, `shape` 2-D or 4-D). Float input:
// scale = max|w| / 127, w8 = clamp(round_half_away(w / scale), -127, 127); an all-zero layer
// gets scale 1. Integer input: used as is with scale 1; |w| <= 255 required.
// Throws QuantError for what check_weight_input refuses or M outside 1..16.
Layer make_layer(const std::vector<int64_t>& shape, const std::vector<double>& values,
                 bool integer_input, int group_size);

struct QuantOptions {
  Method method = Method::kSwis;
  Metric metric = Metric::kMse;
  double alpha = 1.0;  // mse++ weight of the squared signed error
  int threads = 1;     // worker threads for the per-group search
};

// Quantized layer: per group the shift set, per weight q.
struct Quantized {
  std::vector<uint8_t> filter_shifts;  // N of each filter
  std::vector<uint8_t> set;            // per group: bit s set = shift position s in S
  std::vector<int16_t> q;              // per weight slot, group order: sign(w) * v, v in V(S)
  std::vector<double> group_error;  // per group: n * metric (sum e^2, or alpha (sum e)^2 + sum e^2)
  int trunc_offset = -1;            // trunc: the layer's window starts at this bit position

  double total_error() const;
};

// Quantizes with N = filter_shifts[f] shifts for filter f (1..8 each). Ties between shift
// sets go to the set enumerated first: smaller bit mask for swis, lower offset for swis-c and
// trunc. Each weight takes the value of V(S) nearest to |w8|, ties to the smaller value.
Quantized quantize(const Layer& layer, const std::vector<uint8_t>& filter_shifts,
                   const QuantOptions& opt);

// The same N for every filter.
Quantized quantize(const Layer& layer, int shifts, const QuantOptions& opt);

// error[f][n]: total error (sum of group_error) of filter f quantized with n shifts, n = 1..8.
// Refuses trunc (its shift window belongs to the whole layer, not to one filter).
std::vector<std::array<double, 9>> filter_error_table(const Layer& layer, const QuantOptions& opt);

// Bits a group of M weights takes in the packed format with N shifts.
int64_t group_bits(Method method, int group_size, int shifts);

struct QuantStats {
  int64_t weights = 0;  // real weights
  int64_t groups = 0;   // groups holding at least one real weight
  double rmse = 0;      // float units, against the input weights
  double rmse_int = 0;  // 8-bit units, against w8
  double exact_fraction = 0;
  double compression_ratio = 0;  // 8 * weights / stored bits
  double effective_shifts = 0;   // N averaged over the real weights
  double total_error = 0;        // sum of group_error
};

QuantStats quant_stats(const Layer& layer, const Quantized& qz, Method method);

// Nearest value to magnitude m (0..255) among the subset sums of {2^s : s in set}; ties go to
// the smaller value.
uint8_t nearest_value(uint8_t set, int m);

}  // namespace swis
