// swis quantize: .npy weights -> SWIS quantization (and filter scheduling) -> Q.npy, packed
// weights, a JSON report and a short summary.
#include <cstdio>
#include <memory>

#include "lib/compiler/weight_flow.h"
#include "tool/cli_util.h"
#include "tool/commands.h"

namespace swis::cli {

void add_weight_options(CLI::App* sub, WeightArgs& a, bool tile_width) {
  const std::string group = "Quantizer";
  sub->add_option("--method", a.method, "swis: any N bits; swis-c: N consecutive; trunc: layer")
      ->check(CLI::IsMember({"swis", "swis-c", "trunc"}))
      ->group(group);
  sub->add_option("--group", a.group, "M: weights per group (the PE's lanes)")
      ->check(CLI::Range(1, 16))
      ->group(group);
  a.shifts_opt = sub->add_option("--shifts", a.shifts, "N for every filter")
                     ->check(CLI::Range(1, 8))
                     ->default_str("")
                     ->group(group);
  a.target_opt = sub->add_option("--target", a.target, "average N by filter scheduling, e.g. 2.5")
                     ->check(decimal_target())
                     ->excludes(a.shifts_opt)
                     ->group(group);
  a.shifts_opt->excludes(a.target_opt);
  if (tile_width) {
    sub->add_option("--array-cols", a.array_cols, "C: filters per tile (with --target)")
        ->check(CLI::Range(1, 4096))
        ->group(group);
  }
  sub->add_option("--pe", a.pe, "PE kind: ds tiles take even N (with --target)")
      ->check(CLI::IsMember({"ss", "ds"}))
      ->group(group);
  sub->add_option("--metric", a.metric, "error the shift choice minimises")
      ->check(CLI::IsMember({"mse", "mse++"}))
      ->group(group);
  sub->add_option("--alpha", a.alpha, "mse++: weight of the signed error")
      ->check(finite_range(0, 1e6))
      ->group(group);
  sub->add_option("--threads", a.threads, "threads of the shift search")
      ->check(CLI::Range(1, 64))
      ->group(group);
}

WeightRequest WeightArgs::request() const {
  if (shifts_opt->count() == 0 && target_opt->count() == 0) {
    throw UsageError("give --shifts N (every filter) or --target T (an average, by scheduling)");
  }
  WeightRequest r;
  r.method = parse_method(method);
  r.group_size = group;
  r.metric = parse_metric(metric);
  r.alpha = alpha;
  r.threads = threads;
  r.shifts = shifts_opt->count() ? shifts : 0;
  r.target = target_opt->count() ? target : "";
  r.array_cols = array_cols;
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

void print_weight_summary(std::FILE* out, const WeightRequest& req, const WeightResult& w) {
  std::fprintf(out, "weights %s: %lld weights in %lld groups of %d, %s input, scale %s\n",
               shape_repr(w.layer.shape).c_str(), static_cast<long long>(w.stats.weights),
               static_cast<long long>(w.stats.groups), req.group_size,
               w.layer.from_float ? "float" : "integer", fmt(w.layer.scale, 6).c_str());
  std::fprintf(out, "method %s, metric %s", method_name(req.method), metric_name(req.metric));
  if (req.metric == Metric::kMsePlusPlus) std::fprintf(out, " (alpha %s)", fmt(req.alpha).c_str());
  if (req.target.empty()) {
    std::fprintf(out, ", %d shifts\n", req.shifts);
  } else {
    std::fprintf(out, ", target %s shifts on %d-column %s tiles\n", req.target.c_str(),
                 req.array_cols, req.double_shift ? "double-shift" : "single-shift");
  }
  std::fprintf(out, "rmse %s (float units), rmse_int %s (8-bit units), exact %.1f%%\n",
               fmt(w.stats.rmse).c_str(), fmt(w.stats.rmse_int).c_str(),
               100 * w.stats.exact_fraction);
  std::fprintf(out, "compression %.3fx, effective shifts %.4g\n", w.stats.compression_ratio,
               w.stats.effective_shifts);
  if (w.schedule) {
    std::string tiles;
    for (uint8_t n : w.packed.tile_shifts) tiles += (tiles.empty() ? "" : " ") + std::to_string(n);
    std::fprintf(out, "tiles: %s\n", tiles.c_str());
    std::fprintf(out, "total error %s (paper heuristic %s, lower bound without tiles %s)\n",
                 fmt(w.schedule->best.total_error, 8).c_str(),
                 fmt(w.schedule->paper.total_error, 8).c_str(),
                 fmt(w.schedule->lower_bound, 8).c_str());
  }
}

namespace {

struct QuantizeArgs {
  WeightArgs weights;
  std::string input, out, packed, json;
  int packed_version = 1;
};

int quantize(const QuantizeArgs& a) {
  const WeightRequest req = a.weights.request();
  OutputFiles files;
  files.input("the weights", a.input);
  if (!a.out.empty()) files.output("--out", a.out);
  if (!a.packed.empty()) files.output("--packed", a.packed);
  if (!a.json.empty()) files.output("--json", a.json);
  const WeightResult w = quantize_weights(read_weights(a.input), req);

  if (!a.out.empty()) files.add(a.out, npy::serialize(quantized_array(w.layer, w.qz)));
  if (!a.packed.empty()) {
    PackedLayer p = w.packed;
    p.version = a.packed_version;
    files.add(a.packed, pack(p));
  }
  if (!a.json.empty()) {
    Json j;
    j["input"] = a.input;
    add_weight_report(j, req, w);
    files.add(a.json, to_text(j));
  }
  files.commit();
  std::FILE* out = report_stream(files);
  std::fprintf(out, "swis quantize %s\n", a.input.c_str());
  print_weight_summary(out, req, w);
  for (const auto& p : files.paths()) std::fprintf(out, "wrote %s\n", p.c_str());
  return 0;
}

}  // namespace

std::FILE* report_stream(const OutputFiles& files) {
  for (const auto& p : files.paths()) {
    if (p == "-") return stderr;  // standard output carries data: the report goes beside it
  }
  return stdout;
}

void add_quantize(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<QuantizeArgs>();
  CLI::App* sub = app.add_subcommand(
      "quantize", "quantize (and schedule) a layer's weights: Q.npy, packed weights, a report");
  add_path(sub, "weights", a->input, "W.npy: (F, K) or (F, C, kh, kw)")->required();
  add_weight_options(sub, a->weights, true);
  add_path(sub, "--out", a->out, "Q.npy: quantized weights, int16", true)->group("Outputs");
  add_path(sub, "--packed", a->packed, "P.bin: the packed format", true)->group("Outputs");
  sub->add_option("--packed-version", a->packed_version,
                  "layout of --packed: 1 filter by filter, 2 tiles of interleaved records (what "
                  "the accelerator's weight decoder reads)")
      ->check(CLI::Range(1, 2))
      ->group("Outputs");
  add_path(sub, "--json", a->json, "R.json: the report", true)->group("Outputs");
  sub->callback([a, &exit_code] { exit_code = quantize(*a); });
}

}  // namespace swis::cli
