// The network in float: the reference every integer result is compared with, and what
// calibration measures. Plain loops over the operators of lib/net/network.h (double accumulation).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/net/network.h"

namespace swis::net {

// Every tensor of the network (C order, shapes as Network::shapes) for one input.
using Tensors = std::map<std::string, std::vector<float>>;

Tensors run_float(const Network& net, const std::vector<float>& input);

// Zero padding of an (N, C, H, W) tensor to `out` (kPad), for floats and codes alike.
template <class T>
std::vector<T> pad_zeros(const std::vector<T>& x, const std::vector<int64_t>& in,
                         const std::vector<int64_t>& out, const Pool& p);

}  // namespace swis::net
