#include "lib/net/quant_exec.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "lib/common/layer_shape.h"
#include "lib/compiler/packed.h"
#include "lib/formats/npy.h"
#include "lib/mapping/array_program.h"
#include "lib/mapping/output_stats.h"
#include "lib/net/requant.h"

namespace swis::net {

bool NetResult::pass() const {
  return std::all_of(layers.begin(), layers.end(), [](const LayerResult& l) {
    return l.results_match && l.cycles_match && l.failure.empty();
  });
}

double NetResult::effective_shifts() const {
  double sum = 0, n = 0;
  for (const auto& l : layers) {
    sum += l.effective_shifts * static_cast<double>(l.weights);
    n += static_cast<double>(l.weights);
  }
  return n > 0 ? sum / n : 0;
}

namespace {

// How many ops read each tensor (and the network's outputs count as readers).
std::map<std::string, int> readers(const Network& net) {
  std::map<std::string, int> n;
  for (const Op& op : net.ops) {
    for (const auto& i : op.inputs) ++n[i];
  }
  for (const auto& o : net.outputs) ++n[o];
  return n;
}

int32_t clamp_code(int64_t v, int lo, int hi) {
  return static_cast<int32_t>(std::min<int64_t>(hi, std::max<int64_t>(lo, v)));
}

// The activation that follows a Conv or Gemm and is folded into its requantization, if any.
const Op* fused_activation(const Network& net, size_t i, const std::map<std::string, int>& uses) {
  if (i + 1 >= net.ops.size()) return nullptr;
  const Op& next = net.ops[i + 1];
  if ((next.kind == OpKind::kRelu || next.kind == OpKind::kClip) &&
      next.inputs[0] == net.ops[i].output && uses.at(net.ops[i].output) == 1) {
    return &next;
  }
  return nullptr;
}

}  // namespace

namespace {

class IntegerRun {
 public:
  IntegerRun(const Network& net, const std::map<std::string, QuantParams>& params,
             const NetRequest& req, ArrayBackend& backend, const Tensors& reference,
             ArrayProgram* scratch)
      : net_(net),
        q_(params),
        req_(req),
        backend_(backend),
        ref_(reference),
        uses_(readers(net)),
        prog_(scratch ? *scratch : own_prog_) {
    for (size_t i = 0; i < net.ops.size(); ++i) {
      if (net.ops[i].kind == OpKind::kConv || net.ops[i].kind == OpKind::kGemm) {
        if (first_ < 0) first_ = static_cast<int>(i);
        last_ = static_cast<int>(i);
        ++array_layers_;
      }
    }
  }

  NetResult run(const std::vector<float>& input) {
    const QuantParams& in = q_.at(net_.input);
    std::vector<int32_t>& c = res_.codes[net_.input];
    c.resize(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      c[i] = clamp_code(round_half_away(input[i] / in.scale), in.lo(), in.hi());
    }
    for (size_t i = 0; i < net_.ops.size(); ++i) {
      const Op& op = net_.ops[i];
      if (op.kind == OpKind::kConv || op.kind == OpKind::kGemm) {
        const Op* act = fused_activation(net_, i, uses_);
        if (req_.on_layer) req_.on_layer(res_.layers.size(), array_layers_, op.name);
        array_layer(op, static_cast<int>(i), act);
        if (act) ++i;  // its output is already written
      } else {
        host_op(op);
      }
    }
    res_.params = q_;
    for (const auto& l : res_.layers) {
      res_.total += l.cycles;
      res_.run_cycles += l.run_cycles;
    }
    res_.total.set_utilization(backend_.params());
    return std::move(res_);
  }

 private:
  WeightRequest request_for(const Op& op, int index) const {
    WeightRequest w = req_.weights;
    w.array_cols = backend_.params().cols;
    for (const std::string& key : {op.name, std::string(index == first_ ? "first" : ""),
                                   std::string(index == last_ ? "last" : "")}) {
      const auto it = req_.layer_shifts.find(key);
      if (!key.empty() && it != req_.layer_shifts.end()) {
        w.shifts = it->second;
        w.target.clear();
      }
    }
    return w;
  }

