// torchvision's ResNet-18 at 224 x 224, batch 1, every Conv and Gemm through the 8 x 8
// double-shift array at a scheduled average of 3 shifts (first and last layer at 8): the model
// engine and the Verilated array checked every cycle, wall time and array cycles per second.
// The model comes from scripts/make_bench_models.py (CMake runs it for swis_bench).
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/bench_summary.h"
#include "lib/flow/model_backend.h"
#include "lib/formats/npy.h"
#include "lib/formats/onnx_model.h"
#include "lib/net/float_exec.h"
#include "lib/net/quant_exec.h"
#include "tb/array_backend.h"

namespace swis::bench {
namespace {

struct Resnet {
  net::Network net;
  std::vector<float> x;
  net::Tensors ref;
  std::map<std::string, net::QuantParams> params;
  net::NetRequest req;
};

const Resnet& resnet() {
  static const Resnet r = [] {
    Resnet m;
    const npy::Array x = npy::read(std::string(SWIS_BENCH_MODELS) + "/resnet18_224_x.npy");
    m.net = net::import_network(
        onnx::read_onnx(std::string(SWIS_BENCH_MODELS) + "/resnet18_224.onnx"), x.shape);
    for (int64_t i = 0; i < x.size(); ++i) m.x.push_back(static_cast<float>(x.as_double(i)));
    m.req.weights.group_size = 4;
    m.req.weights.target = "3";
    m.req.weights.threads = 2;
    m.req.layer_shifts = {{"first", 8}, {"last", 8}};
    const auto t0 = std::chrono::steady_clock::now();
    m.ref = net::run_float(m.net, m.x);
    record("resnet18_224_float_reference_s",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    m.params = net::calibrate(m.net, m.ref, m.req);
    return m;
  }();
  return r;
}

void run_resnet(benchmark::State& state, bool rtl) {
  const Resnet& m = resnet();
  ArrayParams p;
  tb::VerilatedArrayBackend verilated(tb::find_array_dut(p), {});
  ModelBackend model(p, 2);
  ArrayBackend& backend = rtl ? static_cast<ArrayBackend&>(verilated) : model;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const net::NetResult r = net::run_integer(m.net, m.x, m.params, m.req, backend, m.ref);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.pass()) state.SkipWithError("a GEMM differs from the integer reference");
    const std::string k = rtl ? "resnet18_224_rtl" : "resnet18_224_model";
    record(k + "_s", s);
    record(k + "_cycles", static_cast<double>(r.total.cycles));
    record(k + "_cycles_per_s", static_cast<double>(r.total.cycles) / s);
    state.counters["cycles"] = static_cast<double>(r.total.cycles);
    state.counters["cycles_per_s"] = static_cast<double>(r.total.cycles) / s;
  }
}

BENCHMARK_CAPTURE(run_resnet, model_engine, false)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(run_resnet, rtl_checked, true)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace swis::bench
