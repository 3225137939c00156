// The quantizer against the paper's closed forms (Equations 8-10), a brute-force reference,
// and the orderings the methods must keep.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "lib/compiler/quantize.h"

namespace swis {
namespace {

int64_t binom(int n, int k) {
  if (k < 0 || n < 0 || k > n) return 0;
  int64_t r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

Layer all_magnitudes() {
  std::vector<double> v(256);
  for (int m = 0; m < 256; ++m) v[m] = m;
  return make_layer({256, 1}, v, true, 1);
}

int64_t lossless_count(const Layer& L, const Quantized& qz) {
  int64_t n = 0;
  for (size_t i = 0; i < qz.q.size(); ++i) n += qz.q[i] == L.w8[i];
  return n;
}

TEST(Quantize, Equation8SwisLosslessFraction) {
  const Layer L = all_magnitudes();
  for (int N = 1; N <= 8; ++N) {
    int64_t eq8 = 0;  // 256 * sum_{n<=N} C(8,n) 0.5^8
    for (int n = 0; n <= N; ++n) eq8 += binom(8, n);
    EXPECT_EQ(lossless_count(L, quantize(L, N, {Method::kSwis})), eq8) << "N=" << N;
  }
}

TEST(Quantize, Equation9SwisCLosslessFraction) {
  const Layer L = all_magnitudes();
  for (int N = 1; N <= 8; ++N) {
    int64_t eq9 = 0;  // 256 * sum_n C(8,n) 0.5^8 (C(N,n)(9-N) - (8-N)C(N-1,n)) / C(8,n)
    for (int n = 0; n <= N; ++n) eq9 += binom(N, n) * (9 - N) - (8 - N) * binom(N - 1, n);
    EXPECT_EQ(lossless_count(L, quantize(L, N, {Method::kSwisC})), eq9) << "N=" << N;
  }
}

TEST(Quantize, Equation10LayerWiseLosslessFraction) {
  const Layer L = all_magnitudes();
  for (int N = 1; N <= 8; ++N) {
    int64_t eq10 = 0;  // 256 * sum_n C(8,n) 0.5^8 C(N,n) / C(8,n)
    for (int n = 0; n <= N; ++n) eq10 += binom(N, n);
    EXPECT_EQ(lossless_count(L, quantize(L, N, {Method::kTrunc})), eq10) << "N=" << N;
  }
}

// ---- Brute force: every shift set, every mask, no tables ----------------------------------

std::vector<int> brute_sets(Method m, int N) {
  std::vector<int> sets;
  if (m == Method::kSwis) {
    for (int s = 0; s < 256; ++s) {
      if (__builtin_popcount(s) == N) sets.push_back(s);
    }
  } else {
    for (int o = 0; o + N <= 8; ++o) sets.push_back(((1 << N) - 1) << o);
  }
  return sets;
}

// Quantizes one magnitude to set S by trying every mask over S's positions.
int brute_value(int set, int m) {
  std::vector<int> pos;
  for (int s = 0; s < 8; ++s) {
    if (set >> s & 1) pos.push_back(s);
  }
  int best = -1;
  for (int mask = 0; mask < (1 << pos.size()); ++mask) {
    int v = 0;
    for (size_t j = 0; j < pos.size(); ++j) {
      if (mask >> j & 1) v += 1 << pos[j];
    }
    if (best < 0 || std::abs(v - m) < std::abs(best - m) ||
        (std::abs(v - m) == std::abs(best - m) && v < best)) {
      best = v;
    }
  }
  return best;
}

double brute_cost(const std::vector<int>& w, int set, Metric metric, double alpha) {
  double sq = 0, se = 0;
  for (int x : w) {
    const int v = brute_value(set, std::abs(x));
    const double e = x - (x < 0 ? -v : v);
    sq += e * e;
    se += e;
  }
  const double n = static_cast<double>(w.size());
  return metric == Metric::kMse ? sq / n : (alpha * se * se + sq) / n;
}

struct BruteCase {
  Method method;
  Metric metric;
  double alpha;
};

class QuantizeBrute : public testing::TestWithParam<BruteCase> {};

TEST_P(QuantizeBrute, FastQuantizerAgreesWithBruteForce) {
  const BruteCase bc = GetParam();
  std::mt19937_64 rng(99);
  for (int M = 1; M <= 16; ++M) {
    // Short layers of random groups; K not a multiple of M so the last group is padded.
    const int F = 3, K = 3 * M + (M > 1 ? 1 : 0);
    std::vector<double> v(F * K);
    for (auto& x : v) {
      // Mostly small weights, as in real layers, some at full scale.
      x = rng() % 4 == 0 ? static_cast<int>(rng() % 511) - 255
                         : static_cast<int>(std::lround(std::normal_distribution<>(0, 20)(rng)));
      x = std::clamp(x, -255.0, 255.0);
    }
    const Layer L = make_layer({F, K}, v, true, M);
    for (int N = 1; N <= 8; ++N) {
      const Quantized qz = quantize(L, N, {bc.method, bc.metric, bc.alpha});
      const auto sets = brute_sets(bc.method, N);
      int trunc_set = -1;
      if (bc.method == Method::kTrunc) {
        double best_total = 0;
        for (int s : sets) {
          double total = 0;
          for (int64_t gi = 0; gi < L.groups(); ++gi) {
            std::vector<int> w(&L.w8[gi * M], &L.w8[gi * M] + L.live[gi]);
            total += brute_cost(w, s, bc.metric, bc.alpha) * static_cast<double>(w.size());
          }
          if (trunc_set < 0 || total < best_total) {
            best_total = total;
            trunc_set = s;
          }
        }
      }
      for (int64_t gi = 0; gi < L.groups(); ++gi) {
        std::vector<int> w(&L.w8[gi * M], &L.w8[gi * M] + L.live[gi]);
        int want = trunc_set;
        if (bc.method != Method::kTrunc) {
          double best = 0;
          for (int s : sets) {
            const double c = brute_cost(w, s, bc.metric, bc.alpha);
            if (want < 0 || c < best) {
              best = c;
              want = s;
            }
          }
        }
        ASSERT_EQ(qz.set[gi], want) << "M=" << M << " N=" << N << " group " << gi;
        for (size_t i = 0; i < w.size(); ++i) {
          const int v2 = brute_value(want, std::abs(w[i]));
          ASSERT_EQ(qz.q[gi * M + i], w[i] < 0 ? -v2 : v2)
              << "M=" << M << " N=" << N << " group " << gi << " weight " << i;
        }
        ASSERT_DOUBLE_EQ(qz.group_error[gi],
                         brute_cost(w, want, bc.metric, bc.alpha) * static_cast<double>(w.size()));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllMethodsAndMetrics, QuantizeBrute,
                         testing::Values(BruteCase{Method::kSwis, Metric::kMse, 1},
                                         BruteCase{Method::kSwisC, Metric::kMse, 1},
                                         BruteCase{Method::kTrunc, Metric::kMse, 1},
                                         BruteCase{Method::kSwis, Metric::kMsePlusPlus, 1},
                                         BruteCase{Method::kSwisC, Metric::kMsePlusPlus, 1},
                                         BruteCase{Method::kTrunc, Metric::kMsePlusPlus, 1},
                                         BruteCase{Method::kSwis, Metric::kMsePlusPlus, 0.5},
                                         BruteCase{Method::kSwisC, Metric::kMsePlusPlus, 2}),
                         [](const testing::TestParamInfo<BruteCase>& i) {
                           std::string n = std::string(method_name(i.param.method)) + "_" +
                                           (i.param.metric == Metric::kMse ? "mse" : "msepp") +
                                           "_alpha" +
                                           std::to_string(static_cast<int>(i.param.alpha * 10));
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

// ---- Orderings -----------------------------------------------------------------------------

Layer gaussian_layer(int F, int K, int M, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(0.0, 0.05);
  std::vector<double> v(static_cast<size_t>(F) * K);
  for (auto& x : v) x = d(rng);
  return make_layer({F, K}, v, false, M);
}

TEST(Quantize, UnderMseSwisBeatsSwisCBeatsTruncAndMoreShiftsNeverHurt) {
  for (int M : {1, 4, 16}) {
    const Layer L = gaussian_layer(16, 70, M, 5 + M);
    double prev[3] = {1e300, 1e300, 1e300};
    for (int N = 1; N <= 8; ++N) {
      const double s = quantize(L, N, {Method::kSwis}).total_error();
      const double c = quantize(L, N, {Method::kSwisC}).total_error();
      const double t = quantize(L, N, {Method::kTrunc}).total_error();
      EXPECT_LE(s, c) << "M=" << M << " N=" << N;
      EXPECT_LE(c, t) << "M=" << M << " N=" << N;
      EXPECT_LE(s, prev[0]);
      EXPECT_LE(c, prev[1]);
      EXPECT_LE(t, prev[2]);
      prev[0] = s;
      prev[1] = c;
      prev[2] = t;
      if (N == 8) {
        EXPECT_EQ(s, 0);
        EXPECT_EQ(t, 0);
      }
    }
  }
}

TEST(Quantize, ThreadsGiveTheSameResult) {
  const Layer L = gaussian_layer(37, 50, 4, 3);
  const Quantized a = quantize(L, 3, {Method::kSwis, Metric::kMsePlusPlus, 1, 1});
  const Quantized b = quantize(L, 3, {Method::kSwis, Metric::kMsePlusPlus, 1, 2});
  EXPECT_EQ(a.q, b.q);
  EXPECT_EQ(a.set, b.set);
}

TEST(Quantize, FilterErrorTableMatchesPerNQuantization) {
  const Layer L = gaussian_layer(5, 33, 4, 8);
  for (Method m : {Method::kSwis, Method::kSwisC}) {
    const QuantOptions opt{m, Metric::kMsePlusPlus, 1.0};
    const auto table = filter_error_table(L, opt);
    for (int N = 1; N <= 8; ++N) {
      const Quantized qz = quantize(L, N, opt);
      for (int64_t f = 0; f < L.filters; ++f) {
        double e = 0;
        for (int64_t g = 0; g < L.groups_per_filter; ++g)
          e += qz.group_error[f * L.groups_per_filter + g];
        EXPECT_DOUBLE_EQ(table[f][N], e) << method_name(m) << " f=" << f << " N=" << N;
      }
    }
  }
  EXPECT_THROW(filter_error_table(L, {Method::kTrunc}), QuantError);
}

// ---- Baseline, grouping, statistics ----------------------------------------------------------

TEST(Quantize, FloatBaselineRoundsHalfAwayFromZero) {
  // max |w| = 12.7 makes scale 0.1: 0.25 / 0.1 = 2.5 -> 3 and -2.5 -> -3.
  const Layer L = make_layer({1, 4}, {0.25, -0.25, 12.7, -0.04}, false, 4);
  EXPECT_DOUBLE_EQ(L.scale, 0.1);
  EXPECT_EQ(L.w8[0], 3);
  EXPECT_EQ(L.w8[1], -3);
  EXPECT_EQ(L.w8[2], 127);
  EXPECT_EQ(L.w8[3], 0);
}

TEST(Quantize, ConvolutionGroupsAreDepthWiseVectorsWithPadding) {
  // (F=2, C=5, kh=1, kw=2), M=4: per position ceil(5/4) = 2 groups, the second with 1 channel.
  std::vector<double> v(20);
  for (int i = 0; i < 20; ++i) v[i] = i;
  const Layer L = make_layer({2, 5, 1, 2}, v, true, 4);
  EXPECT_EQ(L.groups_per_filter, 4);
  EXPECT_EQ(L.real_weights(), 20);
  // filter 1, group 2 = position x=1, channels 0..3: flat ((1*5+c)*1+0)*2+1.
  for (int c = 0; c < 4; ++c) EXPECT_EQ(L.w8[(1 * 4 + 2) * 4 + c], (5 + c) * 2 + 1);
  EXPECT_EQ(L.live[1 * 4 + 3], 1);          // channel 4 only
  EXPECT_EQ(L.w8[(1 * 4 + 3) * 4 + 1], 0);  // padding
}

TEST(Quantize, StatisticsFollowTheFormulas) {
  const Layer L = make_layer({2, 6}, {1, 2, 3, 4, 5, 6, -7, 8, 9, 10, 11, 255}, true, 4);
  const Quantized qz = quantize(L, 2, {Method::kSwis});
  const QuantStats s = quant_stats(L, qz, Method::kSwis);
  EXPECT_EQ(s.weights, 12);
  EXPECT_EQ(s.groups, 4);
  // 4 groups of M + 3N + MN = 4 + 6 + 8 = 18 bits.
  EXPECT_DOUBLE_EQ(s.compression_ratio, 8.0 * 12 / (4 * 18));
  EXPECT_DOUBLE_EQ(s.effective_shifts, 2.0);
  EXPECT_DOUBLE_EQ(s.rmse, s.rmse_int);
  EXPECT_DOUBLE_EQ(
      quant_stats(L, quantize(L, 2, {Method::kSwisC}), Method::kSwisC).compression_ratio,
      8.0 * 12 / (4 * (4 + 3 + 8)));
  EXPECT_DOUBLE_EQ(
      quant_stats(L, quantize(L, 2, {Method::kTrunc}), Method::kTrunc).compression_ratio,
      8.0 * 12 / (4 * (4 + 8)));
  EXPECT_DOUBLE_EQ(quant_stats(L, quantize(L, 8, {Method::kSwis}), Method::kSwis).exact_fraction,
                   1.0);
}

TEST(Quantize, BadInputIsRefused) {
  EXPECT_THROW(make_layer({1, 2}, {NAN, 1}, false, 4), QuantError);
  EXPECT_THROW(make_layer({1, 2}, {INFINITY, 1}, false, 4), QuantError);
  EXPECT_THROW(make_layer({1, 2}, {256, 1}, true, 4), QuantError);
  EXPECT_THROW(make_layer({1, 2}, {1, 1}, true, 0), QuantError);
  EXPECT_THROW(make_layer({1, 2}, {1, 1}, true, 17), QuantError);
  EXPECT_THROW(make_layer({2}, {1, 1}, true, 4), QuantError);
  const Layer L = make_layer({1, 2}, {1, 1}, true, 4);
  EXPECT_THROW(quantize(L, 0, {}), QuantError);
  EXPECT_THROW(quantize(L, 9, {}), QuantError);
  EXPECT_THROW(parse_method("swiss"), QuantError);
  EXPECT_THROW(parse_metric("mae"), QuantError);
}

}  // namespace
}  // namespace swis