  void array_layer(const Op& op, int index, const Op* act) {
    const ArrayParams& p = backend_.params();
    const std::string out_name = act ? act->output : op.output;
    const QuantParams& qi = q_.at(op.inputs[0]);
    const QuantParams& qo = q_.at(out_name);
    const bool conv = op.kind == OpKind::kConv;
    const int64_t group = conv ? op.conv.group : 1;
    const int64_t F = op.weight_shape[0], Fg = F / group;

    LayerResult lr;
    lr.name = op.name;
    lr.op = op_name(op.kind);
    lr.in_shape = net_.shapes.at(op.inputs[0]);
    lr.out_shape = net_.shapes.at(out_name);
    lr.weight_shape = op.weight_shape;
    lr.gemms = group;

    WeightRequest wr = request_for(op, index);
    // A grouped convolution is scheduled filter by filter (tiles of one filter), so that a
    // target's average holds over the layer; each group then runs as one GEMM per N among its
    // filters (the array's tiles share one N).
    if (group > 1) wr.array_cols = 1;
    WeightResult w;
    try {
      if (!wr.target.empty() && req_.nearest_target) {
        wr.target = reachable_target(wr, F, static_cast<double>(op.weights.size()));
      }
      lr.target = wr.target;
      w = quantize_weights(npy::make_float32(op.weight_shape, op.weights), wr);
    } catch (const std::exception& e) {
      throw NetError("layer " + op.name + " " + shape_repr(op.weight_shape) + ": " + e.what());
    }
    lr.effective_shifts = w.stats.effective_shifts;
    lr.weights = w.stats.weights;
    shift_sum_ += w.stats.effective_shifts * static_cast<double>(w.stats.weights);
    weight_sum_ += static_cast<double>(w.stats.weights);
    lr.compression_ratio = w.stats.compression_ratio;
    // The tokens come from the packed bytes, as an accelerator would stream them.
    const PackedLayer packed = unpack(pack(w.packed));
    const GemmOperands all = GemmOperands::from_packed(packed);

    // Requantization of every output: acc * (s_in * s_w / s_out), clamped to the output's codes
    // and, when an activation is fused, to its range.
    const Multiplier m = quantize_multiplier(qi.scale * w.layer.scale / qo.scale);
    int lo = qo.lo(), hi = qo.hi();
    if (act) {
      const double a_lo = act->kind == OpKind::kRelu ? 0.0 : act->lo;
      const double a_hi = act->kind == OpKind::kRelu ? INFINITY : act->hi;
      if (std::isfinite(a_lo)) lo = std::max<int64_t>(lo, round_half_away(a_lo / qo.scale));
      if (std::isfinite(a_hi)) hi = std::min<int64_t>(hi, round_half_away(a_hi / qo.scale));
    }
    std::vector<int32_t> bias_q(static_cast<size_t>(F), 0);
    const double acc_scale = qi.scale * w.layer.scale;
    for (int64_t f = 0; f < F && !op.bias.empty(); ++f) {
      bias_q[f] = static_cast<int32_t>(std::clamp<int64_t>(round_half_away(op.bias[f] / acc_scale),
                                                           std::numeric_limits<int32_t>::min(),
                                                           std::numeric_limits<int32_t>::max()));
    }

    const std::vector<int32_t>& x = res_.codes.at(op.inputs[0]);
    std::vector<uint8_t> x8(x.size());
    const int32_t keep = ~((1 << (8 - req_.act_bits)) - 1);  // the top act_bits bits
    for (size_t i = 0; i < x.size(); ++i) {
      const int32_t c = x[i] < 0 ? -((-x[i]) & keep) : x[i] & keep;
      x8[i] = static_cast<uint8_t>(c);
    }
    const int64_t P = conv ? op.conv.rows() : lr.in_shape[0];
    const int64_t Ho = conv ? op.conv.out_height() : 1, Wo = conv ? op.conv.out_width() : 1;
    std::vector<int32_t> out(static_cast<size_t>(P * F));
    // The GEMMs: the whole layer, or per group one for each N its filters take.
    std::vector<std::pair<int64_t, std::vector<int64_t>>> gemms;  // (group, filters)
    if (group == 1) {
      gemms.push_back({0, {}});
    } else {
      for (int64_t g = 0; g < group; ++g) {
        std::map<int, std::vector<int64_t>> by_n;
        for (int64_t f = g * Fg; f < (g + 1) * Fg; ++f) by_n[all.filter_shifts[f]].push_back(f);
        for (auto& [n, fs] : by_n) gemms.push_back({g, std::move(fs)});
      }
    }
    lr.gemms = static_cast<int64_t>(gemms.size());
    for (const auto& [g, fs] : gemms) {
      GemmOperands ops = group == 1 ? all : slice(all, fs);
      const int64_t Fn = ops.filters;
      ops.rows = P;
      ops.act_signed = !qi.is_unsigned;
      if (conv) {
        ops.act = im2col_group(op.conv, g, p.group_size, x8);
      } else {
        const int64_t K = lr.in_shape[1], G = ops.groups, M = p.group_size;
        ops.act.assign(static_cast<size_t>(P * G * M), 0);
        for (int64_t r = 0; r < P; ++r) {
          std::copy_n(&x8[static_cast<size_t>(r * K)], K, &ops.act[static_cast<size_t>(r * G * M)]);
        }
      }
      program_gemm(p, ops, prog_);
      const ArrayProgram& prog = prog_;
      ArrayRun run = backend_.run(prog, P, Fn);
      lr.run_cycles += run.cycles;
      if (!run.ok() && lr.failure.empty()) {
        lr.failure = !run.divergence.empty() ? run.divergence : run.error;
      }
      const std::vector<int64_t> want = reference_gemm(ops);
      lr.results_match = lr.results_match && run.complete && run.y == want;
      const uint64_t closed = closed_form_cycles(p, prog.tile_steps());
      lr.cycles_match = lr.cycles_match && (!backend_.clean() || run.cycles == closed);
      std::vector<int> tile_shifts;
      for (int64_t ft = 0; ft * p.cols < Fn; ++ft) {
        tile_shifts.push_back(ops.filter_shifts[ops.order[static_cast<size_t>(ft * p.cols)]]);
      }
      const int64_t k_real =
          conv ? op.conv.group_channels() * op.conv.kh * op.conv.kw : lr.in_shape[1];
      lr.cycles += layer_cycles(p, GemmShape{P, ops.groups, Fn, P * Fn * k_real}, tile_shifts);
      // Every result through the requantization, into the output's layout.
      for (int64_t r = 0; r < P; ++r) {
        for (int64_t fl = 0; fl < Fn; ++fl) {
          const int64_t f = group == 1 ? fl : fs[static_cast<size_t>(fl)];
          const int64_t acc64 = (run.y.empty() ? want : run.y)[static_cast<size_t>(r * Fn + fl)];
          const int32_t acc = static_cast<int32_t>(
              std::clamp<int64_t>(acc64 + bias_q[f], std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int32_t>::max()));
          const int32_t code = clamp_code(multiply_by_quantized_multiplier(acc, m), lo, hi);
          if (conv) {
            const int64_t n = r / (Ho * Wo), pix = r % (Ho * Wo);
            out[static_cast<size_t>((n * F + f) * Ho * Wo + pix)] = code;
          } else {
            out[static_cast<size_t>(r * F + f)] = code;
          }
        }
      }
    }
    lr.macs = conv ? op.conv.macs() : P * F * lr.in_shape[1];
    lr.cycles.set_utilization(p);
    if (!ref_.empty()) {
      lr.output_error = output_error_of(out, qo, ref_.at(out_name));
      lr.output_sqnr_db = lr.output_error.sqnr_db();
    } else {
      lr.output_sqnr_db = std::nan("");
    }
    res_.codes[out_name] = std::move(out);
    res_.layers.push_back(std::move(lr));
  }

