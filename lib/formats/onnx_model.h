// ONNX model reader: a model as torch.onnx.export writes it (opsets 11 to 17), read with the ONNX
// library into plain C++ types, so that nothing past this header sees a protobuf type.
//
// The reader refuses rather than guesses: subgraphs (If, Loop, Scan), operators outside the
// default domain, sparse tensors, external data and element types that do not convert exactly
// are each reported as one OnnxError line naming the file and the node, attribute or tensor.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace swis::onnx {

class OnnxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor's values, in C order. Integer element types (int8 to int64, uint8 to uint64, bool)
// become kInt64, floating ones (float16, bfloat16, float, double) kFloat; see read_onnx.
struct Tensor {
  enum class Type { kFloat, kInt64 };
  Type type = Type::kFloat;
  std::vector<int64_t> shape;  // empty for a scalar
  std::vector<float> f;        // kFloat: size() values; empty otherwise
  std::vector<int64_t> i;      // kInt64: size() values; empty otherwise

  // The element count the shape gives (1 for a scalar); the reader checks that the data has it.
  int64_t size() const;
};

struct Attribute {
  enum class Kind { kInt, kFloat, kInts, kFloats, kString, kTensor };
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::string s;  // kString: the bytes as stored (ONNX strings are bytes, usually UTF-8)
  Tensor t;
};

struct Node {
  std::string name, op_type, domain;  // domain: "" or "ai.onnx", the only ones read
  // An empty input name is an omitted optional input (Clip without min): kept as "" so that the
  // positions of the inputs after it stay right.
  std::vector<std::string> inputs, outputs;
  std::map<std::string, Attribute> attrs;
};

struct ValueInfo {
  std::string name;
  int32_t elem_type = 0;       // ONNX's TensorProto.DataType: 1 float, 7 int64, ...
  std::vector<int64_t> shape;  // -1 for a dimension without a value (symbolic, as "batch")
};

struct Model {
  int64_t opset = 0;        // the default domain's
  std::string producer;     // producer_name and, when present, " " + producer_version
  std::vector<Node> nodes;  // in the file's order, which ONNX requires to be topological
  std::map<std::string, Tensor> initializers;
  std::vector<ValueInfo> inputs;  // graph inputs that are not initializers
  std::vector<ValueInfo> outputs;
};

// Reads and checks a whole model file. Throws OnnxError with one line: "<path>: <problem>".
Model read_onnx(const std::string& path);
// The same from memory; `name_for_errors` stands in for the path in messages.
Model parse_onnx(const std::vector<uint8_t>& bytes, const std::string& name_for_errors);

// "node 'name' (Op)" for messages; "node with output 'y' (Op)" when the node has no name. Bytes
// that would break the message's one line (newlines, control and non-ASCII bytes) show as \xNN.
std::string describe(const Node& node);

}  // namespace swis::onnx
