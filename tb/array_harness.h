// Lock-step harness for the systolic array: a driver that feeds an ArrayProgram's three
// streams (with random bubbles) and takes results (with random backpressure), and a checker
// that compares every port before each clock edge and every PE's accumulator after it with
// the golden array model. The first divergence is reported with its cycle, place, tile,
// group, shift step, expected and actual values, and the tokens in flight there.
//
// Whenever a stream's valid is low (a bubble, or nothing left to send) the driver puts random
// values on its data inputs (every bit of cfg_shifts_i, cfg_groups_i, cfg_act_signed_i, act_i,
// tok_sign_i, tok_shift_i, tok_mask_i), drawn from the run's seed: a design that reads a port
// outside its handshake diverges from the model, which reads none.
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
  // Chance that a stream with a beat ready holds it back a cycle (valid low, random data).
  double bubble = 0.0;
  double backpressure = 0.0;  // chance that res_ready is low in a cycle
  uint64_t seed = 1;          // bubbles, backpressure and the data of idle streams
  bool check = true;          // lock-step against the model
  uint64_t max_cycles = 0;    // 0: a bound derived from the program
  std::string waves;          // FST of cycles [wave_from, wave_to) of this run, if set
  uint64_t wave_from = 0;
  uint64_t wave_to = UINT64_MAX;
  // On a mismatch, rerun (the run is deterministic) and dump the cycles around the first
  // divergence into this FST, if set.
  std::string mismatch_waves;
  uint64_t mismatch_window = 200;  // cycles before the divergence
  // Called every 2^14 cycles with the cycles run so far, for a progress line.
  std::function<void(uint64_t cycles)> progress;
  // false: no reset before the run; the DUT goes on from where its last run left it (every
  // result of it taken), as a network's next layer does, and `tiles_before` tiles have run
  // since its reset (result beats' tile numbers continue from there).
  bool reset = true;
  int64_t tiles_before = 0;
};

// SWIS_WAVES=DIR in the environment turns on waves for every array run of a process (each to
// DIR/<configuration>_<n>.fst); SWIS_WAVES_WINDOW=A:B keeps cycles [A, B) only.
void apply_wave_environment(const std::string& dut_name, ArrayRunOptions& opt);

// A GTKWave save file for an FST of `p`'s array: one group per PE row (each PE's token,
// activation and accumulator), the edge streams, the drain and the counters.
std::string gtkw_for_array(const ArrayParams& p, const std::string& fst_path);

struct ArrayRunResult {
  // From first_cycle up to and including the program's last result handshake (of an
  // incomplete program: up to the last cycle run).
  uint64_t cycles = 0;
  std::vector<int64_t> y;  // P x F, from the result beats
  bool complete = false;
  std::optional<ArrayMismatch> mismatch;
  std::string error;  // a protocol error (missing, repeated or unknown result) or a timeout
  // The array's counters over the program's cycles (as seen in its last cycle minus as seen in
  // its first): busy + stall + idle = cycles - 1.
  uint64_t busy = 0, stall = 0, idle = 0;
  // The run's cycle the count starts at: 0, the first cycle after reset, for run_program and
  // the first program of run_programs; for a later program of run_programs the cycle its first
  // tile's configuration beat is taken (the cycle the previous program's last step goes in,
  // when nothing is held back).
  uint64_t first_cycle = 0;
  // Tiles since reset before the program's first (0 but for a later program of run_programs):
  // the numbering of a mismatch's context and, modulo 2^tile_width, of result beats.
  int64_t first_tile = 0;
  bool ok() const { return complete && !mismatch && error.empty(); }
};

// Runs one program through a freshly reset DUT.
ArrayRunResult run_program(ArrayDut& dut, const ArrayProgram& prog, int64_t rows, int64_t filters,
                           const ArrayRunOptions& opt);

// One program of a stream and the shape of the GEMM its results fill.
struct ArrayStreamItem {
  const ArrayProgram* prog = nullptr;  // at least one tile
  int64_t rows = 0, filters = 0;       // P, F
};

// Runs programs back to back on one DUT, as a network's layers run: one reset before the
// first, none between them. Each stream carries the programs' beats one after the other with
// no gap, so a program's first configuration is on offer while the previous program's last
// tile runs, is taken as that tile's last step goes in, and its steps go in while the
// previous results drain. Result beats carry the tile sequence number since reset (modulo
// 2^tile_width), continuing across programs: each program's beats are checked against its
// own tiles from the number the stream has reached. One result per program, in order; when
// the stream stops early, a mismatch goes to every incomplete program that had started (it
// may lie in any tile in flight), a protocol error or a timeout to the program whose results
// were due, and the rest say where the stream stopped.
// Without bubbles or backpressure, the whole stream takes closed_form_cycles of all the
// programs' tiles in order; program 0 takes its own closed form, and program k > 0, counted
// from its first_cycle, its closed form plus max(0, Rows - steps of its first tile) (the first
// tile waits out the previous tile's drain as every later tile does); consecutive programs
// overlap by 2 Rows + Cols + 1 cycles, so each adds at most its closed form to the stream.
// Throws std::invalid_argument for a null program or one without tiles.
std::vector<ArrayRunResult> run_programs(ArrayDut& dut, const std::vector<ArrayStreamItem>& progs,
                                         const ArrayRunOptions& opt);

}  // namespace swis::tb
