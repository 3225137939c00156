// swis run: a layer from .npy through quantization, scheduling, packing and the Verilated
// array in lock-step with the golden model, to Y.npy and a report; with --engine accel through
// the whole Verilated accelerator instead, from packed weights in memory over AXI. swis sim: the
// same on the built-in default layer (make sim).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "lib/flow/builtin_layer.h"
#include "lib/flow/layer_run.h"
#include "lib/mapping/activations.h"
#include "tb/accel_harness.h"
#include "tb/array_backend.h"
#include "tool/cli_util.h"
#include "tool/commands.h"
#include "tool/progress.h"

namespace swis::cli {
namespace {

std::string gtkw_path(const std::string& fst) {
  const size_t dot = fst.rfind('.');
  return (dot == std::string::npos ? fst : fst.substr(0, dot)) + ".gtkw";
}

// What swis run asks for: the layer, the array it runs on, and how the harness runs it.
struct RunArgs {
  std::string weights, acts, out, json, waves, waves_window, array_cols;
  WeightArgs w;
  int64_t stride = 1, pad = 0;
  int rows = 8, cols = 8;
  bool progress = false;
  std::string engine = "array";
  int dram_latency = 20;
};

struct RunRequest {
  LayerRequest layer;
  int rows = 8;
  int cols = 8;
  tb::ArrayRunOptions run;
  bool progress = false;
};

// The array, the stride and padding, waves and progress: the options of run and sim.
void add_array_options(CLI::App* sub, RunArgs& a) {
  sub->add_option("--rows", a.rows, "array rows")->check(CLI::Range(1, 64))->group("Array");
  sub->add_option("--cols", a.cols, "array columns, the tile width")
      ->check(CLI::Range(1, 64))
      ->group("Array");
  add_path(sub, "--waves", a.waves, "F.fst: waves (and F.gtkw)")->group("Waves");
  sub->add_option("--waves-window", a.waves_window, "trace cycles [A, B) only")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            unsigned long long x = 0, y = 0;
            char tail = 0;
            if (std::sscanf(v.c_str(), "%llu:%llu%c", &x, &y, &tail) != 2 || x >= y) {
              return "needs A:B with A < B (cycles), got '" + v + "'";
            }
            return "";
          },
          "A:B"))
      ->group("Waves");
  add_progress_flag(sub, a.progress);
}

