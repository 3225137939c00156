// What runs an array program: the seam between the library's layer flow and a simulator. The
// library never sees one; tb/array_backend.h runs the Verilated arrays in lock-step with the
// golden model, systemc/ runs the SystemC bench.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/golden/array_model.h"
#include "lib/mapping/array_program.h"

namespace swis {

// One program's run, as any backend reports it.
struct ArrayRun {
  uint64_t cycles = 0;     // up to and including the last result handshake
  std::vector<int64_t> y;  // P x F, from the result beats
  bool complete = false;   // every real (row, filter) arrived exactly once
  std::string divergence;  // the first lock-step difference from the golden model, described
  std::string error;       // a protocol error (missing, repeated or unknown result) or a timeout
  uint64_t busy = 0, stall = 0, idle = 0;  // the array's own counters at the end
  bool ok() const { return complete && divergence.empty() && error.empty(); }
};

class ArrayBackend {
 public:
  virtual ~ArrayBackend() = default;
  virtual const std::string& name() const = 0;  // the configuration, e.g. arr_ds_8x8
  virtual const ArrayParams& params() const = 0;
  // True when every stream is always valid and results are always taken, so that a run's cycles
  // must equal the closed form (lib/golden/array_model.h).
  virtual bool clean() const = 0;
  // Runs `prog` from reset and collects its P x F results.
  virtual ArrayRun run(const ArrayProgram& prog, int64_t rows, int64_t filters) = 0;
};

}  // namespace swis
