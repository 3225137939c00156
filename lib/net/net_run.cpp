// run_network: the whole flow of `swis net` in batches (lib/net/quant_exec.h).
#include <algorithm>
#include <cmath>
#include <map>

#include "lib/net/quant_exec.h"

namespace swis::net {

namespace {

// Adds a batch's layer results to the run's.
void merge(NetResult& total, NetResult&& part) {
  if (total.layers.empty()) {
    total.layers = std::move(part.layers);
    return;
  }
  for (size_t i = 0; i < part.layers.size(); ++i) {
    LayerResult& t = total.layers[i];
    const LayerResult& p = part.layers[i];
    t.in_shape[0] += p.in_shape[0];
    t.out_shape[0] += p.out_shape[0];
    t.macs += p.macs;
    t.cycles += p.cycles;
    t.run_cycles += p.run_cycles;
    t.output_error.signal += p.output_error.signal;
    t.output_error.noise += p.output_error.noise;
    t.output_sqnr_db = t.output_error.sqnr_db();
    t.results_match = t.results_match && p.results_match;
    t.cycles_match = t.cycles_match && p.cycles_match;
    if (t.failure.empty()) t.failure = p.failure;
  }
}

std::vector<int64_t> with_batch(std::vector<int64_t> shape, int64_t n) {
  shape[0] = n;
  return shape;
}

}  // namespace

NetRun run_network(const onnx::Model& model, const std::vector<int64_t>& shape,
                   const std::vector<float>& input, const std::vector<int64_t>* calib_shape,
                   const std::vector<float>* calib, const NetRequest& req, ArrayBackend& backend) {
  const int64_t n = shape.at(0);
  if (n < 1 || input.empty()) throw NetError("the input holds no images");
  if (calib && (calib_shape->at(0) < 1 || calib->empty())) {
    throw NetError("the calibration batch holds no images");
  }
  const int64_t batch = req.batch > 0 ? std::min(req.batch, n) : n;
  const size_t per_item = input.size() / static_cast<size_t>(n);
  // One import per batch size (the last batch may be shorter).
  std::map<int64_t, Network> nets;
  const auto net_for = [&](int64_t b) -> const Network& {
    auto it = nets.find(b);
    if (it == nets.end()) it = nets.emplace(b, import_network(model, with_batch(shape, b))).first;
    return it->second;
  };
  NetRun r;
  r.net = net_for(batch);
  r.output = r.net.outputs.at(0);

  // Calibration, in batches too.
  Calibrator calibrator(req);
  const std::vector<int64_t>& cs = calib ? *calib_shape : shape;
  const std::vector<float>& cv = calib ? *calib : input;
  const int64_t cn = cs.at(0);
  const int64_t cb = req.batch > 0 ? std::min(req.batch, cn) : cn;
  const size_t c_item = cv.size() / static_cast<size_t>(cn);
  std::map<int64_t, Network> calib_nets;
  for (int64_t i = 0; i < cn; i += cb) {
    const int64_t b = std::min(cb, cn - i);
    auto it = calib_nets.find(b);
    if (it == calib_nets.end()) {
      it = calib_nets.emplace(b, calib ? import_network(model, with_batch(cs, b)) : net_for(b))
               .first;
    }
    const auto first = cv.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(i) * c_item);
    calibrator.add(run_float(
        it->second, std::vector<float>(first, first + static_cast<std::ptrdiff_t>(
                                                          static_cast<size_t>(b) * c_item))));
  }
  const auto params = calibrator.params(r.net);

  OutputError e;
  ArrayProgram scratch;
  for (int64_t i = 0; i < n; i += batch) {
    const int64_t b = std::min(batch, n - i);
    const Network& net = net_for(b);
    const auto first =
        input.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(i) * per_item);
    const std::vector<float> part(
        first, first + static_cast<std::ptrdiff_t>(static_cast<size_t>(b) * per_item));
    const Tensors reference = req.float_reference ? run_float(net, part) : Tensors{};
    NetResult res = run_integer(net, part, params, req, backend, reference, &scratch);
    const std::vector<int32_t>& codes = res.codes.at(r.output);
    const QuantParams& q = res.params.at(r.output);
    for (size_t k = 0; k < codes.size(); ++k) {
      const float got = static_cast<float>(codes[k] * q.scale);
      r.output_float.push_back(got);
      if (!req.float_reference) continue;
      const std::vector<float>& want = reference.at(r.output);
      r.reference_output.push_back(want[k]);
      e.signal += static_cast<double>(want[k]) * want[k];
      e.noise += (static_cast<double>(want[k]) - got) * (static_cast<double>(want[k]) - got);
    }
    if (n == b) {
      r.result = std::move(res);
    } else {
      std::vector<int32_t>& all = r.result.codes[r.output];
      all.insert(all.end(), codes.begin(), codes.end());
      r.result.params = res.params;
      merge(r.result, std::move(res));
    }
  }
  if (n != batch) {
    r.result.total = LayerCycles{};
    r.result.run_cycles = 0;
    for (auto& l : r.result.layers) {
      l.cycles.set_utilization(backend.params());
      r.result.total += l.cycles;
      r.result.run_cycles += l.run_cycles;
    }
    r.result.total.set_utilization(backend.params());
  }
  r.output_shape = with_batch(r.net.shapes.at(r.output), n);
  r.output_sqnr_db = req.float_reference ? e.sqnr_db() : std::nan("");
  return r;
}

}  // namespace swis::net
