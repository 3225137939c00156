// swis net: an ONNX model's every Conv and Gemm on the Verilated array (or the cycle model),
// the rest in integers on the host: the network's outputs and a per-layer report.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "lib/flow/model_backend.h"
#include "lib/formats/idx.h"
#include "lib/formats/onnx_model.h"
#include "lib/net/float_exec.h"
#include "lib/net/quant_exec.h"
#include "tb/array_backend.h"
#include "tool/cli_util.h"
#include "tool/commands.h"
#include "tool/progress.h"

namespace swis::cli {
namespace {

struct NetArgs {
  std::string model, input, calib, calibration = "max", engine = "rtl", labels;
  std::string out, codes, json, csv, layers_file, predictions;
  int64_t first = 0, calib_first = 0, batch = 100;
  int act_bits = 8;
  std::vector<std::string> layer;
  double percentile = 99.99, clock_mhz = 400;
  int rows = 8, cols = 8;
  bool progress = false, nearest_target = false, no_float = false;
  WeightArgs w;
};

// An input batch: float (N, ...), finite, from .npy; or an idx file of images (N, H, W) as
// pixels / 255 (N, 1, H, W). `first` > 0: only the first that many.
std::vector<float> read_batch(const std::string& path, int64_t first, std::vector<int64_t>* shape) {
  if (idx::looks_like_idx(path)) {
    idx::Array a;
    try {
      a = idx::read(path, first);
    } catch (const idx::IdxError& e) {
      throw InputError(e.what());
    }
    if (a.shape.size() != 3 && a.shape.size() != 4) {
      throw InputError(path + ": idx images must be (N, H, W) or (N, C, H, W), got " +
                       shape_repr(a.shape));
    }
    if (a.shape.size() == 3) a.shape.insert(a.shape.begin() + 1, 1);
    *shape = a.shape;
    return idx::pixels(a);
  }
  npy::Array a = npy::read(path);
  if (a.dtype != npy::DType::kFloat32 && a.dtype != npy::DType::kFloat64) {
    throw InputError(path + ": the network's input must be float32 or float64, got " +
                     npy::dtype_name(a.dtype));
  }
  if (a.shape.size() < 2) {
    throw InputError(path + ": the input must be a batch (N, C, H, W) or (N, K), got " +
                     shape_repr(a.shape));
  }
  std::vector<float> v(static_cast<size_t>(a.size()));
  for (int64_t i = 0; i < a.size(); ++i) {
    const double x = a.as_double(i);
    if (!std::isfinite(x)) {
      throw InputError(path + ": " + (std::isnan(x) ? "NaN" : "Inf") + " at flat index " +
                       std::to_string(i));
    }
    v[static_cast<size_t>(i)] = static_cast<float>(x);
  }
  *shape = a.shape;
  if (first > 0 && first < a.shape[0]) {
    v.resize(v.size() / static_cast<size_t>(a.shape[0]) * static_cast<size_t>(first));
    (*shape)[0] = first;
  }
  return v;
}

// Class labels, one per image: an idx file of rank 1.
std::vector<uint8_t> read_labels(const std::string& path, int64_t want) {
  idx::Array a;
  try {
    a = idx::read(path, want);
  } catch (const idx::IdxError& e) {
    throw InputError(e.what());
  }
  if (a.shape.size() != 1) {
    throw InputError(path + ": labels must be an idx file of rank 1, got " + shape_repr(a.shape));
  }
  if (a.shape[0] < want) {
    throw InputError(path + ": " + std::to_string(a.shape[0]) + " labels for " +
                     std::to_string(want) + " images");
  }
  return a.data;
}

// "NAME:N" from --layer, or "NAME N" lines of --layers FILE (# comments).
void add_override(net::NetRequest& req, const std::string& text, const std::string& where) {
  std::string name = text, n;
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    std::istringstream in(text);
    in >> name >> n;
  } else {
    name = text.substr(0, colon);
    n = text.substr(colon + 1);
  }
  int shifts = 0;
  if (name.empty() || !CLI::detail::lexical_cast(n, shifts) || shifts < 1 || shifts > 8) {
    throw UsageError(where + ": a layer override is NAME:N with N in 1..8, got '" + text + "'");
  }
  req.layer_shifts[name] = shifts;
}

int net_run(const NetArgs& a) {
  OutputFiles files;
  files.input("the model", a.model);
  files.input("the input", a.input);
  if (!a.calib.empty()) files.input("the calibration input", a.calib);
  if (!a.labels.empty()) files.input("the labels", a.labels);
  for (const auto& [label, path] : {std::pair<const char*, const std::string&>{"--out", a.out},
                                    {"--codes", a.codes},
                                    {"--json", a.json},
                                    {"--csv", a.csv},
                                    {"--predictions", a.predictions}}) {
    if (!path.empty()) files.output(label, path);
  }
  std::FILE* out =
      a.out == "-" || a.codes == "-" || a.json == "-" || a.csv == "-" || a.predictions == "-"
          ? stderr
          : stdout;

  net::NetRequest req;
  req.weights = a.w.request();
  req.calibration = a.calibration == "max" ? net::NetRequest::Calibration::kMax
                                           : net::NetRequest::Calibration::kPercentile;
  req.percentile = a.percentile;
  req.act_bits = a.act_bits;
  req.nearest_target = a.nearest_target;
  req.float_reference = !a.no_float;
  req.batch = a.batch;
  for (const auto& l : a.layer) add_override(req, l, "--layer");
  if (!a.layers_file.empty()) {
    std::ifstream in(a.layers_file);
    if (!in) throw InputError(a.layers_file + ": cannot read");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      const size_t hash = line.find('#');
      if (hash != std::string::npos) line.erase(hash);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      add_override(req, line, a.layers_file + ":" + std::to_string(n));
    }
  }

