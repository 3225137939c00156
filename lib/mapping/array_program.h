// Mapping a GEMM (P x K) * (K x F) onto the array: tiles, their order, per-tile N, and the
// exact beats of the cfg, act and tok streams. Weights come as the packed format decodes
// them (lib/compiler/packed.h); activations as raw 8-bit codes in the same group order.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/compiler/packed.h"
#include "lib/golden/array_model.h"

namespace swis {

// Both operands in group order: element (row or filter, group g, lane i), padding zero.
struct GemmOperands {
  int64_t rows = 0;    // P
  int64_t groups = 0;  // G = ceil(K / M) per output
  int group_size = 4;  // M
  bool act_signed = true;
  std::vector<uint8_t> act;            // P * G * M codes (int8 or uint8)
  int64_t filters = 0;                 // F
  std::vector<int16_t> q;              // F * G * M quantized weights
  std::vector<uint8_t> set;            // F * G shift sets (bit s = shift position s)
  std::vector<uint8_t> filter_shifts;  // N per filter
  std::vector<uint32_t> order;         // filter execution order; tiles of Cols share N

  int act_value(int64_t p, int64_t g, int i) const;
  // Weights from a decoded packed file, activations to be filled in by the caller.
  static GemmOperands from_packed(const PackedLayer& packed);
};

struct ArrayTile {
  int64_t row0 = 0;              // first output row
  int rows_used = 0;             // rows of the tile that are real (the rest are padding)
  std::vector<int64_t> filters;  // per column: the filter, or -1 for padding
  int shifts = 1;                // N
  uint64_t steps = 0;            // G * ceil(N / slots)
};

struct CfgBeat {
  int shifts = 1;
  int groups = 1;
  bool act_signed = true;
};

// One stream's beats, stored flat (a layer has millions): beat k is the `width` elements from
// operator[](k) on.
template <class T>
struct BeatStream {
  int width = 0;
  std::vector<T> data;
  size_t size() const { return width > 0 ? data.size() / static_cast<size_t>(width) : 0; }
  bool empty() const { return data.empty(); }
  const T* operator[](size_t k) const { return &data[k * static_cast<size_t>(width)]; }
  // Appends a beat of default elements and returns it.
  T* add() {
    data.resize(data.size() + static_cast<size_t>(width));
    return &data[data.size() - static_cast<size_t>(width)];
  }
};

struct ArrayProgram {
  std::vector<ArrayTile> tiles;
  std::vector<CfgBeat> cfg;     // one per tile
  BeatStream<ActGroup> act;     // one per (tile, group): Rows groups
  BeatStream<WeightToken> tok;  // one per (tile, group, step): Cols tokens
  uint64_t useful_slots = 0;    // real rows x real filters x real shifts, summed over tiles
  std::vector<uint64_t> tile_steps() const;
};

// Tiles in order: filter tiles (Cols filters of `order`, one N) outer, row blocks inner.
// Throws std::invalid_argument if a tile's filters differ in N, G exceeds the array's limit
// (field width or accumulator bound) or the operands are inconsistent.
ArrayProgram program_gemm(const ArrayParams& p, const GemmOperands& ops);
// The same into `prog`, whose buffers keep their capacity: a network's layers reuse one program
// instead of taking fresh pages for every GEMM (the page faults cost more than the writing).
void program_gemm(const ArrayParams& p, const GemmOperands& ops, ArrayProgram& prog);

// Y[p][f] = sum_k a[p][k] * q[f][k], computed plainly: the reference every result must equal.
std::vector<int64_t> reference_gemm(const GemmOperands& ops);

// Collects result beats into Y (P x F). Each real (row, filter) must arrive exactly once.
class ResultCollector {
 public:
  ResultCollector(const ArrayParams& p, const ArrayProgram& prog, int64_t rows, int64_t filters);
  // Throws std::runtime_error for a beat of an unknown tile or a result seen twice.
  void take(const ResultBeat& beat);
  bool complete() const { return received_ == expected_; }
  const std::vector<int64_t>& result() const { return y_; }
  int64_t received() const { return received_; }
  int64_t beats() const { return beats_; }

 private:
  const ArrayParams& p_;
  const ArrayProgram& prog_;
  int64_t filters_;
  std::vector<int64_t> y_;
  std::vector<uint8_t> seen_;
  int64_t received_ = 0, expected_ = 0, beats_ = 0;
};

}  // namespace swis
