#include "lib/net/network.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <set>

#include "lib/common/layer_shape.h"
#include "lib/net/node_reader.h"

namespace swis::net {

namespace {

using detail::Attribute;
using detail::Node;
using detail::product;
using detail::Tensor;

class Importer : public detail::NodeReader {
 public:
  Importer(const onnx::Model& m, const std::vector<int64_t>& input_shape) : m_(m) {
    net_.opset = m.opset;
    consts_ = m.initializers;
    if (m.inputs.size() != 1) {
      throw NetError("the model has " + std::to_string(m.inputs.size()) +
                     " inputs; one (the image batch) is supported");
    }
    const onnx::ValueInfo& in = m.inputs[0];
    if (in.shape.size() != input_shape.size()) {
      throw NetError("the model's input " + in.name + " is " + std::to_string(in.shape.size()) +
                     "-D " + shape_repr(in.shape) + ", the input given is " +
                     shape_repr(input_shape));
    }
    for (size_t d = 1; d < in.shape.size(); ++d) {
      if (in.shape[d] > 0 && in.shape[d] != input_shape[d]) {
        throw NetError("the model's input " + in.name + " is " + shape_repr(in.shape) +
                       ", the input given is " + shape_repr(input_shape));
      }
    }
    net_.input = in.name;
    net_.input_shape = input_shape;
    shape_[in.name] = input_shape;
    for (const auto& n : m.nodes) {
      for (const auto& i : n.inputs) ++uses_[i];
    }
    for (const auto& o : m.outputs) ++uses_[o.name];
  }

  Network run() {
    for (const Node& n : m_.nodes) node(n);
    for (const auto& o : m_.outputs) {
      const std::string name = resolve(o.name);
      if (!shape_.count(name)) {
        throw NetError("the model's output " + o.name +
                       " is a constant, not computed from the input");
      }
      net_.outputs.push_back(name);
    }
    net_.shapes = shape_;
    return net_;
  }

 private:
  void emit(Op op, std::vector<int64_t> out_shape) {
    shape_[op.output] = std::move(out_shape);
    producer_[op.output] = net_.ops.size();
    net_.ops.push_back(std::move(op));
  }

  void node(const Node& n) {
    const std::string& t = n.op_type;
    if (n.outputs.empty()) refuse(n, "has no output");
    // Constant chains: what computes a constant from constants is folded.
    if (fold(n)) return;
    if (t == "Identity") return alias(n);
    if (t == "Conv") return conv(n);
    if (t == "BatchNormalization") return batch_norm(n);
    if (t == "Relu") return unary(n, OpKind::kRelu, {});
    if (t == "Clip") return clip(n);
    if (t == "MaxPool" || t == "AveragePool") return pool(n);
    if (t == "GlobalAveragePool") return global_pool(n);
    if (t == "Add") return add(n);
    if (t == "Flatten") return flatten(n);
    if (t == "Reshape") return reshape(n);
    if (t == "Concat") return concat(n);
    if (t == "Gemm") return gemm(n);
    if (t == "MatMul") return matmul(n);
    if (t == "Pad") return pad(n);
    refuse(n, "operator " + t +
                  " is not supported (supported: Conv, Gemm, MatMul, "
                  "BatchNormalization, Relu, Clip, MaxPool, AveragePool, "
                  "GlobalAveragePool, Add, Flatten, Reshape, Concat, Identity, Pad "
                  "with zeros, and constant Shape/Gather/Unsqueeze/Squeeze/Cast/"
                  "Concat chains)");
  }

  void alias(const Node& n) {
    only(n, {});
    if (is_const(n.inputs.at(0))) {
      set_const(n.outputs[0], consts_.at(n.inputs[0]));
      return;
    }
    data_shape(n, 0);
    alias_[n.outputs[0]] = resolve(n.inputs[0]);
  }

