// The accelerator (rtl/swis_accel.v) as its host sees it: the buffers' sizes, a GEMM split into
// passes that fit them, each pass's descriptor and memory image, and the memory traffic each
// pass makes, byte for byte (the testbench measures the RTL's AXI traffic against it).
//
// Memory layout of one layer (docs/accel.md):
//   activations  the im2col rows, block by block: beat (b, g) at act_base + (b G + g) R M holds
//                row b R + r's group g in bytes [r M, r M + M); rows past P are 0 (the host
//                prepares this image; the accelerator reads each pass's blocks once)
//   weights      the packed file, version 2, as it is: tile t's records at
//                w_base + packed_tiles(p).offset[t]
//   results      Y[pos][p], int32, pos the execution position (filter order[pos]), at
//                out_base + 4 (pos P + p)
// A pass is blocks [block0, block0 + blocks) against tiles [tile0, tile0 + tiles): its
// activations fit the activation buffer, each tile one weight buffer half, and its tiles the
// descriptor's table. Passes go tile range by tile range, row range by row range inside.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/compiler/packed.h"
#include "lib/formats/topology.h"
#include "lib/golden/array_model.h"
#include "lib/mapping/array_program.h"

namespace swis {

struct AccelParams {
  ArrayParams array;
  int act_depth = 2048;    // activation buffer beats (Rows x M bytes each)
  int weight_depth = 1024; // words of a weight buffer half
  int weight_words = 4;    // 64-bit words in a weight buffer word
  int out_depth = 64;      // output buffer entries
  int max_tiles = 64;      // tiles in one descriptor
  int max_burst = 16;      // beats of an AXI burst

  // A configuration with top swis_accel; throws std::invalid_argument otherwise.
  static AccelParams from_config(const HwConfig& config);
  int act_beat_bytes() const { return array.rows * array.group_size; }
  // 64-bit words one weight buffer half holds.
  int64_t half_words() const { return int64_t{weight_depth} * weight_words; }
};

// 64-bit words of one tile's records: G x Cols x group_bits(N), rounded up.
int64_t tile_words(Method method, int group_size, int cols, int shifts, int64_t groups);

struct AccelPass {
  int64_t block0 = 0, blocks = 0;  // row blocks
  int64_t tile0 = 0, tiles = 0;    // filter tiles
};

// Bytes on the memory bus, as an AXI monitor counts them: every read beat's 8 bytes, every
// written byte with its strobe set; and the bursts.
struct AccelTraffic {
  uint64_t act_read = 0;
  uint64_t weight_read = 0;
  uint64_t out_write = 0;
  uint64_t read_bursts = 0;
  uint64_t write_bursts = 0;
  uint64_t read() const { return act_read + weight_read; }
  uint64_t total() const { return read() + out_write; }
  AccelTraffic& operator+=(const AccelTraffic& o);
};

// What the layer needs of the accelerator.
struct AccelLayer {
  int64_t rows = 0;     // P
  int64_t groups = 0;   // G
  int64_t filters = 0;  // F
  Method method = Method::kSwis;
  int trunc_offset = 0;
  std::vector<uint8_t> tile_shifts;  // N of each tile of Cols filters (1 for fixed point)
  bool fixed_point = false;          // int8 weight records, not packed SWIS ones
  static AccelLayer from_packed(const PackedLayer& packed, int64_t rows);
};

// 64-bit words of the layer's tile at N on `p`: tile_words, or G x Cols x M bytes for fixed point.
int64_t layer_tile_words(const AccelParams& p, const AccelLayer& layer, int shifts);

// A layer's weights as they lie in memory: tile t from byte tile_offset[t], 8-byte aligned.
struct AccelWeights {
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> tile_offset;
  AccelLayer layer;  // rows 0: the GEMM's P is the caller's
};
// The packed file, version 2, as it is.
AccelWeights accel_weights(const std::vector<uint8_t>& packed_v2);
// The fixed-point accelerator's weights (int8 in ops.q): per tile of `cols` filters of the
// execution order, per group, the columns' M weights (column c's weight i at byte c M + i of the
// group's record; padding columns 0); tiles padded to 8 bytes. Throws std::invalid_argument for
// a weight outside int8.
AccelWeights fxp_accel_weights(const GemmOperands& ops, int cols);

// Passes in order; throws std::invalid_argument (one line) if a single row block does not
// fit the activation buffer or a single tile the weight buffer, or the tile width of the
// packed weights is not the array's column count.
// A layer whose largest tile is more than a half runs single-buffered (MODE.single): each tile
// takes the whole weight buffer and is read only once the previous one has been played.
bool single_buffered(const AccelParams& p, const AccelLayer& layer);
std::vector<AccelPass> plan_passes(const AccelParams& p, const AccelLayer& layer);

// The registers of one run (docs/accel.md has the map).
struct AccelDescriptor {
  uint32_t act_addr = 0, w_addr = 0, out_addr = 0, out_stride = 0;
  uint32_t rows = 0, groups = 0, filters = 0, tiles = 0, blocks = 0;
  uint32_t mode = 0;  // method | trunc << 2 | act_signed << 5 | single << 6
  std::vector<uint8_t> tile_shifts;
};

struct AccelAddresses {
  uint32_t act_base = 0, w_base = 0, out_base = 0;
};

AccelDescriptor pass_descriptor(const AccelParams& p, const AccelLayer& layer,
                                const std::vector<uint64_t>& tile_offset, const AccelAddresses& at,
                                bool act_signed, const AccelPass& pass);

// The bus traffic of one run of the accelerator with this descriptor, read and written: what
// the RTL's read and write masters must put on the bus, bursts included.
AccelTraffic pass_traffic(const AccelParams& p, const AccelDescriptor& d);

// The activation image of a layer (every block, in order): blocks x G beats of Rows x M bytes.
std::vector<uint8_t> accel_activations(const AccelParams& p, const GemmOperands& ops);

// The memory traffic of a topology layer (every instance) on the accelerator, its passes planned
// as for a run; `tile_shifts` holds instances x ceil(F / Cols) N (ignored for fixed point). Bytes
// do not depend on where the layer lies; bursts are counted as if each region began on a page.
// input_fmap: the bytes of the layer's input feature map once (H x W x ceil(C / M) x M per
// instance), what an accelerator that builds the im2col rows on chip would read instead of
// act_read (this one reads the rows the host laid out).
struct LayerTraffic {
  AccelTraffic bus;
  uint64_t input_fmap = 0;
  int64_t passes = 0;
};
LayerTraffic layer_traffic(const AccelParams& p, const TopologyLayer& layer, Method method,
                           const std::vector<int>& tile_shifts);

}  // namespace swis