  std::vector<int64_t> shape, calib_shape;
  const std::vector<float> input = read_batch(a.input, a.first, &shape);
  const std::vector<float> calib =
      a.calib.empty() ? std::vector<float>{} : read_batch(a.calib, a.calib_first, &calib_shape);
  const std::vector<uint8_t> labels =
      a.labels.empty() ? std::vector<uint8_t>{} : read_labels(a.labels, shape[0]);

  const onnx::Model model = onnx::read_onnx(a.model);
  ArrayParams want;
  want.rows = a.rows;
  want.cols = a.cols;
  want.group_size = req.weights.group_size;
  want.shifts_per_cycle = req.weights.double_shift ? 2 : 1;
  std::unique_ptr<ArrayBackend> backend;
  Progress layer_progress("swis net", "layers", 0, a.progress);
  if (a.engine == "rtl") {
    tb::ArrayRunOptions opt;
    backend = std::make_unique<tb::VerilatedArrayBackend>(tb::find_array_dut(want), opt);
  } else {
    want.validate();
    backend = std::make_unique<ModelBackend>(want, req.weights.threads);
  }
  req.on_layer = [&](size_t i, size_t n, const std::string& name) {
    layer_progress.restart("swis net " + name, n);
    layer_progress.update(i, true);
  };
  net::NetRun run;
  try {
    run = net::run_network(model, shape, input, a.calib.empty() ? nullptr : &calib_shape,
                           a.calib.empty() ? nullptr : &calib, req, *backend);
  } catch (const net::NetError& e) {
    throw InputError(a.model + ": " + e.what());
  }
  const net::Network& net = run.net;
  const net::NetResult& r = run.result;
  layer_progress.finish();

