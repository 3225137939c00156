// Lock-step harness for the systolic array: a driver that feeds an ArrayProgram's three
// streams (with random bubbles) and takes results (with random backpressure), and a checker
// that compares every port before each clock edge and every PE's accumulator after it with
// the golden array model. The first divergence is reported with its cycle, place, tile,
// group, shift step, expected and actual values, and the tokens in flight there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "lib/golden/array_model.h"
#include "lib/mapping/array_program.h"

namespace swis::tb {

struct ArrayMismatch {
  uint64_t cycle = 0;
  std::string signal;      // a port, or "acc" for a PE
  int row = -1, col = -1;  // the PE, for "acc"
  int64_t expected = 0, actual = 0;
  std::string context;  // tile, group, step and tokens in flight

  std::string describe(const std::string& dut_name) const;
};

class ArrayDut {
 public:
  virtual ~ArrayDut() = default;
  virtual void reset() = 0;
  // One cycle: drive `in`, read the ports into `seen`; with checking on, compare them with the
  // model, clock both and compare every PE accumulator. Returns the first mismatch.
  virtual std::optional<ArrayMismatch> step(const ArrayInputs& in, ArrayOutputs& seen) = 0;
  virtual const ArrayModel& model() const = 0;
  // Lock-step checking on (default) or off (the DUT runs alone).
  virtual void set_checking(bool on) = 0;
  // FST waves of cycles [from, to) into `path` (overwritten); an empty path stops tracing.
  // One cycle is 10 time units, the clock rising at 5.
  virtual void trace(const std::string& path, uint64_t from, uint64_t to) = 0;
  virtual uint64_t cycles() const = 0;
};

struct ArrayDutEntry {
  std::string name;
  ArrayParams params;
  std::function<std::unique_ptr<ArrayDut>()> make;
};

inline void PrintTo(const ArrayDutEntry& e, std::ostream* os) { *os << e.name; }

// Every array configuration of config/configs.txt.
const std::vector<ArrayDutEntry>& array_duts();
const ArrayDutEntry& array_dut(const std::string& name);
// The one configuration with the rows, columns, M and slots per token of `wanted`; throws
// std::invalid_argument naming the configurations there are.
const ArrayDutEntry& find_array_dut(const ArrayParams& wanted);

struct ArrayRunOptions {
  double bubble = 0.0;        // chance that a stream with a beat ready holds it back a cycle
  double backpressure = 0.0;  // chance that res_ready is low in a cycle
  uint64_t seed = 1;
  bool check = true;        // lock-step against the model
  uint64_t max_cycles = 0;  // 0: a bound derived from the program
  std::string waves;        // FST of cycles [wave_from, wave_to) of this run, if set
  uint64_t wave_from = 0;
  uint64_t wave_to = UINT64_MAX;
  // On a mismatch, rerun (the run is deterministic) and dump the cycles around the first
  // divergence into this FST, if set.
  std::string mismatch_waves;
  uint64_t mismatch_window = 200;  // cycles before the divergence
  // Called every 2^14 cycles with the cycles run so far, for a progress line.
  std::function<void(uint64_t cycles)> progress;
};

// SWIS_WAVES=DIR in the environment turns on waves for every array run of a process (each to
// DIR/<configuration>_<n>.fst); SWIS_WAVES_WINDOW=A:B keeps cycles [A, B) only.
void apply_wave_environment(const std::string& dut_name, ArrayRunOptions& opt);

// A GTKWave save file for an FST of `p`'s array: one group per PE row (each PE's token,
// activation and accumulator), the edge streams, the drain and the counters.
std::string gtkw_for_array(const ArrayParams& p, const std::string& fst_path);

struct ArrayRunResult {
  uint64_t cycles = 0;     // up to and including the last result handshake
  std::vector<int64_t> y;  // P x F, from the result beats
  bool complete = false;
  std::optional<ArrayMismatch> mismatch;
  std::string error;  // a protocol error (missing, repeated or unknown result) or a timeout
  uint64_t busy = 0, stall = 0, idle = 0;
  bool ok() const { return complete && !mismatch && error.empty(); }
};

// Runs one program through a freshly reset DUT.
ArrayRunResult run_program(ArrayDut& dut, const ArrayProgram& prog, int64_t rows, int64_t filters,
                           const ArrayRunOptions& opt);

}  // namespace swis::tb