  void conv(const Node& n) {
    only(n, {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
    const std::vector<int64_t> in = data_shape(n, 0);
    const Tensor& w = constant(n, 1);
    if (w.shape.size() != 4 || in.size() != 4) {
      refuse(n, "only 2-D convolutions are supported (weights " + shape_repr(w.shape) + ")");
    }
    const std::string auto_pad = string_attr(n, "auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID") {
      refuse(n, "attribute auto_pad=" + auto_pad + " is not supported (give explicit pads)");
    }
    const std::vector<int64_t> ks = ints_attr(n, "kernel_shape", {w.shape[2], w.shape[3]});
    if (ks.size() != 2 || ks[0] != w.shape[2] || ks[1] != w.shape[3]) {
      refuse(n, "attribute kernel_shape disagrees with the weights " + shape_repr(w.shape));
    }
    const std::vector<int64_t> st = ints_attr(n, "strides", {1, 1});
    const std::vector<int64_t> pd = ints_attr(n, "pads", {0, 0, 0, 0});
    const std::vector<int64_t> dl = ints_attr(n, "dilations", {1, 1});
    if (st.size() != 2 || pd.size() != 4 || dl.size() != 2) {
      refuse(n, "attributes strides, pads, dilations must be 2, 4, 2 values");
    }
    Op op;
    op.kind = OpKind::kConv;
    op.name = n.name;
    op.inputs = {resolve(n.inputs[0])};
    op.output = n.outputs[0];
    op.weight_shape = w.shape;
    op.weights = floats_of(n, 1);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) op.bias = floats_of(n, 2);
    Conv2d& c = op.conv;
    c.batch = in[0];
    c.channels = in[1];
    c.height = in[2];
    c.width = in[3];
    c.filters = w.shape[0];
    c.kh = w.shape[2];
    c.kw = w.shape[3];
    c.stride_h = st[0];
    c.stride_w = st[1];
    c.pad_top = pd[0];
    c.pad_left = pd[1];
    c.pad_bottom = pd[2];
    c.pad_right = pd[3];
    c.dilation_h = dl[0];
    c.dilation_w = dl[1];
    c.group = int_attr(n, "group", 1);
    if (c.group < 1 || c.channels % c.group != 0 || w.shape[1] * c.group != c.channels) {
      refuse(n, "attribute group=" + std::to_string(c.group) + " does not fit " +
                    std::to_string(c.channels) + " input channels and weights " +
                    shape_repr(w.shape));
    }
    if (!op.bias.empty() && static_cast<int64_t>(op.bias.size()) != c.filters) {
      refuse(n, "bias of " + std::to_string(op.bias.size()) + " for " + std::to_string(c.filters) +
                    " filters");
    }
    try {
      c.validate();
    } catch (const std::invalid_argument& e) {
      refuse(n, e.what());
    }
    emit(std::move(op), {c.batch, c.filters, c.out_height(), c.out_width()});
  }

  void batch_norm(const Node& n) {
    only(n, {"epsilon", "momentum", "training_mode"});
    if (int_attr(n, "training_mode", 0) != 0)
      refuse(n, "attribute training_mode=1 is not supported");
    const std::string src = resolve(n.inputs.at(0));
    const auto p = producer_.find(src);
    if (p == producer_.end() || net_.ops[p->second].kind != OpKind::kConv || uses_[src] != 1) {
      refuse(n,
             "only a BatchNormalization right after a Conv (and its only use) is supported: it "
             "is folded into the convolution");
    }
    Op& conv = net_.ops[p->second];
    const std::vector<float> gamma = floats_of(n, 1), beta = floats_of(n, 2),
                             mean = floats_of(n, 3), var = floats_of(n, 4);
    const float eps = float_attr(n, "epsilon", 1e-5f);
    const int64_t F = conv.conv.filters;
    if (static_cast<int64_t>(gamma.size()) != F || beta.size() != gamma.size() ||
        mean.size() != gamma.size() || var.size() != gamma.size()) {
      refuse(n, "parameters do not have one value per channel of the convolution");
    }
    if (conv.bias.empty()) conv.bias.assign(static_cast<size_t>(F), 0.0f);
    const int64_t per = static_cast<int64_t>(conv.weights.size()) / F;
    for (int64_t f = 0; f < F; ++f) {
      const double k = gamma[f] / std::sqrt(static_cast<double>(var[f]) + eps);
      for (int64_t i = 0; i < per; ++i) {
        float& w = conv.weights[static_cast<size_t>(f * per + i)];
        w = static_cast<float>(w * k);
      }
      conv.bias[f] = static_cast<float>((conv.bias[f] - mean[f]) * k + beta[f]);
    }
    alias_[n.outputs[0]] = src;
  }

  void unary(const Node& n, OpKind kind, std::initializer_list<const char*> attrs) {
    only(n, attrs);
    Op op;
    op.kind = kind;
    op.name = n.name;
    op.inputs = {resolve(n.inputs.at(0))};
    op.output = n.outputs[0];
    emit(std::move(op), data_shape(n, 0));
  }

  void clip(const Node& n) {
    only(n, {});
    float lo = -INFINITY, hi = INFINITY;
    if (n.inputs.size() > 1 && !n.inputs[1].empty()) lo = floats_of(n, 1).at(0);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) hi = floats_of(n, 2).at(0);
    Op op;
    op.kind = OpKind::kClip;
    op.name = n.name;
    op.inputs = {resolve(n.inputs.at(0))};
    op.output = n.outputs[0];
    op.lo = lo;
    op.hi = hi;
    emit(std::move(op), data_shape(n, 0));
  }

