#include "lib/mapping/conv2d.h"

#include <stdexcept>

namespace swis {

void Conv2d::validate() const {
  const auto fail = [](const std::string& what) { throw std::invalid_argument(what); };
  if (batch < 1 || channels < 1 || height < 1 || width < 1 || filters < 1 || kh < 1 || kw < 1) {
    fail("convolution has an empty dimension");
  }
  if (group < 1 || channels % group != 0 || filters % group != 0) {
    fail("group " + std::to_string(group) + " does not divide " + std::to_string(channels) +
         " channels and " + std::to_string(filters) + " filters");
  }
  if (stride_h < 1 || stride_w < 1) fail("stride must be at least 1");
  if (dilation_h < 1 || dilation_w < 1) fail("dilation must be at least 1");
  if (pad_top < 0 || pad_left < 0 || pad_bottom < 0 || pad_right < 0) {
    fail("padding must be at least 0");
  }
  if (height + pad_top + pad_bottom < dilation_h * (kh - 1) + 1 ||
      width + pad_left + pad_right < dilation_w * (kw - 1) + 1) {
    fail("the " + std::to_string(kh) + "x" + std::to_string(kw) +
         " kernel does not fit the padded input");
  }
}

}  // namespace swis
