// The built-in layer of `make sim` and the SystemC bench: a ResNet-18-shaped 3 x 3 convolution,
// 64 -> 64 channels on a 14 x 14 input (pad 1), with deterministic synthetic weights and
// activations (builtin_layer.cpp says how they are drawn), and the request both run it with.
#pragma once

#include "lib/flow/layer_run.h"
#include "lib/formats/npy.h"

namespace swis {

npy::Array default_weights();
npy::Array default_acts();

// M = 4, double-shift tiles scheduled to an average of 3 shifts with mse++, stride 1, pad 1.
LayerRequest builtin_request();

}  // namespace swis
