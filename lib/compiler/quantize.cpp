#include "lib/compiler/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "lib/common/layer_shape.h"

namespace swis {
namespace {

constexpr int kMaxM = 16;

// nearest[set][m]: the value of V(set) closest to m, ties to the smaller.
struct NearestTable {
  std::array<std::array<uint8_t, 256>, 256> v{};
  NearestTable() {
    for (int set = 0; set < 256; ++set) {
      // V(set) is every sub-mask of `set`; walk them in increasing order.
      std::vector<int> values;
      for (int sub = 0; sub < 256; ++sub) {
        if ((sub & ~set) == 0) values.push_back(sub);
      }
      size_t k = 0;
      for (int m = 0; m < 256; ++m) {
        while (k + 1 < values.size() && values[k + 1] <= m) ++k;
        int best = values[k];
        if (k + 1 < values.size() && values[k + 1] - m < m - best) best = values[k + 1];
        v[set][m] = static_cast<uint8_t>(best);
      }
    }
  }
};

const NearestTable& nearest_table() {
  static const NearestTable table;
  return table;
}

// The shift sets a group may take, with err[m * count + c] = m - nearest(set c, m).
struct Candidates {
  std::vector<uint8_t> sets;
  std::vector<int16_t> err;
  int count() const { return static_cast<int>(sets.size()); }
};

Candidates make_candidates(std::vector<uint8_t> sets) {
  Candidates c;
  c.sets = std::move(sets);
  const int n = c.count();
  c.err.resize(256 * static_cast<size_t>(n));
  for (int m = 0; m < 256; ++m) {
    for (int k = 0; k < n; ++k)
      c.err[m * n + k] = static_cast<int16_t>(m - nearest_value(c.sets[k], m));
  }
  return c;
}

std::vector<uint8_t> swis_sets(int shifts) {
  std::vector<uint8_t> sets;
  for (int s = 0; s < 256; ++s) {
    if (__builtin_popcount(static_cast<unsigned>(s)) == shifts)
      sets.push_back(static_cast<uint8_t>(s));
  }
  return sets;
}

std::vector<uint8_t> window_sets(int shifts) {
  std::vector<uint8_t> sets;
  for (int o = 0; o + shifts <= 8; ++o)
    sets.push_back(static_cast<uint8_t>(((1 << shifts) - 1) << o));
  return sets;
}

// Cost of every candidate for one group: n * metric, with n cancelled (it is the same for
// every candidate of a group). Returns the index of the cheapest, ties to the first.
struct GroupCosts {
  std::array<int32_t, 70> sq{};
  std::array<int32_t, 70> se{};
};

void group_costs(const Candidates& c, const int16_t* w, int live, GroupCosts& gc) {
  const int n = c.count();
  std::fill_n(gc.sq.begin(), n, 0);
  std::fill_n(gc.se.begin(), n, 0);
  for (int i = 0; i < live; ++i) {
    const int m = std::abs(w[i]);
    const int16_t* row = &c.err[static_cast<size_t>(m) * n];
    // e = w8 - q = sign * (|w8| - v): the signed error flips with the weight's sign.
    if (w[i] < 0) {
      for (int k = 0; k < n; ++k) {
        gc.sq[k] += row[k] * row[k];
        gc.se[k] -= row[k];
      }
    } else {
      for (int k = 0; k < n; ++k) {
        gc.sq[k] += row[k] * row[k];
        gc.se[k] += row[k];
      }
    }
  }
}

double cost_of(const GroupCosts& gc, int k, Metric metric, double alpha) {
  if (metric == Metric::kMse) return gc.sq[k];
  const double se = gc.se[k];
  return alpha * se * se + gc.sq[k];
}

int cheapest(const GroupCosts& gc, int n, Metric metric, double alpha, double* cost) {
  // Integer costs are exact and cheap; alpha = 1 (the default) stays in integers too.
  if (metric == Metric::kMse || alpha == 1.0) {
    const bool signed_term = metric == Metric::kMsePlusPlus;
    int best = 0;
    int64_t best_cost = std::numeric_limits<int64_t>::max();
    for (int k = 0; k < n; ++k) {
      const int64_t se = gc.se[k];
      const int64_t ck = gc.sq[k] + (signed_term ? se * se : 0);
      if (ck < best_cost) {
        best_cost = ck;
        best = k;
      }
    }
    *cost = static_cast<double>(best_cost);
    return best;
  }
  int best = 0;
  double best_cost = cost_of(gc, 0, metric, alpha);
  for (int k = 1; k < n; ++k) {
    const double ck = cost_of(gc, k, metric, alpha);
    if (ck < best_cost) {
      best_cost = ck;
      best = k;
    }
  }
  *cost = best_cost;
  return best;
}

// Runs body(first_filter, end_filter) over the filters on `threads` threads.
template <class Body>
void for_filters(int64_t filters, int threads, const Body& body) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>(std::min<int64_t>(filters, 64))));
  if (threads == 1) {
    body(int64_t{0}, filters);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] { body(filters * t / threads, filters * (t + 1) / threads); });
  }
  for (auto& th : pool) th.join();
}