  void pool(const Node& n) {
    const bool max = n.op_type == "MaxPool";
    if (max) {
      only(n, {"kernel_shape", "strides", "pads", "dilations", "ceil_mode", "storage_order",
               "auto_pad"});
    } else {
      only(n, {"kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad", "auto_pad"});
    }
    const std::vector<int64_t> in = data_shape(n, 0);
    if (in.size() != 4) refuse(n, "only 2-D pooling is supported");
    if (int_attr(n, "ceil_mode", 0) != 0) refuse(n, "attribute ceil_mode=1 is not supported");
    if (string_attr(n, "auto_pad", "NOTSET") != "NOTSET")
      refuse(n, "attribute auto_pad is not supported");
    const std::vector<int64_t> dl = ints_attr(n, "dilations", {1, 1});
    if (dl != std::vector<int64_t>{1, 1})
      refuse(n, "attribute dilations other than 1 is not supported");
    const std::vector<int64_t> ks = ints_attr(n, "kernel_shape", {});
    const std::vector<int64_t> st = ints_attr(n, "strides", {1, 1});
    const std::vector<int64_t> pd = ints_attr(n, "pads", {0, 0, 0, 0});
    if (ks.size() != 2 || st.size() != 2 || pd.size() != 4) {
      refuse(n, "attributes kernel_shape, strides, pads must be 2, 2, 4 values");
    }
    Op op;
    op.kind = max ? OpKind::kMaxPool : OpKind::kAvgPool;
    op.name = n.name;
    op.inputs = {resolve(n.inputs[0])};
    op.output = n.outputs[0];
    op.pool = Pool{ks[0], ks[1], st[0],
                   st[1], pd[0], pd[1],
                   pd[2], pd[3], int_attr(n, "count_include_pad", 0) != 0};
    const int64_t ho = (in[2] + pd[0] + pd[2] - ks[0]) / st[0] + 1;
    const int64_t wo = (in[3] + pd[1] + pd[3] - ks[1]) / st[1] + 1;
    if (ho < 1 || wo < 1) refuse(n, "the pooling window does not fit the input");
    emit(std::move(op), {in[0], in[1], ho, wo});
  }

  void global_pool(const Node& n) {
    only(n, {});
    const std::vector<int64_t> in = data_shape(n, 0);
    if (in.size() != 4) refuse(n, "only 2-D pooling is supported");
    Op op;
    op.kind = OpKind::kGlobalAvgPool;
    op.name = n.name;
    op.inputs = {resolve(n.inputs[0])};
    op.output = n.outputs[0];
    emit(std::move(op), {in[0], in[1], 1, 1});
  }

