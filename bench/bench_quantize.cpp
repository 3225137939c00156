// make bench: quantizer throughput on a ResNet-18-sized weight set (11.7 M weights),
// swis, N = 3, M = 4, mse++, on one thread and on two.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <string>

#include "bench/bench_summary.h"
#include "lib/compiler/quantize.h"

namespace swis {
namespace {

// ResNet-18 holds about 11.69 M weights; 512 filters x 22 834 weights gives 11.69 M.
constexpr int64_t kFilters = 512;
constexpr int64_t kWeightsPerFilter = 22834;

const Layer& resnet18_sized_layer() {
  static const Layer layer = [] {
    std::mt19937_64 rng(2021);
    // Trained convolution weights are roughly Laplacian around zero.
    std::exponential_distribution<double> mag(30.0);
    std::vector<double> v(static_cast<size_t>(kFilters * kWeightsPerFilter));
    for (auto& x : v) x = (rng() & 1 ? 1 : -1) * mag(rng);
    return make_layer({kFilters, kWeightsPerFilter}, v, false, 4);
  }();
  return layer;
}

void BM_QuantizeSwisN3M4MsePlusPlus(benchmark::State& state) {
  const Layer& layer = resnet18_sized_layer();
  const QuantOptions opt{Method::kSwis, Metric::kMsePlusPlus, 1.0,
                         static_cast<int>(state.range(0))};
  for (auto _ : state) {
    Quantized qz = quantize(layer, 3, opt);
    benchmark::DoNotOptimize(qz.q.data());
  }
  state.SetItemsProcessed(state.iterations() * layer.real_weights());
  const auto t0 = std::chrono::steady_clock::now();
  Quantized once = quantize(layer, 3, opt);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  benchmark::DoNotOptimize(once.q.data());
  bench::record(
      "quantize_swis_n3_m4_msepp_threads" + std::to_string(state.range(0)) + "_weights_per_s",
      static_cast<double>(layer.real_weights()) / s);
  state.counters["weights"] = static_cast<double>(layer.real_weights());
}
BENCHMARK(BM_QuantizeSwisN3M4MsePlusPlus)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace swis