void check_shifts(int shifts) {
  if (shifts < 1 || shifts > 8) {
    throw QuantError("number of shifts must be in [1, 8], got " + std::to_string(shifts));
  }
}

}  // namespace

uint8_t nearest_value(uint8_t set, int m) { return nearest_table().v[set][m]; }

Method parse_method(const std::string& t) {
  if (t == "swis") return Method::kSwis;
  if (t == "swis-c") return Method::kSwisC;
  if (t == "trunc") return Method::kTrunc;
  throw QuantError("unknown method '" + t + "' (swis, swis-c or trunc)");
}

Metric parse_metric(const std::string& t) {
  if (t == "mse") return Metric::kMse;
  if (t == "mse++") return Metric::kMsePlusPlus;
  throw QuantError("unknown metric '" + t + "' (mse or mse++)");
}

const char* method_name(Method m) {
  switch (m) {
    case Method::kSwis:
      return "swis";
    case Method::kSwisC:
      return "swis-c";
    case Method::kTrunc:
      return "trunc";
  }
  return "?";
}

const char* metric_name(Metric m) { return m == Metric::kMse ? "mse" : "mse++"; }

int64_t Layer::real_weights() const {
  int64_t n = 0;
  for (uint8_t l : live) n += l;
  return n;
}

int64_t Layer::filter_real_weights(int64_t f) const {
  int64_t n = 0;
  for (int64_t g = 0; g < groups_per_filter; ++g) n += live[f * groups_per_filter + g];
  return n;
}

int64_t Layer::source_index(int64_t f, int64_t g, int i) const {
  if (shape.size() == 2) {
    const int64_t k_dim = shape[1];
    const int64_t k = g * group_size + i;
    return k < k_dim ? f * k_dim + k : -1;
  }
  const int64_t c_dim = shape[1], kh = shape[2], kw = shape[3];
  const int64_t cg_count = (c_dim + group_size - 1) / group_size;
  const int64_t pos = g / cg_count;
  const int64_t c = (g % cg_count) * group_size + i;
  if (c >= c_dim) return -1;
  const int64_t y = pos / kw, x = pos % kw;
  return ((f * c_dim + c) * kh + y) * kw + x;
}

void check_weight_input(const std::vector<int64_t>& shape, const std::vector<double>& values,
                        bool integer_input) {
  if (shape.size() != 2 && shape.size() != 4) {
    throw QuantError("weights must be 2-D (F, K) or 4-D (F, C, kh, kw), got " +
                     std::to_string(shape.size()) + "-D shape " + shape_repr(shape));
  }
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 1) throw QuantError("weights have an empty dimension: shape " + shape_repr(shape));
    count *= d;
  }
  if (count != static_cast<int64_t>(values.size())) {
    throw QuantError("weights: shape and data size differ");
  }
  for (int64_t i = 0; i < count; ++i) {
    const double v = values[i];
    if (!std::isfinite(v)) {
      throw QuantError("weights contain " +
                       std::string(std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf") +
                       " at flat index " + std::to_string(i));
    }
    if (integer_input && std::fabs(v) > 255) {
      throw QuantError("integer weight " + std::to_string(static_cast<int64_t>(v)) +
                       " at flat index " + std::to_string(i) +
                       " exceeds 8 magnitude bits (|w| <= 255)");
    }
  }
}

