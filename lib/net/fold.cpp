// Constant folding of the chains torch.onnx.export leaves around Reshape and Pad.
#include <algorithm>
#include <numeric>

#include "lib/net/node_reader.h"

namespace swis::net::detail {

bool NodeReader::fold(const Node& n) {
  const std::string& t = n.op_type;
  if (t == "Constant") {
    constant_node(n);
    return true;
  }
  if (t == "Shape") {
    shape_node(n);
    return true;
  }
  if (t == "Gather" || t == "Unsqueeze" || t == "Squeeze" || t == "Cast" ||
      t == "ConstantOfShape" || t == "Slice" || t == "Transpose" ||
      ((t == "Concat" || t == "Reshape") && all_const(n))) {
    fold_node(n);
    return true;
  }
  return false;
}

bool NodeReader::all_const(const Node& n) const {
  return std::all_of(n.inputs.begin(), n.inputs.end(),
                     [this](const std::string& i) { return i.empty() || is_const(i); });
}

void NodeReader::constant_node(const Node& n) {
  only(n, {"value", "value_float", "value_floats", "value_int", "value_ints"});
  Tensor v;
  const auto it = n.attrs.begin();
  if (it == n.attrs.end()) refuse(n, "has no value");
  const Attribute& a = it->second;
  if (it->first == "value") {
    v = a.t;
  } else if (it->first == "value_float") {
    v.type = Tensor::Type::kFloat;
    v.f = {a.f};
  } else if (it->first == "value_floats") {
    v.type = Tensor::Type::kFloat;
    v.f = a.floats;
    v.shape = {static_cast<int64_t>(a.floats.size())};
  } else if (it->first == "value_int") {
    v.type = Tensor::Type::kInt64;
    v.i = {a.i};
  } else {
    v.type = Tensor::Type::kInt64;
    v.i = a.ints;
    v.shape = {static_cast<int64_t>(a.ints.size())};
  }
  set_const(n.outputs[0], v);
}

void NodeReader::shape_node(const Node& n) {
  only(n, {"start", "end"});
  const std::vector<int64_t> s = data_shape(n, 0);
  const int64_t r = static_cast<int64_t>(s.size());
  int64_t start = int_attr(n, "start", 0), end = int_attr(n, "end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  Tensor v;
  v.type = Tensor::Type::kInt64;
  v.i.assign(s.begin() + start, s.begin() + end);
  v.shape = {end - start};
  set_const(n.outputs[0], v);
}

void NodeReader::fold_node(const Node& n) {
  if (!all_const(n)) {
    refuse(n, "operator " + n.op_type +
                  " on computed tensors is not supported (only constant "
                  "shape arithmetic is folded)");
  }
  const std::string& t = n.op_type;
  Tensor out;
  if (t == "ConstantOfShape" || t == "Slice" || t == "Transpose" || t == "Reshape") {
    return set_const(n.outputs[0], fold_layout(n));
  }
  if (t == "Cast") {
    only(n, {"to"});
    const Tensor& in = constant(n, 0);
    const int64_t to = int_attr(n, "to", 1);
    out.shape = in.shape;
    if (to == 7 || to == 6) {  // INT64, INT32
      out.type = Tensor::Type::kInt64;
      out.i = ints_of(n, 0);
    } else if (to == 1 || to == 11) {  // FLOAT, DOUBLE
      out.type = Tensor::Type::kFloat;
      out.f = floats_of(n, 0);
    } else {
      refuse(n, "attribute to=" + std::to_string(to) + " is not supported");
    }
  } else if (t == "Gather") {
    only(n, {"axis"});
    const Tensor& data = constant(n, 0);
    const std::vector<int64_t> idx = ints_of(n, 1);
    if (int_attr(n, "axis", 0) != 0 || data.shape.size() > 1) {
      refuse(n, "only a Gather along axis 0 of a 1-D constant is folded");
    }
    out.type = data.type;
    const int64_t len = data.size();
    for (int64_t i : idx) {
      const int64_t k = i < 0 ? i + len : i;
      if (k < 0 || k >= len) refuse(n, "index " + std::to_string(i) + " out of range");
      if (data.type == Tensor::Type::kInt64) {
        out.i.push_back(data.i[static_cast<size_t>(k)]);
      } else {
        out.f.push_back(data.f[static_cast<size_t>(k)]);
      }
    }
    const Tensor& it = constant(n, 1);
    out.shape = it.shape;  // a scalar index gives a scalar
  } else if (t == "Unsqueeze" || t == "Squeeze") {
    only(n, {"axes"});
    out = constant(n, 0);
    std::vector<int64_t> axes = ints_attr(n, "axes", {});
    if (n.inputs.size() > 1 && !n.inputs[1].empty()) axes = ints_of(n, 1);
    if (t == "Unsqueeze") {
      const int64_t r = static_cast<int64_t>(out.shape.size() + axes.size());
      std::vector<int64_t> s;
      size_t k = 0;
      for (int64_t d = 0; d < r; ++d) {
        const bool here = std::any_of(axes.begin(), axes.end(),
                                      [&](int64_t a) { return (a < 0 ? a + r : a) == d; });
        s.push_back(here ? 1 : out.shape[k++]);
      }
      out.shape = s;
    } else {
      std::vector<int64_t> s;
      for (size_t d = 0; d < out.shape.size(); ++d) {
        const bool drop = axes.empty()
                              ? out.shape[d] == 1
                              : std::any_of(axes.begin(), axes.end(), [&](int64_t a) {
                                  return (a < 0 ? a + static_cast<int64_t>(out.shape.size()) : a) ==
                                         static_cast<int64_t>(d);
                                });
        if (!drop) s.push_back(out.shape[d]);
      }
      out.shape = s;
    }
  } else {  // Concat of constants
    only(n, {"axis"});
    out.type = Tensor::Type::kInt64;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const Tensor& c = constant(n, i);
      if (c.shape.size() > 1) refuse(n, "only 1-D constants are concatenated");
      if (c.type == Tensor::Type::kInt64) {
        out.i.insert(out.i.end(), c.i.begin(), c.i.end());
      } else {
        out.type = Tensor::Type::kFloat;
        out.f.insert(out.f.end(), c.f.begin(), c.f.end());
      }
    }
    if (out.type == Tensor::Type::kFloat && !out.i.empty()) refuse(n, "mixes int and float");
    out.shape = {out.type == Tensor::Type::kInt64 ? static_cast<int64_t>(out.i.size())
                                                  : static_cast<int64_t>(out.f.size())};
  }
  set_const(n.outputs[0], out);
}

Tensor NodeReader::fold_layout(const Node& n) const {
  const std::string& t = n.op_type;
  if (t == "ConstantOfShape") {
    only(n, {"value"});
    Tensor v;
    v.shape = ints_of(n, 0);
    const auto it = n.attrs.find("value");
    const int64_t count = product(v.shape);
    if (it == n.attrs.end() || it->second.t.type == Tensor::Type::kFloat) {
      v.type = Tensor::Type::kFloat;
      v.f.assign(static_cast<size_t>(count), it == n.attrs.end() ? 0.0f : it->second.t.f.at(0));
    } else {
      v.type = Tensor::Type::kInt64;
      v.i.assign(static_cast<size_t>(count), it->second.t.i.at(0));
    }
    return v;
  }
  const Tensor& in = constant(n, 0);
  const std::vector<int64_t>& s = in.shape;
  const int64_t rank = static_cast<int64_t>(s.size());
  // Row-major strides of the input.
  std::vector<int64_t> stride(s.size(), 1);
  for (int64_t d = rank - 2; d >= 0; --d) stride[d] = stride[d + 1] * s[d + 1];
  std::vector<int64_t> shape, from;  // the result's shape and, per element, its source
  if (t == "Reshape") {
    only(n, {"allowzero"});
    shape = ints_of(n, 1);
    int64_t known = 1, infer = -1;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 0) shape[d] = d < s.size() ? s[d] : 0;
      if (shape[d] == -1) {
        infer = static_cast<int64_t>(d);
      } else {
        known *= shape[d];
      }
    }
    if (infer >= 0) shape[static_cast<size_t>(infer)] = known ? in.size() / known : 0;
    if (product(shape) != in.size()) refuse(n, "cannot reshape the constant");
    from.resize(static_cast<size_t>(in.size()));
    std::iota(from.begin(), from.end(), 0);
  } else if (t == "Transpose") {
    only(n, {"perm"});
    std::vector<int64_t> perm = ints_attr(n, "perm", {});
    if (perm.empty()) {
      for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
    }
    for (int64_t d : perm) shape.push_back(s.at(static_cast<size_t>(d)));
    std::vector<int64_t> idx(s.size(), 0);
    for (int64_t k = 0; k < in.size(); ++k) {
      int64_t src = 0;
      for (size_t d = 0; d < perm.size(); ++d) src += idx[d] * stride[perm[d]];
      from.push_back(src);
      for (int64_t d = rank - 1; d >= 0 && ++idx[d] == shape[d]; --d) idx[d] = 0;
    }
  } else {  // Slice
    only(n, {});
    const std::vector<int64_t> starts = ints_of(n, 1), ends = ints_of(n, 2);
    std::vector<int64_t> axes, steps(starts.size(), 1);
    if (n.inputs.size() > 3 && !n.inputs[3].empty()) {
      axes = ints_of(n, 3);
    } else {
      for (size_t d = 0; d < starts.size(); ++d) axes.push_back(static_cast<int64_t>(d));
    }
    if (n.inputs.size() > 4 && !n.inputs[4].empty()) steps = ints_of(n, 4);
    std::vector<int64_t> lo(s.size(), 0), step(s.size(), 1);
    shape = s;
    for (size_t k = 0; k < axes.size(); ++k) {
      const int64_t d = axes[k] < 0 ? axes[k] + rank : axes[k];
      const int64_t dim = s.at(static_cast<size_t>(d)), st = steps.at(k);
      if (st == 0) refuse(n, "a step of 0");
      const auto clampi = [&](int64_t v, bool end) {
        if (v < 0) v += dim;
        return st > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
        (void)end;
      };
      const int64_t b = clampi(starts[k], false), e = clampi(ends[k], true);
      const int64_t len = st > 0 ? std::max<int64_t>(0, (e - b + st - 1) / st)
                                 : std::max<int64_t>(0, (b - e - st - 1) / -st);
      lo[static_cast<size_t>(d)] = b;
      step[static_cast<size_t>(d)] = st;
      shape[static_cast<size_t>(d)] = len;
    }
    std::vector<int64_t> idx(s.size(), 0);
    for (int64_t k = 0; k < product(shape); ++k) {
      int64_t src = 0;
      for (size_t d = 0; d < s.size(); ++d) src += (lo[d] + idx[d] * step[d]) * stride[d];
      from.push_back(src);
      for (int64_t d = rank - 1; d >= 0 && ++idx[d] == shape[d]; --d) idx[d] = 0;
    }
  }
  Tensor v;
  v.type = in.type;
  v.shape = shape;
  for (int64_t k : from) {
    if (in.type == Tensor::Type::kInt64) {
      v.i.push_back(in.i.at(static_cast<size_t>(k)));
    } else {
      v.f.push_back(in.f.at(static_cast<size_t>(k)));
    }
  }
  return v;
}

}  // namespace swis::net::detail