  // The layer's target, or the reachable one nearest to it that keeps the running average of the
  // layers so far nearest the target (ties: above).
  std::string reachable_target(const WeightRequest& wr, int64_t filters,
                               double layer_weights) const {
    const NearTargets near = nearest_targets(filters, wr.array_cols, wr.double_shift, wr.target);
    if (near.exact || (near.below.empty() && near.above.empty())) return wr.target;
    if (near.below.empty()) return near.above;
    if (near.above.empty()) return near.below;
    const auto value = [](const std::string& text) {
      const TargetRatio r = parse_target(text);
      return static_cast<double>(r.num) / static_cast<double>(r.den);
    };
    const double want = value(wr.target);
    const auto miss = [&](const std::string& n) {
      return std::fabs((shift_sum_ + value(n) * layer_weights) / (weight_sum_ + layer_weights) -
                       want);
    };
    return miss(near.below) < miss(near.above) ? near.below : near.above;
  }

  // The operands of filters `fs` (all of one N) of a layer's decoded weights.
  static GemmOperands slice(const GemmOperands& all, const std::vector<int64_t>& fs) {
    GemmOperands s;
    s.groups = all.groups;
    s.group_size = all.group_size;
    s.filters = static_cast<int64_t>(fs.size());
    const size_t per = static_cast<size_t>(all.groups * all.group_size);
    for (const int64_t f : fs) {
      s.q.insert(s.q.end(), all.q.begin() + static_cast<std::ptrdiff_t>(f * per),
                 all.q.begin() + static_cast<std::ptrdiff_t>((f + 1) * per));
      s.set.insert(s.set.end(), all.set.begin() + f * all.groups,
                   all.set.begin() + (f + 1) * all.groups);
      s.filter_shifts.push_back(all.filter_shifts[static_cast<size_t>(f)]);
    }
    s.order.resize(fs.size());
    std::iota(s.order.begin(), s.order.end(), 0u);
    return s;
  }

