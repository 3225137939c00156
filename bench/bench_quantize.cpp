// make bench: quantizer throughput on a ResNet-18-sized weight set (11.7 M weights),
// swis, N = 3, M = 4, mse++, on one thread and on two.
#include <benchmark/benchmark.h>

#include <random>

#include "model/quantize.h"

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

BENCHMARK_MAIN();