Layer make_layer(const std::vector<int64_t>& shape, const std::vector<double>& values,
                 bool integer_input, int group_size) {
  if (group_size < 1 || group_size > kMaxM) {
    throw QuantError("group size must be in [1, 16], got " + std::to_string(group_size));
  }
  check_weight_input(shape, values, integer_input);
  Layer L;
  L.shape = shape;
  L.group_size = group_size;
  L.filters = shape[0];
  if (shape.size() == 2) {
    L.groups_per_filter = (shape[1] + group_size - 1) / group_size;
  } else {
    L.groups_per_filter = shape[2] * shape[3] * ((shape[1] + group_size - 1) / group_size);
  }
  double max_abs = 0;
  for (const double v : values) max_abs = std::max(max_abs, std::fabs(v));
  L.from_float = !integer_input;
  L.scale = integer_input || max_abs == 0 ? 1.0 : max_abs / 127.0;
  const size_t slots = static_cast<size_t>(L.groups()) * group_size;
  L.w8.assign(slots, 0);
  L.original.assign(slots, 0.0);
  L.live.assign(static_cast<size_t>(L.groups()), 0);
  for (int64_t f = 0; f < L.filters; ++f) {
    for (int64_t g = 0; g < L.groups_per_filter; ++g) {
      const int64_t gi = f * L.groups_per_filter + g;
      for (int i = 0; i < group_size; ++i) {
        const int64_t src = L.source_index(f, g, i);
        if (src < 0) continue;
        const double v = values[src];
        int w8;
        if (integer_input) {
          w8 = static_cast<int>(v);
        } else {
          // std::round rounds half away from zero.
          w8 = static_cast<int>(std::clamp(std::round(v / L.scale), -127.0, 127.0));
        }
        L.w8[gi * group_size + i] = static_cast<int16_t>(w8);
        L.original[gi * group_size + i] = v;
        ++L.live[gi];
      }
    }
  }
  return L;
}

double Quantized::total_error() const {
  double t = 0;
  for (double e : group_error) t += e;
  return t;
}

Quantized quantize(const Layer& layer, int shifts, const QuantOptions& opt) {
  check_shifts(shifts);
  return quantize(
      layer, std::vector<uint8_t>(static_cast<size_t>(layer.filters), static_cast<uint8_t>(shifts)),
      opt);
}

Quantized quantize(const Layer& layer, const std::vector<uint8_t>& filter_shifts,
                   const QuantOptions& opt) {
  if (static_cast<int64_t>(filter_shifts.size()) != layer.filters) {
    throw QuantError("one number of shifts per filter is needed");
  }
  for (uint8_t n : filter_shifts) check_shifts(n);
  if (opt.metric == Metric::kMsePlusPlus && !(opt.alpha >= 0 && std::isfinite(opt.alpha))) {
    throw QuantError("alpha must be a finite number >= 0");
  }
  const int M = layer.group_size;
  const int64_t G = layer.groups_per_filter;

  // Candidate sets for each N in use.
  std::array<Candidates, 9> cands;
  Quantized qz;
  qz.filter_shifts = filter_shifts;
  qz.set.assign(static_cast<size_t>(layer.groups()), 0);
  qz.q.assign(layer.w8.size(), 0);
  qz.group_error.assign(static_cast<size_t>(layer.groups()), 0.0);

  if (opt.method == Method::kTrunc) {
    const uint8_t n = filter_shifts.empty() ? 1 : filter_shifts[0];
    for (uint8_t x : filter_shifts) {
      if (x != n)
        throw QuantError(
            "trunc shares one shift window across the layer: it needs one N for every filter");
    }
    // The window with the least total error over the layer.
    const Candidates all = make_candidates(window_sets(n));
    std::vector<double> total(static_cast<size_t>(all.count()), 0.0);
    GroupCosts gc;
    for (int64_t gi = 0; gi < layer.groups(); ++gi) {
      group_costs(all, &layer.w8[gi * M], layer.live[gi], gc);
      for (int k = 0; k < all.count(); ++k) total[k] += cost_of(gc, k, opt.metric, opt.alpha);
    }
    const int best = static_cast<int>(std::min_element(total.begin(), total.end()) - total.begin());
    qz.trunc_offset = best;
    cands[n] = make_candidates({all.sets[best]});
  } else {
    for (uint8_t n : filter_shifts) {
      if (cands[n].sets.empty()) {
        cands[n] = make_candidates(opt.method == Method::kSwis ? swis_sets(n) : window_sets(n));
      }
    }
  }

  for_filters(layer.filters, opt.threads, [&](int64_t f0, int64_t f1) {
    GroupCosts gc;
    for (int64_t f = f0; f < f1; ++f) {
      const Candidates& c = cands[filter_shifts[f]];
      for (int64_t g = 0; g < G; ++g) {
        const int64_t gi = f * G + g;
        const int16_t* w = &layer.w8[gi * M];
        group_costs(c, w, layer.live[gi], gc);
        double cost;
        const int k = cheapest(gc, c.count(), opt.metric, opt.alpha, &cost);
        const uint8_t set = c.sets[k];
        qz.set[gi] = set;
        qz.group_error[gi] = cost;
        for (int i = 0; i < layer.live[gi]; ++i) {
          const int v = nearest_value(set, std::abs(w[i]));
          qz.q[gi * M + i] = static_cast<int16_t>(w[i] < 0 ? -v : v);
        }
      }
    }
  });
  return qz;
}