  static OutputError output_error_of(const std::vector<int32_t>& codes, const QuantParams& q,
                                     const std::vector<float>& ref) {
    OutputError e;
    for (size_t i = 0; i < codes.size(); ++i) {
      const double r = ref[i], v = codes[i] * q.scale;
      e.signal += r * r;
      e.noise += (r - v) * (r - v);
    }
    return e;
  }

  // Requantizes codes of scale `from` to `to`, clamped to [lo, hi].
  static std::vector<int32_t> rescale(const std::vector<int32_t>& x, const QuantParams& from,
                                      const QuantParams& to, int lo, int hi) {
    std::vector<int32_t> y(x.size());
    const Multiplier m = quantize_multiplier(from.scale / to.scale);
    for (size_t i = 0; i < x.size(); ++i) {
      y[i] = clamp_code(multiply_by_quantized_multiplier(x[i], m), lo, hi);
    }
    return y;
  }

  void host_op(const Op& op) {
    const std::vector<int32_t>& x = res_.codes.at(op.inputs[0]);
    const QuantParams& qi = q_.at(op.inputs[0]);
    const QuantParams& qo = q_.at(op.output);
    const std::vector<int64_t>& in = net_.shapes.at(op.inputs[0]);
    const std::vector<int64_t>& os = net_.shapes.at(op.output);
    std::vector<int32_t> y;
    switch (op.kind) {
      case OpKind::kRelu:
        y = rescale(x, qi, qo, std::max(0, qo.lo()), qo.hi());
        break;
      case OpKind::kClip: {
        int lo = qo.lo(), hi = qo.hi();
        if (std::isfinite(op.lo)) lo = std::max<int64_t>(lo, round_half_away(op.lo / qo.scale));
        if (std::isfinite(op.hi)) hi = std::min<int64_t>(hi, round_half_away(op.hi / qo.scale));
        y = rescale(x, qi, qo, lo, hi);
        break;
      }
      case OpKind::kMaxPool:
      case OpKind::kAvgPool: {
        y.resize(static_cast<size_t>(os[0] * os[1] * os[2] * os[3]));
        const bool max = op.kind == OpKind::kMaxPool;
        pool_windows(op.pool, x, in, os, [&](size_t o, int32_t best, double sum, int64_t count) {
          y[o] = max ? best : static_cast<int32_t>(round_half_away(sum / count));
        });
        break;
      }
      case OpKind::kGlobalAvgPool: {
        const int64_t plane = in[2] * in[3];
        y.resize(static_cast<size_t>(in[0] * in[1]));
        for (size_t nc = 0; nc < y.size(); ++nc) {
          int64_t s = 0;
          for (int64_t i = 0; i < plane; ++i) s += x[nc * plane + i];
          y[nc] = static_cast<int32_t>(round_half_away(static_cast<double>(s) / plane));
        }
        break;
      }
      case OpKind::kAdd:
        y = add(x, qi, res_.codes.at(op.inputs[1]), q_.at(op.inputs[1]), qo);
        break;
      case OpKind::kFlatten:
        y = x;
        break;
      case OpKind::kPad:
        y = pad_zeros(x, in, os, op.pool);
        break;
      case OpKind::kConcat: {
        // Each input is rescaled to the output's scale first.
        std::vector<std::vector<int32_t>> parts;
        for (const std::string& name : op.inputs) {
          parts.push_back(rescale(res_.codes.at(name), q_.at(name), qo, qo.lo(), qo.hi()));
        }
        std::vector<const std::vector<int32_t>*> ptrs;
        for (const auto& v : parts) ptrs.push_back(&v);
        y = concat_blocks(ptrs, os, op.axis);
        break;
      }
      case OpKind::kConv:
      case OpKind::kGemm:
        break;
    }
    res_.codes[op.output] = std::move(y);
  }