  void add(const Node& n) {
    only(n, {});
    // MatMul + Add of a constant is a Linear layer's bias: fold it into the Gemm.
    if (n.inputs.size() == 2 && (is_const(n.inputs[0]) || is_const(n.inputs[1]))) {
      const size_t data = is_const(n.inputs[0]) ? 1 : 0;
      const std::string src = resolve(n.inputs[data]);
      const auto p = producer_.find(src);
      if (p != producer_.end() && net_.ops[p->second].kind == OpKind::kGemm && uses_[src] == 1) {
        Op& g = net_.ops[p->second];
        const std::vector<float> b = floats_of(n, 1 - data);
        const int64_t F = g.weight_shape[0];
        if (g.bias.empty()) g.bias.assign(static_cast<size_t>(F), 0.0f);
        if (static_cast<int64_t>(b.size()) != F && b.size() != 1) {
          refuse(n, "a constant added to a MatMul must have one value per output");
        }
        for (int64_t f = 0; f < F; ++f) g.bias[f] += b[b.size() == 1 ? 0 : f];
        alias_[n.outputs[0]] = src;
        return;
      }
      refuse(n, "adding a constant is supported only as the bias of a MatMul");
    }
    const std::vector<int64_t> a = data_shape(n, 0), b = data_shape(n, 1);
    if (a != b) {
      refuse(n, "inputs of shapes " + shape_repr(a) + " and " + shape_repr(b) +
                    " (broadcasting is not supported)");
    }
    Op op;
    op.kind = OpKind::kAdd;
    op.name = n.name;
    op.inputs = {resolve(n.inputs[0]), resolve(n.inputs[1])};
    op.output = n.outputs[0];
    emit(std::move(op), a);
  }

  void reshape_to(const Node& n, std::vector<int64_t> out) {
    Op op;
    op.kind = OpKind::kFlatten;
    op.name = n.name;
    op.inputs = {resolve(n.inputs.at(0))};
    op.output = n.outputs[0];
    emit(std::move(op), std::move(out));
  }

  void flatten(const Node& n) {
    only(n, {"axis"});
    const std::vector<int64_t> in = data_shape(n, 0);
    int64_t axis = int_attr(n, "axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(in.size());
    reshape_to(n,
               {product(in, 0, static_cast<size_t>(axis)), product(in, static_cast<size_t>(axis))});
  }

  void reshape(const Node& n) {
    only(n, {"allowzero"});
    const std::vector<int64_t> in = data_shape(n, 0);
    if (n.inputs.size() < 2 || !is_const(n.inputs[1])) {
      refuse(n,
             "the target shape is not a constant (it could not be folded from the exporter's "
             "Shape chain)");
    }
    std::vector<int64_t> s = ints_of(n, 1);
    int64_t known = 1, infer = -1;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] == 0 && int_attr(n, "allowzero", 0) == 0) s[d] = d < in.size() ? in[d] : 0;
      if (s[d] == -1) {
        if (infer >= 0) refuse(n, "target shape has two -1");
        infer = static_cast<int64_t>(d);
      } else {
        known *= s[d];
      }
    }
    if (infer >= 0) s[static_cast<size_t>(infer)] = known == 0 ? 0 : product(in) / known;
    if (product(s) != product(in)) {
      refuse(n, "cannot reshape " + shape_repr(in) + " to " + shape_repr(s));
    }
    if (s.empty() || s[0] != in[0]) refuse(n, "a reshape across the batch axis is not supported");
    reshape_to(n, s);
  }

  void concat(const Node& n) {
    only(n, {"axis"});
    std::vector<int64_t> out = data_shape(n, 0);
    int64_t axis = int_attr(n, "axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(out.size());
    if (axis < 1 || axis >= static_cast<int64_t>(out.size())) {
      refuse(n, "attribute axis=" + std::to_string(axis) + " is not supported (not the batch)");
    }
    Op op;
    op.kind = OpKind::kConcat;
    op.name = n.name;
    op.output = n.outputs[0];
    op.axis = axis;
    out[static_cast<size_t>(axis)] = 0;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const std::vector<int64_t> s = data_shape(n, i);
      for (size_t d = 0; d < s.size(); ++d) {
        if (d != static_cast<size_t>(axis) && s[d] != data_shape(n, 0)[d]) {
          refuse(n, "inputs differ off the concatenation axis");
        }
      }
      out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
      op.inputs.push_back(resolve(n.inputs[i]));
    }
    emit(std::move(op), out);
  }

