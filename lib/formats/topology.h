// Network topologies in SCALE-Sim's CSV format: the reader. What the array makes of them is
// lib/mapping/network.h.
//
// Two layouts, told apart by the header line (topologies/README.md has the details):
//   convolution  Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,
//                Num Filter, Strides,
//   GEMM         Layer, M, N, K,   (SCALE-Sim v2's mnk input: an M x K by K x N product, so
//                P = M output rows, K the reduction, F = N filters)
// IFMAP sizes include the padding (there is no pad column): P = Ho * Wo with
// Ho = (H - kh) / stride + 1 rounded down. A convolution whose name contains "DP" is
// depthwise, as SCALE-Sim v2 reads it: Channels independent one-channel convolutions of
// Num Filter filters each.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/common/layer_shape.h"

namespace swis {

// A malformed topology file. The message is one line, "FILE:LINE: what is wrong".
class TopologyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TopologyLayer {
  std::string name;
  int line = 0;                 // 1-based line of the file
  bool is_gemm = false;         // a `Layer, M, N, K` row
  bool depthwise = false;       // a convolution named *DP*: `instances` one-channel convolutions
  ConvShape conv;               // convolution rows; for depthwise ones a single channel (pad 0)
  int64_t m = 0, n = 0, k = 0;  // GEMM rows, as written
  int64_t instances = 1;        // independent GEMMs of the same shape (depthwise: Channels)

  // Real weights of one filter (the weight each filter's N carries in the average).
  int64_t weights_per_filter() const;
  int64_t macs() const;  // all instances
};

struct Topology {
  std::string path;
  bool gemm_layout = false;
  std::vector<TopologyLayer> layers;
  int64_t macs() const;
};

// Tolerates spaces and tabs around fields, trailing commas, CRLF, blank lines, a UTF-8 BOM and
// `#` comments (SCALE-Sim's own files end some rows with `,#dw`). Throws TopologyError naming
// `path` and the line for anything else.
Topology parse_topology(const std::string& text, const std::string& path);
Topology read_topology(const std::string& path);

}  // namespace swis
