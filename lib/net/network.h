// A network as this project runs it: the operators of an ONNX model (lib/formats/onnx_model.h)
// after import, with BatchNormalization folded into the convolution before it, the constant
// chains the exporter leaves (Shape, Gather, Unsqueeze, Concat of constants before a Reshape)
// folded, every shape known for the given input, and everything else refused in one line naming
// the node, the operator and the attribute.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/formats/onnx_model.h"
#include "lib/mapping/conv2d.h"

namespace swis::net {

// A model this project cannot run, or an input it does not fit. One line.
class NetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class OpKind {
  kConv,           // Conv (grouped and depthwise too), with a folded BatchNormalization
  kGemm,           // Gemm, or MatMul with a constant right side: y = x W^T + b
  kRelu,           // Relu
  kClip,           // Clip (ReLU6 and the like)
  kMaxPool,        // MaxPool
  kAvgPool,        // AveragePool
  kGlobalAvgPool,  // GlobalAveragePool
  kAdd,            // Add of two tensors of one shape (residual)
  kFlatten,        // Flatten, Reshape, Identity: the same values in a new shape
  kConcat,         // Concat along an axis
  kPad,            // Pad with zeros (constant mode) on the spatial axes
};

const char* op_name(OpKind k);

struct Pool {
  int64_t kh = 1, kw = 1, stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool count_include_pad = false;  // AveragePool: padding counted in the divisor
};

struct Op {
  OpKind kind = OpKind::kFlatten;
  std::string name;                 // the ONNX node's name (the first one's, for fused nodes)
  std::vector<std::string> inputs;  // tensor names: data inputs only (weights are below)
  std::string output;
  // Conv and Gemm: float weights (F, C / group, kh, kw) or (F, K), bias (F) or empty.
  std::vector<int64_t> weight_shape;
  std::vector<float> weights;
  std::vector<float> bias;
  Conv2d conv;  // kConv: the geometry for this network's input
  // kClip: the range; kRelu is [0, +inf).
  float lo = 0, hi = 0;
  Pool pool;         // kMaxPool, kAvgPool; kPad: its pad_* fields
  int64_t axis = 1;  // kConcat
};

struct Network {
  std::string input;                 // the one graph input
  std::vector<int64_t> input_shape;  // (N, C, H, W) or (N, K)
  std::vector<std::string> outputs;
  std::vector<Op> ops;                                 // in execution order
  std::map<std::string, std::vector<int64_t>> shapes;  // every tensor's shape
  int64_t opset = 0;
};

// Imports `model` for an input of `input_shape`. Throws NetError naming the node, the operator
// and the attribute for what is not supported.
Network import_network(const onnx::Model& model, const std::vector<int64_t>& input_shape);

}  // namespace swis::net
