// swis quantize: .npy weights -> SWIS quantization (and filter scheduling) -> Q.npy, packed
// weights, a JSON report and a short summary.
#include <cstdio>
#include <iostream>

#include "lib/compiler/weight_flow.h"
#include "tool/cli_util.h"
#include "tool/commands.h"

namespace swis::cli {

WeightRequest take_weight_request(Options& o) {
  WeightRequest r;
  r.method = parse_method(o.take_choice("method", {"swis", "swis-c", "trunc"}, "swis"));
  r.group_size = static_cast<int>(o.take_int("group", 1, 16).value_or(4));
  r.metric = parse_metric(o.take_choice("metric", {"mse", "mse++"}, "mse"));
  r.alpha = o.take_double("alpha", 0, 1e6).value_or(1.0);
  r.threads = static_cast<int>(o.take_int("threads", 1, 64).value_or(2));
  const auto shifts = o.take_int("shifts", 1, 8);
  const auto target = o.take("target");
  const auto cols = o.take_int("array-cols", 1, 4096);
  const std::string pe = o.take_choice("pe", {"ss", "ds"}, "ds");
  if (shifts && target) throw UsageError("give --shifts or --target, not both");
  if (!shifts && !target)
    throw UsageError("give --shifts N or --target T (with --array-cols C --pe ss|ds)");
  r.shifts = static_cast<int>(shifts.value_or(0));
  r.target = target.value_or("");
  r.array_cols = static_cast<int>(cols.value_or(8));
  r.double_shift = pe == "ds";
  return r;
}

void add_weight_report(Json& j, const WeightRequest& req, const WeightResult& w) {
  j["method"] = method_name(req.method);
  j["group"] = req.group_size;
  if (req.target.empty()) {
    j["shifts"] = req.shifts;
  } else {
    // The exact fraction the scheduler met, as a JSON number.
    const TargetRatio t = parse_target(req.target);
    j["target"] = static_cast<double>(t.num) / static_cast<double>(t.den);
  }
  j["metric"] = metric_name(req.metric);
  j["alpha"] = req.alpha;
  j["weights"] = w.stats.weights;
  j["groups"] = w.stats.groups;
  j["weight_scale"] = w.layer.scale;  // dequantized weight = q * weight_scale
  j["scale"] = w.layer.scale;         // the same, under its first name
  j["rmse"] = w.stats.rmse;
  j["rmse_int"] = w.stats.rmse_int;
  j["exact_fraction"] = w.stats.exact_fraction;
  j["compression_ratio"] = w.stats.compression_ratio;
  j["effective_shifts"] = w.stats.effective_shifts;
  std::vector<int> tiles(w.packed.tile_shifts.begin(), w.packed.tile_shifts.end());
  j["tile_shifts"] = tiles;
  j["total_error"] = w.stats.total_error;
  if (w.schedule) {
    j["paper_heuristic_error"] = w.schedule->paper.total_error;
    j["lower_bound"] = w.schedule->lower_bound;
  }
}

void print_weight_summary(const WeightRequest& req, const WeightResult& w) {
  std::printf("weights %s: %lld weights in %lld groups of %d, %s input, scale %s\n",
              shape_repr(w.layer.shape).c_str(), static_cast<long long>(w.stats.weights),
              static_cast<long long>(w.stats.groups), req.group_size,
              w.layer.from_float ? "float" : "integer", fmt(w.layer.scale, 6).c_str());
  std::printf("method %s, metric %s", method_name(req.method), metric_name(req.metric));
  if (req.metric == Metric::kMsePlusPlus) std::printf(" (alpha %s)", fmt(req.alpha).c_str());
  if (req.target.empty()) {
    std::printf(", %d shifts\n", req.shifts);
  } else {
    std::printf(", target %s shifts on %d-column %s tiles\n", req.target.c_str(), req.array_cols,
                req.double_shift ? "double-shift" : "single-shift");
  }
  std::printf("rmse %s (float units), rmse_int %s (8-bit units), exact %.1f%%\n",
              fmt(w.stats.rmse).c_str(), fmt(w.stats.rmse_int).c_str(),
              100 * w.stats.exact_fraction);
  std::printf("compression %.3fx, effective shifts %.4g\n", w.stats.compression_ratio,
              w.stats.effective_shifts);
  if (w.schedule) {
    std::string tiles;
    for (uint8_t n : w.packed.tile_shifts) tiles += (tiles.empty() ? "" : " ") + std::to_string(n);
    std::printf("tiles: %s\n", tiles.c_str());
    std::printf("total error %s (paper heuristic %s, lower bound without tiles %s)\n",
                fmt(w.schedule->best.total_error, 8).c_str(),
                fmt(w.schedule->paper.total_error, 8).c_str(),
                fmt(w.schedule->lower_bound, 8).c_str());
  }
}

int quantize(const std::vector<std::string>& args) {
  Options o("swis quantize", args);
  const WeightRequest req = take_weight_request(o);
  const auto out = o.take("out");
  const auto packed = o.take("packed");
  const auto json = o.take("json");
  o.finish();
  if (o.positional().size() != 1) {
    throw UsageError("swis quantize: give one weights file (W.npy), got " +
                     std::to_string(o.positional().size()));
  }
  const std::string path = o.positional()[0];
  const WeightResult w = quantize_weights(read_weights(path), req);

  OutputFiles files;
  if (out) files.add(*out, npy::serialize(quantized_array(w.layer, w.qz)));
  if (packed) files.add(*packed, pack(w.packed));
  if (json) {
    Json j;
    j["input"] = path;
    add_weight_report(j, req, w);
    files.add(*json, to_text(j));
  }
  files.commit();
  std::printf("swis quantize %s\n", path.c_str());
  print_weight_summary(req, w);
  for (const auto& p : files.paths()) std::printf("wrote %s\n", p.c_str());
  return 0;
}

}  // namespace swis::cli
