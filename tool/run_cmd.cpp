// swis run: a layer from .npy through quantization, scheduling, packing and the Verilated
// array in lock-step with the golden model, to Y.npy and a report. swis sim: the same on the
// built-in default layer (make sim).
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "lib/flow/builtin_layer.h"
#include "lib/flow/layer_run.h"
#include "lib/mapping/activations.h"
#include "tb/array_backend.h"
#include "tool/cli_util.h"
#include "tool/commands.h"

namespace swis::cli {
namespace {

std::string gtkw_path(const std::string& fst) {
  const size_t dot = fst.rfind('.');
  return (dot == std::string::npos ? fst : fst.substr(0, dot)) + ".gtkw";
}

// What swis run asks for: the layer, the array it runs on, and how the harness runs it.
struct RunRequest {
  LayerRequest layer;
  int rows = 8;
  int cols = 8;
  tb::ArrayRunOptions run;
};

RunRequest take_run_request(Options& o) {
  RunRequest req;
  req.rows = static_cast<int>(o.take_int("rows", 1, 64).value_or(8));
  req.cols = static_cast<int>(o.take_int("cols", 1, 64).value_or(8));
  req.layer.stride = o.take_int("stride", 1, 64).value_or(1);
  req.layer.pad = o.take_int("pad", 0, 64).value_or(0);
  if (o.take("array-cols")) throw UsageError("swis run: the tile width is the array's: use --cols");
  if (const auto waves = o.take("waves")) {
    req.run.waves = *waves;
    req.run.mismatch_waves = *waves;  // a failing run leaves the cycles around the divergence
  }
  if (const auto window = o.take("waves-window")) {
    unsigned long long a = 0, b = 0;
    char tail = 0;
    if (std::sscanf(window->c_str(), "%llu:%llu%c", &a, &b, &tail) != 2 || a >= b) {
      throw UsageError("swis run: --waves-window needs A:B with A < B (cycles), got '" + *window +
                       "'");
    }
    req.run.wave_from = a;
    req.run.wave_to = b;
  }
  req.layer.weights = take_weight_request(o);
  return req;
}

void add_run_report(Json& j, const LayerRequest& req, const LayerReport& r) {
  const PreparedLayer& l = r.layer;
  j["pass"] = r.pass();
  j["array"] = r.array;
  j["cycles"] = static_cast<int64_t>(r.sim.cycles);
  j["closed_form_cycles"] = static_cast<int64_t>(l.expected.cycles);
  j["ideal_cycles"] = static_cast<int64_t>(l.expected.ideal_cycles);
  j["utilization"] = l.expected.utilization;
  j["utilization_vs_ideal"] = static_cast<double>(l.expected.ideal_cycles) / static_cast<double>(r.sim.cycles);
  j["stall_cycles"] = static_cast<int64_t>(r.sim.stall);
  j["scalesim_os_cycles"] = static_cast<int64_t>(l.expected.scalesim_os_cycles);
  j["bitserial8_cycles"] = static_cast<int64_t>(l.expected.bitserial8_cycles);
  j["macs"] = l.operands.gemm.macs;
  j["tiles"] = static_cast<int64_t>(l.expected.tiles);
  j["results_match_gemm"] = r.results_match;
  j["cycles_match_closed_form"] = r.cycles_match;
  add_weight_report(j, req.weights, l.w);
  // y * weight_scale * activation_scale approximates the float layer.
  j["activation_scale"] = l.acts.scale;
  j["output_sqnr_db"] = r.output_sqnr_db;  // null when undefined (all-zero reference) or exact
  j["output_signal_energy"] = r.output.signal;
  j["output_noise_energy"] = r.output.noise;
}

void print_run_report(const LayerRequest& req, const LayerReport& r) {
  const PreparedLayer& l = r.layer;
  print_weight_summary(req.weights, l.w);
  std::printf("layer: %s GEMM P=%lld x G=%lld groups x F=%lld, %lld MACs, %llu tiles on %s\n",
              l.is_conv ? "convolution as" : "", static_cast<long long>(l.operands.gemm.rows),
              static_cast<long long>(l.operands.gemm.groups),
              static_cast<long long>(l.operands.gemm.filters),
              static_cast<long long>(l.operands.gemm.macs),
              static_cast<unsigned long long>(l.expected.tiles), r.array.c_str());
  std::printf(
      "cycles %llu (closed form %llu), ideal %llu, stall %llu; utilization %.1f%% (%.1f%% of "
      "ideal)\n",
      static_cast<unsigned long long>(r.sim.cycles),
      static_cast<unsigned long long>(l.expected.cycles),
      static_cast<unsigned long long>(l.expected.ideal_cycles),
      static_cast<unsigned long long>(r.sim.stall), 100 * l.expected.utilization,
      100.0 * static_cast<double>(l.expected.ideal_cycles) / static_cast<double>(r.sim.cycles));
  std::printf(
      "SCALE-Sim OS estimate %llu cycles; 8-bit bit-serial baseline %llu cycles (speed-up %.2fx)\n",
      static_cast<unsigned long long>(l.expected.scalesim_os_cycles),
      static_cast<unsigned long long>(l.expected.bitserial8_cycles),
      static_cast<double>(l.expected.bitserial8_cycles) / static_cast<double>(l.expected.cycles));
  if (!r.output.defined()) {
    std::printf("output SQNR against the float layer: undefined (its outputs are all zero)\n");
  } else {
    std::printf("output SQNR against the float layer: %s dB%s\n",
                std::isfinite(r.output_sqnr_db) ? fmt(r.output_sqnr_db, 4).c_str() : "inf",
                std::isfinite(r.output_sqnr_db) ? "" : " (the outputs equal it exactly)");
  }
  std::printf("scales: weight %s, activation %s (Y x both approximates the float layer)\n",
              fmt(l.w.layer.scale, 6).c_str(), fmt(l.acts.scale, 6).c_str());
  std::printf("results %s the integer GEMM of the quantized weights; cycles %s the closed form\n",
              r.results_match ? "equal" : "DIFFER FROM", r.cycles_match ? "equal" : "DIFFER FROM");
  if (!r.sim.divergence.empty()) std::printf("first divergence: %s\n", r.sim.divergence.c_str());
  if (!r.sim.error.empty()) std::printf("error: %s\n", r.sim.error.c_str());
  std::printf("%s\n", r.pass() ? "PASS" : "FAIL");
}

int run_and_report(const npy::Array& w, const npy::Array& a, const RunRequest& req,
                   const std::optional<std::string>& out, const std::optional<std::string>& json) {
  const tb::ArrayDutEntry& entry = tb::find_array_dut(ArrayParams{
      req.rows, req.cols, req.layer.weights.group_size, req.layer.weights.double_shift ? 2 : 1});
  tb::VerilatedArrayBackend backend(entry, req.run);
  const LayerReport r = run_layer(w, a, req.layer, backend);
  OutputFiles files;
  if (out && r.pass()) files.add(*out, npy::serialize(r.y));
  if (json) {
    Json j;
    add_run_report(j, req.layer, r);
    files.add(*json, to_text(j));
  }
  if (!req.run.waves.empty())
    files.add(gtkw_path(req.run.waves), tb::gtkw_for_array(entry.params, req.run.waves));
  files.commit();
  print_run_report(req.layer, r);
  if (!req.run.waves.empty()) {
    std::printf("waves: %s (open with: gtkwave %s %s)\n", req.run.waves.c_str(),
                req.run.waves.c_str(), gtkw_path(req.run.waves).c_str());
  }
  for (const auto& p : files.paths()) std::printf("wrote %s\n", p.c_str());
  return r.pass() ? 0 : 1;
}

}  // namespace

int run(const std::vector<std::string>& args) {
  Options o("swis run", args);
  const auto weights = o.take("weights");
  const auto acts = o.take("acts");
  const RunRequest req = take_run_request(o);
  const auto out = o.take("out");
  const auto json = o.take("json");
  o.finish();
  if (!weights || !acts) throw UsageError("swis run: give --weights W.npy and --acts A.npy");
  if (!o.positional().empty())
    throw UsageError("swis run: unexpected argument '" + o.positional()[0] + "'");
  const npy::Array w = read_weights(*weights);
  const npy::Array a = read_acts(*acts);
  try {
    check_acts_fit(w.shape, a.shape, req.layer.stride, req.layer.pad,
                   "the weights " + *weights + " " + shape_repr(w.shape));
  } catch (const std::invalid_argument& e) {
    throw InputError(*acts + ": " + e.what());
  }
  std::printf("swis run: weights %s %s, activations %s %s\n", weights->c_str(),
              shape_repr(w.shape).c_str(), acts->c_str(), shape_repr(a.shape).c_str());
  return run_and_report(w, a, req, out, json);
}

int sim(const std::vector<std::string>& args) {
  Options o("swis sim", args);
  const std::string dir = o.take("dir").value_or("sim-out");
  const auto waves = o.take("waves");
  o.finish();
  RunRequest req;
  req.layer = builtin_request();
  if (waves) req.run.waves = req.run.mismatch_waves = *waves;
  std::filesystem::create_directories(dir);
  const npy::Array w = default_weights();
  const npy::Array a = default_acts();
  OutputFiles inputs;
  inputs.add(dir + "/W.npy", npy::serialize(w));
  inputs.add(dir + "/A.npy", npy::serialize(a));
  inputs.commit();
  std::printf(
      "swis sim: the built-in layer, a ResNet-18-shaped 3 x 3 convolution (64 -> 64 channels, 14 x "
      "14 input,\n"
      "pad 1), on the 8 x 8 double-shift array, M = 4, scheduled to an average of 3 shifts, "
      "mse++.\n"
      "Inputs written to %s/W.npy and %s/A.npy; the same run by hand:\n"
      "  swis run --weights %s/W.npy --acts %s/A.npy --group 4 --pe ds --target 3 --metric mse++ "
      "--pad 1\n\n",
      dir.c_str(), dir.c_str(), dir.c_str(), dir.c_str());
  return run_and_report(w, a, req, dir + "/Y.npy", dir + "/R.json");
}

}  // namespace swis::cli