  // TFLite's quantized Add: both inputs shifted left 20 bits, scaled by s_in / (2 max(s_a, s_b))
  // each, added, then scaled by 2 max(s_a, s_b) / (2^20 s_out) and clamped. A Relu after the
  // Add is the output's unsigned range.
  static std::vector<int32_t> add(const std::vector<int32_t>& a, const QuantParams& qa,
                                  const std::vector<int32_t>& b, const QuantParams& qb,
                                  const QuantParams& qo) {
    constexpr int kLeftShift = 20;
    const double twice_max = 2 * std::max(qa.scale, qb.scale);
    const Multiplier ma = quantize_multiplier(qa.scale / twice_max);
    const Multiplier mb = quantize_multiplier(qb.scale / twice_max);
    const Multiplier mo = quantize_multiplier(twice_max / ((1 << kLeftShift) * qo.scale));
    std::vector<int32_t> y(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      const int32_t sa = multiply_by_quantized_multiplier(a[i] * (1 << kLeftShift), ma);
      const int32_t sb = multiply_by_quantized_multiplier(b[i] * (1 << kLeftShift), mb);
      y[i] = clamp_code(multiply_by_quantized_multiplier(sa + sb, mo), qo.lo(), qo.hi());
    }
    return y;
  }

  const Network& net_;
  const std::map<std::string, QuantParams>& q_;
  const NetRequest& req_;
  ArrayBackend& backend_;
  const Tensors& ref_;
  std::map<std::string, int> uses_;
  int first_ = -1, last_ = -1;
  size_t array_layers_ = 0;
  ArrayProgram own_prog_;
  ArrayProgram& prog_;                     // reused by every GEMM
  double shift_sum_ = 0, weight_sum_ = 0;  // over the layers so far: N x weights, weights
  NetResult res_;
};

}  // namespace

NetResult run_integer(const Network& net, const std::vector<float>& input,
                      const std::map<std::string, QuantParams>& params, const NetRequest& req,
                      ArrayBackend& backend, const Tensors& reference, ArrayProgram* scratch) {
  return IntegerRun(net, params, req, backend, reference, scratch).run(input);
}

}  // namespace swis::net
