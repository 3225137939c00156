// Both operands of one layer laid out for the array: the weights as their packed form decodes
// them, the activations in the same group order (im2col for a convolution, rows for a 2-D
// layer), and the activations' own values in that order for comparing outputs with the float
// layer.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/common/layer_shape.h"
#include "lib/compiler/packed.h"
#include "lib/mapping/activations.h"
#include "lib/mapping/array_program.h"
#include "lib/mapping/conv.h"

namespace swis {

struct LayerOperands {
  GemmOperands ops;                // rows, activation codes and format, weights
  std::vector<double> act_values;  // activations in their own units, ops.act's order
  GemmShape gemm;
};

// `conv` is the layer's geometry for 4-D weights, nullptr for a 2-D (F, K) layer whose
// activations are (P, K) = `act_shape`. The shapes must have passed check_acts_fit.
LayerOperands layer_operands(const PackedLayer& packed, const ActCodes& acts,
                             const std::vector<int64_t>& act_shape, const ConvShape* conv);

}  // namespace swis