  // The report.
  std::fprintf(out, "swis net %s: %zu operators, %zu on the array (%s), input %s, batch %lld\n",
               a.model.c_str(), net.ops.size(), r.layers.size(), backend->name().c_str(),
               shape_repr(shape).c_str(), static_cast<long long>(shape[0]));
  int w = 5;
  for (const auto& l : r.layers) w = std::max(w, static_cast<int>(l.name.size()));
  std::fprintf(out, "%-*s %-5s %-18s %-18s %12s %10s %10s %6s %6s %6s %6s %8s\n", w, "layer", "op",
               "input", "output", "MACs", "cycles", "ideal", "util", "lanes", "N", "compr",
               "SQNR dB");
  Json layers = Json::array();
  std::string csv =
      "layer,op,input,output,macs,gemms,cycles,ideal_cycles,stall_cycles,utilization,"
      "lane_utilization,effective_shifts,compression_ratio,output_sqnr_db,results_match,"
      "cycles_match\n";
  int64_t macs = 0;
  for (const auto& l : r.layers) {
    macs += l.macs;
    std::fprintf(
        out, "%-*s %-5s %-18s %-18s %12lld %10llu %10llu %5.1f%% %5.1f%% %6.3g %5.2fx %8.2f%s\n", w,
        l.name.c_str(), l.op.c_str(), shape_repr(l.in_shape).c_str(),
        shape_repr(l.out_shape).c_str(), static_cast<long long>(l.macs),
        static_cast<unsigned long long>(l.cycles.cycles),
        static_cast<unsigned long long>(l.cycles.ideal_cycles), 100 * l.cycles.utilization,
        100 * l.cycles.lane_utilization, l.effective_shifts, l.compression_ratio, l.output_sqnr_db,
        l.results_match && l.cycles_match ? "" : "  MISMATCH");
    Json j = {{"layer", l.name},
              {"op", l.op},
              {"input", l.in_shape},
              {"output", l.out_shape},
              {"weights", l.weight_shape},
              {"macs", l.macs},
              {"gemms", l.gemms},
              {"cycles", l.cycles.cycles},
              {"run_cycles", l.run_cycles},
              {"ideal_cycles", l.cycles.ideal_cycles},
              {"stall_cycles", l.cycles.stall_cycles},
              {"utilization", l.cycles.utilization},
              {"lane_utilization", l.cycles.lane_utilization},
              {"effective_shifts", l.effective_shifts},
              {"real_weights", l.weights},
              {"compression_ratio", l.compression_ratio},
              {"output_sqnr_db", l.output_sqnr_db},
              {"results_match", l.results_match},
              {"cycles_match", l.cycles_match}};
    if (!l.failure.empty()) j["failure"] = l.failure;
    if (!l.target.empty()) j["target"] = l.target;
    layers.push_back(j);
    csv += l.name + "," + l.op + ",\"" + shape_repr(l.in_shape) + "\",\"" +
           shape_repr(l.out_shape) + "\"," + std::to_string(l.macs) + "," +
           std::to_string(l.gemms) + "," + std::to_string(l.cycles.cycles) + "," +
           std::to_string(l.cycles.ideal_cycles) + "," + std::to_string(l.cycles.stall_cycles) +
           "," + fmt(l.cycles.utilization, 8) + "," + fmt(l.cycles.lane_utilization, 8) + "," +
           fmt(l.effective_shifts, 8) + "," + fmt(l.compression_ratio, 8) + "," +
           fmt(l.output_sqnr_db, 8) + "," + (l.results_match ? "true" : "false") + "," +
           (l.cycles_match ? "true" : "false") + "\n";
    if (!l.failure.empty()) std::fprintf(out, "  %s\n", l.failure.c_str());
  }
  const std::string& y = run.output;
  const net::QuantParams& yq = r.params.at(y);
  const std::vector<int32_t>& yc = r.codes.at(y);
  const std::vector<float>& yf = run.output_float;
  const double out_sqnr = run.output_sqnr_db;
  const double fps =
      a.clock_mhz * 1e6 * static_cast<double>(shape[0]) / static_cast<double>(r.total.cycles);
  std::fprintf(out,
               "total: %lld MACs, %.4g effective shifts, %llu cycles (ideal %llu), utilization "
               "%.1f%% (lanes %.1f%%); at %g MHz %.1f frames/s\n",
               static_cast<long long>(macs), r.effective_shifts(),
               static_cast<unsigned long long>(r.total.cycles),
               static_cast<unsigned long long>(r.total.ideal_cycles), 100 * r.total.utilization,
               100 * r.total.lane_utilization, a.clock_mhz, fps);
  const std::vector<int64_t>& ys = run.output_shape;
  if (a.no_float) {
    std::fprintf(out, "output %s %s (--no-float: no float reference)\n", y.c_str(),
                 shape_repr(ys).c_str());
  } else {
    std::fprintf(out, "output %s %s: SQNR against the float network %.2f dB\n", y.c_str(),
                 shape_repr(ys).c_str(), out_sqnr);
  }
  // Classification: the predicted classes and, with labels, top-1.
  std::vector<int> pred, pred_float;
  if ((!a.labels.empty() || !a.predictions.empty()) && ys.size() != 2) {
    throw InputError(a.model + ": --labels and --predictions need an output (N, classes), got " +
                     shape_repr(ys));
  }
  Json accuracy;
  if (ys.size() == 2) {
    pred = net::argmax_rows(yf, ys[1]);
    if (!a.no_float) pred_float = net::argmax_rows(run.reference_output, ys[1]);
  }
  if (!a.labels.empty()) {
    int64_t right = 0, right_float = 0, agree = 0;
    for (size_t i = 0; i < pred.size(); ++i) {
      right += pred[i] == labels[i];
      if (pred_float.empty()) continue;
      right_float += pred_float[i] == labels[i];
      agree += pred[i] == pred_float[i];
    }
    const double n = static_cast<double>(pred.size());
    std::fprintf(out, "top-1 on %zu images: %.2f%% (%lld right)", pred.size(), 100 * right / n,
                 static_cast<long long>(right));
    accuracy = {{"images", pred.size()}, {"top1", 100 * right / n}, {"correct", right}};
    if (!pred_float.empty()) {
      std::fprintf(out, "; the float network %.2f%%; the same class as float on %.2f%%",
                   100 * right_float / n, 100 * agree / n);
      accuracy["float_top1"] = 100 * right_float / n;
      accuracy["agree_with_float"] = 100 * agree / n;
    }
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "%s\n",
               r.pass() ? "every GEMM equals the integer reference; cycles equal "
                          "the closed form\nPASS"
                        : "FAIL");