  // y = alpha x W^T + beta b, with W given as (F, K) (transB = 1, as PyTorch exports Linear) or
  // (K, F).
  void gemm_from(const Node& n, const std::vector<float>& w, const std::vector<int64_t>& ws,
                 bool trans_b, float alpha, std::vector<float> bias) {
    const std::vector<int64_t> in = data_shape(n, 0);
    if (in.size() != 2 || ws.size() != 2) refuse(n, "only 2-D products are supported");
    const int64_t F = trans_b ? ws[0] : ws[1], K = trans_b ? ws[1] : ws[0];
    if (in[1] != K)
      refuse(n, "input " + shape_repr(in) + " does not fit weights " + shape_repr(ws));
    Op op;
    op.kind = OpKind::kGemm;
    op.name = n.name;
    op.inputs = {resolve(n.inputs[0])};
    op.output = n.outputs[0];
    op.weight_shape = {F, K};
    op.weights.resize(static_cast<size_t>(F * K));
    for (int64_t f = 0; f < F; ++f) {
      for (int64_t k = 0; k < K; ++k) {
        op.weights[static_cast<size_t>(f * K + k)] =
            alpha * w[static_cast<size_t>(trans_b ? f * K + k : k * F + f)];
      }
    }
    if (!bias.empty() && static_cast<int64_t>(bias.size()) != F) {
      if (bias.size() != 1) refuse(n, "bias does not have one value per output");
      bias.assign(static_cast<size_t>(F), bias[0]);
    }
    op.bias = std::move(bias);
    emit(std::move(op), {in[0], F});
  }

  void gemm(const Node& n) {
    only(n, {"alpha", "beta", "transA", "transB"});
    if (int_attr(n, "transA", 0) != 0) refuse(n, "attribute transA=1 is not supported");
    const float alpha = float_attr(n, "alpha", 1.0f), beta = float_attr(n, "beta", 1.0f);
    std::vector<float> bias;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      bias = floats_of(n, 2);
      for (float& b : bias) b *= beta;
    }
    gemm_from(n, floats_of(n, 1), constant(n, 1).shape, int_attr(n, "transB", 0) != 0, alpha,
              std::move(bias));
  }

  // Zero padding of the spatial axes (torch exports one before an AveragePool that counts
  // padding): codes of 0 are the value 0, so it is exact in integers too.
  void pad(const Node& n) {
    only(n, {"mode"});
    if (string_attr(n, "mode", "constant") != "constant") {
      refuse(n,
             "attribute mode=" + string_attr(n, "mode", "") + " is not supported (constant only)");
    }
    const std::vector<int64_t> in = data_shape(n, 0);
    const std::vector<int64_t> p = ints_of(n, 1);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      for (float v : floats_of(n, 2)) {
        if (v != 0) refuse(n, "padding with a value other than 0 is not supported");
      }
    }
    if (in.size() != 4 || p.size() != 8 || p[0] || p[1] || p[4] || p[5]) {
      refuse(n, "only padding of the two spatial axes of an (N, C, H, W) tensor is supported");
    }
    if (std::any_of(p.begin(), p.end(), [](int64_t v) { return v < 0; })) {
      refuse(n, "negative padding (cropping) is not supported");
    }
    if (std::all_of(p.begin(), p.end(), [](int64_t v) { return v == 0; })) {
      alias_[n.outputs[0]] = resolve(n.inputs[0]);
      return;
    }
    Op op;
    op.kind = OpKind::kPad;
    op.name = n.name;
    op.inputs = {resolve(n.inputs[0])};
    op.output = n.outputs[0];
    op.pool.pad_top = p[2];
    op.pool.pad_left = p[3];
    op.pool.pad_bottom = p[6];
    op.pool.pad_right = p[7];
    emit(std::move(op), {in[0], in[1], in[2] + p[2] + p[6], in[3] + p[3] + p[7]});
  }

  void matmul(const Node& n) {
    only(n, {});
    gemm_from(n, floats_of(n, 1), constant(n, 1).shape, false, 1.0f, {});
  }

  const onnx::Model& m_;
  Network net_;
  std::map<std::string, size_t> producer_;
  std::map<std::string, int> uses_;
};

}  // namespace

Network import_network(const onnx::Model& model, const std::vector<int64_t>& input_shape) {
  return Importer(model, input_shape).run();
}

}  // namespace swis::net
