// Accuracy of one configuration on all 10 000 Fashion-MNIST test images with the model engine:
// the committed ResNet-style network (models/), SWIS at a scheduled average of 3 shifts on the
// 8 x 8 double-shift array (first and last layer at 8), calibrated on 1000 training images, in
// batches of 100; with the float network beside it (swis net's default) and without
// (--no-float, what make accuracy runs). Aim: under a minute.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/bench_summary.h"
#include "lib/flow/model_backend.h"
#include "lib/formats/idx.h"
#include "lib/formats/onnx_model.h"
#include "lib/net/quant_exec.h"

namespace swis::bench {
namespace {

const std::string kData = "/usr/share/datasets/fashion-mnist";

void accuracy_10k(benchmark::State& state, bool with_float) {
  const idx::Array images = idx::read(kData + "/t10k-images-idx3-ubyte.gz");
  const idx::Array labels = idx::read(kData + "/t10k-labels-idx1-ubyte.gz");
  const idx::Array calib = idx::read(kData + "/train-images-idx3-ubyte.gz", 1000);
  const onnx::Model model = onnx::read_onnx(std::string(SWIS_MODELS) + "/fashion_resnet.onnx");
  const std::vector<float> x = idx::pixels(images), c = idx::pixels(calib);
  const std::vector<int64_t> shape = {images.shape[0], 1, 28, 28}, cshape = {1000, 1, 28, 28};
  net::NetRequest req;
  req.weights.group_size = 4;
  req.weights.target = "3";
  req.weights.threads = 2;
  req.layer_shifts = {{"first", 8}, {"last", 8}};
  req.nearest_target = true;
  req.batch = 100;
  req.float_reference = with_float;
  ArrayParams p;
  ModelBackend backend(p, 2);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const net::NetRun r = net::run_network(model, shape, x, &cshape, &c, req, backend);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.result.pass()) state.SkipWithError("a GEMM differs from the integer reference");
    const std::vector<int> pred = net::argmax_rows(r.output_float, 10);
    int64_t right = 0;
    for (size_t i = 0; i < pred.size(); ++i) right += pred[i] == labels.data[i];
    const double top1 = 100.0 * static_cast<double>(right) / static_cast<double>(pred.size());
    const std::string k =
        with_float ? "fashion_resnet_10k_model" : "fashion_resnet_10k_model_no_float";
    record(k + "_s", s);
    record(k + "_top1", top1);
    state.counters["top1"] = top1;
    state.counters["images_per_s"] = static_cast<double>(pred.size()) / s;
  }
}

BENCHMARK_CAPTURE(accuracy_10k, with_float, true)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(accuracy_10k, no_float, false)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace swis::bench