RunRequest run_request(const RunArgs& a, LayerRequest layer) {
  RunRequest req;
  req.layer = std::move(layer);
  req.rows = a.rows;
  req.cols = a.cols;
  req.progress = a.progress;
  if (!a.waves.empty()) {
    req.run.waves = a.waves;
    req.run.mismatch_waves = a.waves;  // a failing run leaves the cycles around the divergence
  }
  if (!a.waves_window.empty()) {
    unsigned long long x = 0, y = 0;
    std::sscanf(a.waves_window.c_str(), "%llu:%llu", &x, &y);
    req.run.wave_from = x;
    req.run.wave_to = y;
  }
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
  j["utilization_vs_ideal"] =
      static_cast<double>(l.expected.ideal_cycles) / static_cast<double>(r.sim.cycles);
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

void print_run_report(std::FILE* out, const LayerRequest& req, const LayerReport& r) {
  const PreparedLayer& l = r.layer;
  print_weight_summary(out, req.weights, l.w);
  std::fprintf(out, "layer: %s GEMM P=%lld x G=%lld groups x F=%lld, %lld MACs, %llu tiles on %s\n",
               l.is_conv ? "convolution as" : "", static_cast<long long>(l.operands.gemm.rows),
               static_cast<long long>(l.operands.gemm.groups),
               static_cast<long long>(l.operands.gemm.filters),
               static_cast<long long>(l.operands.gemm.macs),
               static_cast<unsigned long long>(l.expected.tiles), r.array.c_str());
  std::fprintf(
      out,
      "cycles %llu (closed form %llu), ideal %llu, stall %llu; utilization %.1f%% (%.1f%% of "
      "ideal)\n",
      static_cast<unsigned long long>(r.sim.cycles),
      static_cast<unsigned long long>(l.expected.cycles),
      static_cast<unsigned long long>(l.expected.ideal_cycles),
      static_cast<unsigned long long>(r.sim.stall), 100 * l.expected.utilization,
      100.0 * static_cast<double>(l.expected.ideal_cycles) / static_cast<double>(r.sim.cycles));
  std::fprintf(
      out,
      "SCALE-Sim OS estimate %llu cycles; 8-bit bit-serial baseline %llu cycles (speed-up %.2fx)\n",
      static_cast<unsigned long long>(l.expected.scalesim_os_cycles),
      static_cast<unsigned long long>(l.expected.bitserial8_cycles),
      static_cast<double>(l.expected.bitserial8_cycles) / static_cast<double>(l.expected.cycles));
  if (!r.output.defined()) {
    std::fprintf(out,
                 "output SQNR against the float layer: undefined (its outputs are all zero)\n");
  } else {
    std::fprintf(out, "output SQNR against the float layer: %s dB%s\n",
                 std::isfinite(r.output_sqnr_db) ? fmt(r.output_sqnr_db, 4).c_str() : "inf",
                 std::isfinite(r.output_sqnr_db) ? "" : " (the outputs equal it exactly)");
  }
  std::fprintf(out, "scales: weight %s, activation %s (Y x both approximates the float layer)\n",
               fmt(l.w.layer.scale, 6).c_str(), fmt(l.acts.scale, 6).c_str());
  std::fprintf(out,
               "results %s the integer GEMM of the quantized weights; cycles %s the closed form\n",
               r.results_match ? "equal" : "DIFFER FROM", r.cycles_match ? "equal" : "DIFFER FROM");
  if (!r.sim.divergence.empty())
    std::fprintf(out, "first divergence: %s\n", r.sim.divergence.c_str());
  if (!r.sim.error.empty()) std::fprintf(out, "error: %s\n", r.sim.error.c_str());
  std::fprintf(out, "%s\n", r.pass() ? "PASS" : "FAIL");
}

int run_and_report(const npy::Array& w, const npy::Array& a, const RunRequest& req,
                   OutputFiles& files, const std::string& out, const std::string& json) {
  const tb::ArrayDutEntry& entry = tb::find_array_dut(ArrayParams{
      req.rows, req.cols, req.layer.weights.group_size, req.layer.weights.double_shift ? 2 : 1});
  PreparedLayer layer = prepare_layer(w, a, req.layer, entry.params);
  Progress progress("swis run " + entry.name, "cycles", layer.expected.cycles, req.progress);
  tb::ArrayRunOptions run = req.run;
  run.progress = [&progress](uint64_t cycles) { progress.update(cycles); };
  tb::VerilatedArrayBackend backend(entry, run);
  ArrayRun sim = backend.run(layer.prog, layer.operands.ops.rows, layer.operands.ops.filters);
  progress.update(sim.cycles);
  progress.finish();
  const LayerReport r = finish_layer(std::move(layer), std::move(sim), entry.name, backend.clean());
  if (!out.empty() && r.pass()) files.add(out, npy::serialize(r.y));
  if (!json.empty()) {
    Json j;
    add_run_report(j, req.layer, r);
    files.add(json, to_text(j));
  }
  if (!req.run.waves.empty()) {
    files.add(gtkw_path(req.run.waves), tb::gtkw_for_array(entry.params, req.run.waves));
  }
  files.commit();
  std::FILE* report = report_stream(files);
  print_run_report(report, req.layer, r);
  if (!req.run.waves.empty()) {
    std::fprintf(report, "waves: %s (open with: gtkwave %s %s)\n", req.run.waves.c_str(),
                 req.run.waves.c_str(), gtkw_path(req.run.waves).c_str());
  }
  for (const auto& p : files.paths()) std::fprintf(report, "wrote %s\n", p.c_str());
  return r.pass() ? 0 : 1;
}

// Declares the outputs of a run (refused at once if one would replace an input or another).
void declare_outputs(OutputFiles& files, const RunRequest& req, const std::string& out,
                     const std::string& json) {
  if (!out.empty()) files.output("--out", out);
  if (!json.empty()) files.output("--json", json);
  if (!req.run.waves.empty()) {
    files.output("--waves", req.run.waves);
    files.output("the save file of --waves", gtkw_path(req.run.waves));
  }
}

// The accelerator's view of the run: bytes by operand, measured on the bus and predicted.
struct AccelReport {
  std::string config;
  tb::AccelLayerResult run;
  bool traffic_match = false;
};

void add_traffic(Json& j, const AccelTraffic& t) {
  j["activations_read"] = t.act_read;
  j["weights_read"] = t.weight_read;
  j["results_written"] = t.out_write;
  j["read_bursts"] = t.read_bursts;
  j["write_bursts"] = t.write_bursts;
}

// --engine accel: the layer's passes through the Verilated accelerator (the array inside checked
// in lock-step all along), the memory on its AXI port with a fixed latency.
int run_on_accel(const npy::Array& w, const npy::Array& acts, const RunArgs& a,
                 const RunRequest& req, OutputFiles& files) {
  const tb::AccelDutEntry* entry = nullptr;
  std::string have;
  for (const auto& e : tb::accel_duts()) {
    const ArrayParams& p = e.params.array;
    if (p.fixed_point) continue;  // swis run quantizes to SWIS weights
    have += (have.empty() ? "" : ", ") + e.name + " (" + std::to_string(p.rows) + " x " +
            std::to_string(p.cols) + ", " + (p.shifts_per_cycle == 2 ? "ds" : "ss") + ")";
    if (p.rows == req.rows && p.cols == req.cols &&
        p.group_size == req.layer.weights.group_size &&
        p.shifts_per_cycle == (req.layer.weights.double_shift ? 2 : 1)) {
      entry = &e;
    }
  }
  if (entry == nullptr) {
    throw std::invalid_argument("no Verilated accelerator of " + std::to_string(req.rows) + " x " +
                                std::to_string(req.cols) + " with M = " +
                                std::to_string(req.layer.weights.group_size) + " (this build has " +
                                (have.empty() ? "none" : have) + ")");
  }
  PreparedLayer layer = prepare_layer(w, acts, req.layer, entry->params.array);
  PackedLayer packed = layer.w.packed;
  packed.version = 2;
  auto dut = entry->make();
  tb::AxiMemoryOptions mem;
  mem.read_latency = a.dram_latency;
  mem.max_burst = entry->params.max_burst;
  AccelReport acc;
  acc.config = entry->name;
  acc.run = tb::run_layer_on_accel(*dut, layer.operands.ops, accel_weights(pack(packed)), mem, {});
  const AccelTraffic& m = acc.run.measured;
  const AccelTraffic& p = acc.run.predicted;
  acc.traffic_match = m.act_read == p.act_read && m.weight_read == p.weight_read &&
                      m.out_write == p.out_write && m.read_bursts == p.read_bursts &&
                      m.write_bursts == p.write_bursts;
  ArrayRun sim;
  sim.cycles = acc.run.hw_cycles;
  sim.y = acc.run.y;
  sim.complete = true;
  const uint64_t array_cycles = layer.expected.cycles;
  // The cycle count is the accelerator's, memory in the loop: no closed form to equal.
  const LayerReport r = finish_layer(std::move(layer), std::move(sim), entry->name, false);
  const bool pass = r.pass() && acc.traffic_match;
  if (!a.out.empty() && pass) files.add(a.out, npy::serialize(r.y));
  if (!a.json.empty()) {
    Json j;
    add_run_report(j, req.layer, r);
    j["pass"] = pass;
    j["engine"] = "accel";
    j["array_closed_form_cycles"] = static_cast<int64_t>(array_cycles);
    j["passes"] = static_cast<int64_t>(acc.run.passes);
    j["dram_latency"] = a.dram_latency;
    add_traffic(j["traffic_measured"], m);
    add_traffic(j["traffic_predicted"], p);
    j["traffic_match"] = acc.traffic_match;
    files.add(a.json, to_text(j));
  }
  files.commit();
  std::FILE* report = report_stream(files);
  print_weight_summary(report, req.layer.weights, r.layer.w);
  std::fprintf(report,
               "accelerator %s: %zu passes, %llu cycles with memory in the loop (latency %d); "
               "the array alone %llu (closed form)\n",
               entry->name.c_str(), acc.run.passes,
               static_cast<unsigned long long>(acc.run.hw_cycles), a.dram_latency,
               static_cast<unsigned long long>(array_cycles));
  std::fprintf(report,
               "memory: read %llu B of activations and %llu B of weights, wrote %llu B of results "
               "(%llu + %llu bursts); the model predicts %s\n",
               static_cast<unsigned long long>(m.act_read),
               static_cast<unsigned long long>(m.weight_read),
               static_cast<unsigned long long>(m.out_write),
               static_cast<unsigned long long>(m.read_bursts),
               static_cast<unsigned long long>(m.write_bursts),
               acc.traffic_match ? "the same" : "OTHER FIGURES");
  std::fprintf(report, "results %s the integer GEMM of the quantized weights\n",
               r.results_match ? "equal" : "DIFFER FROM");
  std::fprintf(report, "%s\n", pass ? "PASS" : "FAIL");
  for (const auto& f : files.paths()) std::fprintf(report, "wrote %s\n", f.c_str());
  return pass ? 0 : 1;
}

int run(const RunArgs& a) {
  const RunRequest req = run_request(a, LayerRequest{a.w.request(), a.stride, a.pad});
  OutputFiles files;
  files.input("the weights", a.weights);
  files.input("the activations", a.acts);
  declare_outputs(files, req, a.out, a.json);
  const npy::Array w = read_weights(a.weights);
  const npy::Array acts = read_acts(a.acts);
  try {
    check_acts_fit(w.shape, acts.shape, req.layer.stride, req.layer.pad,
                   "the weights " + a.weights + " " + shape_repr(w.shape));
  } catch (const std::invalid_argument& e) {
    throw InputError(a.acts + ": " + e.what());
  }
  std::fprintf(a.out == "-" || a.json == "-" ? stderr : stdout,
               "swis run: weights %s %s, activations %s %s\n", a.weights.c_str(),
               shape_repr(w.shape).c_str(), a.acts.c_str(), shape_repr(acts.shape).c_str());
  if (a.engine == "accel") {
    if (!req.run.waves.empty()) throw std::invalid_argument("--waves is for --engine array");
    return run_on_accel(w, acts, a, req, files);
  }
  return run_and_report(w, acts, req, files, a.out, a.json);
}

int sim(const RunArgs& a, const std::string& dir) {
  const RunRequest req = run_request(a, builtin_request());
  std::filesystem::create_directories(dir);
  OutputFiles files;
  declare_outputs(files, req, dir + "/Y.npy", dir + "/R.json");
  const npy::Array w = default_weights();
  const npy::Array acts = default_acts();
  OutputFiles inputs;
  inputs.add(dir + "/W.npy", npy::serialize(w));
  inputs.add(dir + "/A.npy", npy::serialize(acts));
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
  return run_and_report(w, acts, req, files, dir + "/Y.npy", dir + "/R.json");
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand(
      "run", "one layer through the Verilated array, checked every cycle: Y.npy, a report");
  add_path(sub, "--weights", a->weights, "W.npy: (F, C, kh, kw) or (F, K)")->required();
  add_path(sub, "--acts", a->acts, "A.npy: (1, C, H, W) or (P, K)")->required();
  add_weight_options(sub, a->w, false);
  // The tile width is the array's: a --array-cols here is a mistake worth naming.
  sub->add_option("--array-cols", a->array_cols)
      ->check(CLI::Validator(
          [](std::string&) -> std::string { return "the tile width is the array's: use --cols"; },
          ""))
      ->group("");
  sub->add_option("--stride", a->stride, "convolution stride")
      ->check(CLI::Range(1, 64))
      ->group("Layer");
  sub->add_option("--pad", a->pad, "zero padding on every side")
      ->check(CLI::Range(0, 64))
      ->group("Layer");
  add_array_options(sub, *a);
  sub->add_option("--engine", a->engine,
                  "array: the Verilated array; accel: the whole accelerator, weights packed in "
                  "memory behind AXI (the activations' im2col laid out by the host)")
      ->check(CLI::IsMember({"array", "accel"}))
      ->group("Array");
  sub->add_option("--dram-latency", a->dram_latency, "with --engine accel: cycles to a read's first beat")
      ->check(CLI::Range(1, 10000))
      ->group("Array");
  add_path(sub, "--out", a->out, "Y.npy: int32 outputs", true)->group("Outputs");
  add_path(sub, "--json", a->json, "R.json: the report", true)->group("Outputs");
  sub->callback([a, &exit_code] { exit_code = run(*a); });
}

void add_sim(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<RunArgs>();
  auto dir = std::make_shared<std::string>("sim-out");
  CLI::App* sub =
      app.add_subcommand("sim", "the built-in layer of make sim through the Verilated array");
  add_path(sub, "--dir", *dir, "folder of W, A, Y.npy, R.json");
  add_path(sub, "--waves", a->waves, "F.fst: waves (and F.gtkw)")->group("Waves");
  add_progress_flag(sub, a->progress);
  sub->callback([a, dir, &exit_code] { exit_code = sim(*a, *dir); });
}

}  // namespace swis::cli
