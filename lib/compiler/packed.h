// The packed SWIS weight format: what a SWIS accelerator stores and streams, bit-exact.
//
// Version 1 layout, integers little-endian:
//   offset  bytes   field
//   0       8       magic "SWISPACK"
//   8       2       version (1)
//   10      1       method: 0 swis, 1 swis-c, 2 trunc
//   11      1       group size M (1..16)
//   12      1       rank of the weight shape (2 or 4)
//   13      1       trunc: lowest bit of the layer's window; otherwise 0
//   14      2       tile width C: filters that run side by side and share one N
//   16      8       scale (IEEE-754 double): dequantized weight = q * scale
//   24      8*rank  shape (int64): (F, K) or (F, C, kh, kw)
//   ...     4       tile count T = ceil(F / C)
//   ...     T       N of each tile (uint8, 1..8)
//   ...     4*F     execution order (uint32): filter at position p; tile t is positions
//                   [tC, tC + C)
//   ...             group stream: filters in execution order, each filter's G groups in
//                   group order (lib/compiler/quantize.h), each group:
//                     M sign bits (bit i: weight i negative)
//                     swis:   N shift positions, 3 bits each, ascending
//                     swis-c: the lowest shift position, 3 bits
//                     trunc:  nothing (the header holds the window)
//                     N x M mask bits: for shift j (ascending), bit i = bit s_j of |q_i|
//                   packed LSB first into bytes; the stream is zero-padded to a whole byte.
//   The file ends there: its length is exactly what the header implies.
//
// Version 2, for hardware: one sequential read of a tile's bytes feeds all C columns of the array
// at one token per column per step (version 1 keeps a tile's filters G groups apart). The header
// is version 1's with version 2; then zero bytes up to an 8-byte boundary of the file. Each tile
// starts on an 8-byte boundary (zero bytes pad the tile before); within it, per group g (group
// order) one record of the tile's C columns (column c: the filter at position tC + c; the
// columns past F in the last tile are padding: every bit 0), bits LSB first:
//     C x M sign bits          column c's sign i at bit c*M + i
//     swis:   N x C shifts     shift k (ascending) of column c: 3 bits at 3*(k*C + c)
//     swis-c: C offsets        column c's lowest shift: 3 bits at 3*c
//     trunc:  nothing
//     N x C x M mask bits      mask k of column c: bit i at M*(k*C + c) + i
// (offsets relative to each field's start). Records are contiguous within a tile; the file ends
// with the last tile's padding to 8 bytes. A record's fields sit at offsets that do not depend
// on the column, and the masks of shift k follow those of shift k - 1, so a decoder takes a
// group's signs and shifts once and then C*M mask bits per shift (lib/compiler/README.md).
//
// So a group takes M + 3N + MN bits (swis), M + 3 + MN (swis-c) or M + MN (trunc): the
// compression the quantizer reports. Padding weights of a short group have sign and masks 0, and
// the reader refuses a file that sets them or a padding bit after the stream: the only bits an
// encoder is free to choose are the signs of weights whose magnitude is 0.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/compiler/quantize.h"

namespace swis {

class PackedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr uint16_t kPackedVersion = 1;   // what pack writes unless asked otherwise
constexpr uint16_t kPackedVersionMax = 2;

// Everything the packed file holds, decoded. Per-group and per-weight arrays are indexed by
// the original filter (group order of lib/compiler/quantize.h), not by execution order.
struct PackedLayer {
  int version = kPackedVersion;  // the layout pack() writes (1 or 2)
  Method method = Method::kSwis;
  int group_size = 4;
  std::vector<int64_t> shape;
  double scale = 1.0;
  int trunc_offset = 0;
  int tile_width = 1;
  std::vector<uint8_t> tile_shifts;
  std::vector<uint32_t> order;
  // Decoded:
  int64_t filters = 0;
  int64_t groups_per_filter = 0;
  std::vector<uint8_t> filter_shifts;
  std::vector<uint8_t> set;  // per group
  std::vector<int16_t> q;    // per weight slot

  // N of each group's shift slots in ascending order (the order of the masks).
  std::vector<int> shifts_of_group(int64_t group) const;
};

// Builds the packed description of a quantized layer. `order` and `tile_shifts` come from
// the scheduler; for one N across the layer pass order 0..F-1, tile width F and one tile.
PackedLayer make_packed(const Layer& layer, const Quantized& qz, Method method,
                        std::vector<uint32_t> order, int tile_width);

std::vector<uint8_t> pack(const PackedLayer& p);

// Where a version 2 file's tiles lie: tile t's records are bytes [offset[t], offset[t] + bytes[t])
// of the file, bytes[t] a multiple of 8 (padding included).
struct PackedTiles {
  std::vector<uint64_t> offset;
  std::vector<uint64_t> bytes;
};
PackedTiles packed_tiles(const PackedLayer& p);
// Bits of one version 2 record (C columns of one group) with N shifts.
int64_t record_bits(Method method, int group_size, int columns, int shifts);

// Throws PackedError with one line on anything malformed; never reads out of bounds.
PackedLayer unpack(const std::vector<uint8_t>& bytes);

}  // namespace swis
