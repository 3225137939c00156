// The ONNX operator names of the kinds of lib/net/network.h, for reports.
#include "lib/net/network.h"

namespace swis::net {

const char* op_name(OpKind k) {
  switch (k) {
    case OpKind::kConv:
      return "Conv";
    case OpKind::kGemm:
      return "Gemm";
    case OpKind::kRelu:
      return "Relu";
    case OpKind::kClip:
      return "Clip";
    case OpKind::kMaxPool:
      return "MaxPool";
    case OpKind::kAvgPool:
      return "AveragePool";
    case OpKind::kGlobalAvgPool:
      return "GlobalAveragePool";
    case OpKind::kAdd:
      return "Add";
    case OpKind::kFlatten:
      return "Reshape";
    case OpKind::kConcat:
      return "Concat";
    case OpKind::kPad:
      return "Pad";
  }
  return "?";
}

}  // namespace swis::net
