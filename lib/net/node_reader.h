// Private to lib/net: what the importer of network.cpp and the constant folding of fold.cpp
// share: the constants and shapes known so far, ONNX attribute access, and one-line refusals.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "lib/formats/onnx_model.h"
#include "lib/net/network.h"

namespace swis::net::detail {

using onnx::Attribute;
using onnx::Node;
using onnx::Tensor;

inline int64_t product(const std::vector<int64_t>& s, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t p = 1;
  const size_t end = std::min(to, s.size());
  for (size_t i = from; i < end; ++i) p *= s[i];
  return p;
}

class NodeReader {
 public:
  [[noreturn]] void refuse(const Node& n, const std::string& what) const {
    throw NetError(onnx::describe(n) + ": " + what);
  }

  // Attributes the importer understands for `n`; any other is refused by name.
  void only(const Node& n, std::initializer_list<const char*> known) const {
    for (const auto& [name, a] : n.attrs) {
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return name == k; })) {
        refuse(n, "attribute " + name + " is not supported");
      }
    }
  }
  int64_t int_attr(const Node& n, const char* k, int64_t fallback) const {
    const auto it = n.attrs.find(k);
    if (it == n.attrs.end()) return fallback;
    if (it->second.kind != Attribute::Kind::kInt)
      refuse(n, std::string("attribute ") + k + " is not an int");
    return it->second.i;
  }
  float float_attr(const Node& n, const char* k, float fallback) const {
    const auto it = n.attrs.find(k);
    if (it == n.attrs.end()) return fallback;
    if (it->second.kind != Attribute::Kind::kFloat)
      refuse(n, std::string("attribute ") + k + " is not a float");
    return it->second.f;
  }
  std::vector<int64_t> ints_attr(const Node& n, const char* k,
                                 std::vector<int64_t> fallback) const {
    const auto it = n.attrs.find(k);
    if (it == n.attrs.end()) return fallback;
    if (it->second.kind != Attribute::Kind::kInts)
      refuse(n, std::string("attribute ") + k + " is not a list of ints");
    return it->second.ints;
  }
  std::string string_attr(const Node& n, const char* k, std::string fallback) const {
    const auto it = n.attrs.find(k);
    return it == n.attrs.end() ? fallback : it->second.s;
  }

  // A tensor produced by an operator of this network (through any aliases).
  std::string resolve(const std::string& name) const {
    const auto it = alias_.find(name);
    return it == alias_.end() ? name : resolve(it->second);
  }
  bool is_const(const std::string& name) const { return consts_.count(name) > 0; }
  const Tensor& constant(const Node& n, size_t i) const {
    if (i >= n.inputs.size() || n.inputs[i].empty() || !is_const(n.inputs[i])) {
      refuse(n, "input " + std::to_string(i) + " must be a constant (an initializer)");
    }
    return consts_.at(n.inputs[i]);
  }
  std::vector<float> floats_of(const Node& n, size_t i) const {
    const Tensor& t = constant(n, i);
    if (t.type == Tensor::Type::kFloat) return t.f;
    return std::vector<float>(t.i.begin(), t.i.end());
  }
  std::vector<int64_t> ints_of(const Node& n, size_t i) const {
    const Tensor& t = constant(n, i);
    if (t.type == Tensor::Type::kInt64) return t.i;
    std::vector<int64_t> v;
    for (float x : t.f) v.push_back(static_cast<int64_t>(x));
    return v;
  }
  const std::vector<int64_t>& data_shape(const Node& n, size_t i) {
    if (i >= n.inputs.size() || n.inputs[i].empty())
      refuse(n, "missing input " + std::to_string(i));
    const std::string name = resolve(n.inputs[i]);
    const auto it = shape_.find(name);
    if (it == shape_.end()) {
      refuse(n, "input " + n.inputs[i] + " is " +
                    (is_const(n.inputs[i]) ? "a constant" : "unknown") +
                    " where a computed tensor is expected");
    }
    return it->second;
  }
  void set_const(const std::string& name, Tensor t) { consts_[name] = std::move(t); }

  // Folds `n` when it computes a constant (Constant, Shape, and Gather, Unsqueeze, Squeeze, Cast,
  // ConstantOfShape, Slice, Transpose, Concat, Reshape of constants); false when it is an
  // operator of the network. fold.cpp.
  bool fold(const Node& n);

 protected:
  std::map<std::string, Tensor> consts_;
  std::map<std::string, std::vector<int64_t>> shape_;
  std::map<std::string, std::string> alias_;

 private:
  bool all_const(const Node& n) const;
  void constant_node(const Node& n);
  void shape_node(const Node& n);
  void fold_node(const Node& n);
  // Constants the exporter computes pads and shapes with: the result of ConstantOfShape, Slice,
  // Transpose and Reshape on constants.
  Tensor fold_layout(const Node& n) const;
};

}  // namespace swis::net::detail