std::vector<std::array<double, 9>> filter_error_table(const Layer& layer, const QuantOptions& opt) {
  if (opt.method == Method::kTrunc) {
    throw QuantError(
        "scheduling needs a per-group method (swis or swis-c): trunc's window belongs to the whole "
        "layer");
  }
  std::array<Candidates, 9> cands;
  for (int n = 1; n <= 8; ++n) {
    cands[n] = make_candidates(opt.method == Method::kSwis ? swis_sets(n) : window_sets(n));
  }
  const int M = layer.group_size;
  const int64_t G = layer.groups_per_filter;
  std::vector<std::array<double, 9>> table(static_cast<size_t>(layer.filters));
  for_filters(layer.filters, opt.threads, [&](int64_t f0, int64_t f1) {
    GroupCosts gc;
    for (int64_t f = f0; f < f1; ++f) {
      table[f].fill(0.0);
      for (int64_t g = 0; g < G; ++g) {
        const int64_t gi = f * G + g;
        for (int n = 1; n <= 8; ++n) {
          group_costs(cands[n], &layer.w8[gi * M], layer.live[gi], gc);
          double cost;
          cheapest(gc, cands[n].count(), opt.metric, opt.alpha, &cost);
          table[f][n] += cost;
        }
      }
    }
  });
  return table;
}

int64_t group_bits(Method method, int M, int N) {
  switch (method) {
    case Method::kSwis:
      return M + 3 * N + M * N;
    case Method::kSwisC:
      return M + 3 + M * N;
    case Method::kTrunc:
      return M + M * N;
  }
  return 0;
}

QuantStats quant_stats(const Layer& layer, const Quantized& qz, Method method) {
  QuantStats s;
  const int M = layer.group_size;
  const int64_t G = layer.groups_per_filter;
  double sq = 0, sq_int = 0, shift_weights = 0;
  int64_t exact = 0, bits = 0;
  for (int64_t f = 0; f < layer.filters; ++f) {
    const int n = qz.filter_shifts[f];
    for (int64_t g = 0; g < G; ++g) {
      const int64_t gi = f * G + g;
      const int live = layer.live[gi];
      if (live == 0) continue;
      ++s.groups;
      bits += group_bits(method, M, n);
      shift_weights += static_cast<double>(n) * live;
      for (int i = 0; i < live; ++i) {
        const int64_t slot = gi * M + i;
        const double d_int = layer.w8[slot] - qz.q[slot];
        sq_int += d_int * d_int;
        const double d = qz.q[slot] * layer.scale - layer.original[slot];
        sq += d * d;
        exact += layer.w8[slot] == qz.q[slot];
        ++s.weights;
      }
    }
  }
  const double n = static_cast<double>(s.weights);
  s.rmse = std::sqrt(sq / n);
  s.rmse_int = std::sqrt(sq_int / n);
  s.exact_fraction = exact / n;
  s.compression_ratio = 8.0 * n / static_cast<double>(bits);
  s.effective_shifts = shift_weights / n;
  s.total_error = qz.total_error();
  return s;
}

}  // namespace swis