  if (!a.out.empty()) files.add(a.out, npy::serialize(npy::make_float32(ys, yf)));
  if (!a.codes.empty()) {
    if (yq.is_unsigned) {
      files.add(a.codes,
                npy::serialize(npy::make_uint8(ys, std::vector<uint8_t>(yc.begin(), yc.end()))));
    } else {
      files.add(a.codes,
                npy::serialize(npy::make_int8(ys, std::vector<int8_t>(yc.begin(), yc.end()))));
    }
  }
  if (!a.json.empty()) {
    Json j;
    j["model"] = a.model;
    j["input"] = shape;
    j["engine"] = backend->name();
    j["pass"] = r.pass();
    j["layers"] = layers;
    j["total"] = {{"macs", macs},
                  {"cycles", r.total.cycles},
                  {"ideal_cycles", r.total.ideal_cycles},
                  {"utilization", r.total.utilization},
                  {"lane_utilization", r.total.lane_utilization},
                  {"effective_shifts", r.effective_shifts()},
                  {"clock_mhz", a.clock_mhz},
                  {"frames_per_second", fps}};
    j["output"] = {{"name", y},
                   {"shape", ys},
                   {"scale", yq.scale},
                   {"unsigned", yq.is_unsigned},
                   {"sqnr_db", out_sqnr}};
    if (!accuracy.is_null()) j["accuracy"] = accuracy;
    j["act_bits"] = a.act_bits;
    files.add(a.json, to_text(j));
  }
  if (!a.csv.empty()) files.add(a.csv, csv);
  if (!a.predictions.empty()) {
    const std::vector<int32_t> p(pred.begin(), pred.end());
    files.add(a.predictions, npy::serialize(npy::make_int32({static_cast<int64_t>(p.size())}, p)));
  }
  files.commit();
  for (const auto& f : files.paths()) std::fprintf(out, "wrote %s\n", f.c_str());
  return r.pass() ? 0 : 1;
}

}  // namespace

