#include "lib/common/layer_shape.h"

#include <stdexcept>

namespace swis {

void ConvShape::validate() const {
  if (stride < 1)
    throw std::invalid_argument("stride must be at least 1, got " + std::to_string(stride));
  if (pad < 0)
    throw std::invalid_argument("padding must be at least 0, got " + std::to_string(pad));
  if (channels < 1 || height < 1 || width < 1 || filters < 1 || kh < 1 || kw < 1) {
    throw std::invalid_argument("convolution has an empty dimension");
  }
  if (kh > height + 2 * pad || kw > width + 2 * pad) {
    throw std::invalid_argument("kernel " + std::to_string(kh) + "x" + std::to_string(kw) +
                                " is larger than the padded input " +
                                std::to_string(height + 2 * pad) + "x" +
                                std::to_string(width + 2 * pad));
  }
}

std::string shape_repr(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace swis
