#include "lib/mapping/conv.h"

#include <stdexcept>
#include <string>

namespace swis {

GemmShape gemm_shape(const ConvShape& conv, int M) {
  GemmShape g;
  g.rows = conv.out_height() * conv.out_width();
  g.groups = conv.kh * conv.kw * ((conv.channels + M - 1) / M);
  g.filters = conv.filters;
  g.macs = g.rows * conv.filters * conv.channels * conv.kh * conv.kw;
  return g;
}

}  // namespace swis