void add_net(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<NetArgs>();
  CLI::App* sub = app.add_subcommand(
      "net", "an ONNX model's every Conv and Gemm on the array, the rest in integers");
  add_path(sub, "--model", a->model, "M.onnx, as torch.onnx.export writes it")->required();
  add_path(sub, "--input", a->input, "X.npy: float (N, C, H, W); or idx images (pixels / 255)")
      ->required();
  sub->add_option("--first", a->first, "only the first N images of the input (0: all)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 31));
  add_path(sub, "--labels", a->labels, "L.idx: a class per image: report top-1");
  add_path(sub, "--calib", a->calib, "C.npy or idx: calibration batch (default: the input)");
  sub->add_option("--calib-first", a->calib_first,
                  "only the first N of the calibration set (0: all)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 31));
  sub->add_flag("--no-float", a->no_float,
                "skip the float network (no SQNR, no float top-1): a third faster, for sweeps");
  sub->add_option("--batch", a->batch, "images per integer run (memory; not the results)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 31));
  sub->add_option("--calibration", a->calibration, "activation range: max or percentile of |x|")
      ->check(CLI::IsMember({"max", "percentile"}));
  sub->add_option("--percentile", a->percentile, "with --calibration percentile")
      ->check(finite_range(50, 100));
  add_weight_options(sub, a->w, false);
  sub->add_option("--layer", a->layer, "NAME:N, a layer's own N (NAME may be first or last)")
      ->group("Quantizer");
  add_path(sub, "--layers", a->layers_file, "FILE of NAME N lines")->group("Quantizer");
  sub->add_flag("--nearest-target", a->nearest_target,
                "a layer that cannot meet --target takes the nearest average it reaches")
      ->group("Quantizer");
  sub->add_option("--act-bits", a->act_bits,
                  "activations truncated to their top N bits on the array (8: none)")
      ->check(CLI::Range(1, 8))
      ->group("Quantizer");
  sub->add_option("--rows", a->rows, "array rows")->check(CLI::Range(1, 64))->group("Array");
  sub->add_option("--cols", a->cols, "array columns")->check(CLI::Range(1, 64))->group("Array");
  sub->add_option("--engine", a->engine, "rtl: Verilated, checked; model: the cycle model")
      ->check(CLI::IsMember({"rtl", "model"}))
      ->group("Array");
  sub->add_option("--clock-mhz", a->clock_mhz, "clock for frames/s")
      ->check(finite_range(1, 10000))
      ->group("Array");
  add_progress_flag(sub, a->progress);
  add_path(sub, "--out", a->out, "Y.npy: the output, float32", true)->group("Outputs");
  add_path(sub, "--codes", a->codes, "Yq.npy: the output's 8-bit codes", true)->group("Outputs");
  add_path(sub, "--json", a->json, "R.json: the report", true)->group("Outputs");
  add_path(sub, "--csv", a->csv, "R.csv: the per-layer table", true)->group("Outputs");
  add_path(sub, "--predictions", a->predictions, "P.npy: int32 class of each image", true)
      ->group("Outputs");
  sub->callback([a, &exit_code] { exit_code = net_run(*a); });
}

}  // namespace swis::cli
