// Lock-step harness for one PE: a driver that puts a cycle's inputs on the Verilated ports,
// a monitor that reads every output after the clock edge, and the golden model that predicts
// them. The first difference is reported with its cycle, signal, expected and actual values.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "lib/golden/pe_model.h"

namespace swis::tb {

// Inputs of one cycle.
struct PeStimulus {
  ActGroup act;
  WeightToken tok;
};

// The first divergence between DUT and model.
struct PeMismatch {
  uint64_t cycle = 0;
  std::string signal;
  int64_t expected = 0;
  int64_t actual = 0;
  std::string inputs;  // the stimulus of that cycle, formatted

  std::string describe(const std::string& dut_name) const;
};

// One Verilated PE and its model, clocked together.
class PeDut {
 public:
  virtual ~PeDut() = default;
  // Applies reset to DUT and model.
  virtual void reset() = 0;
  // One clock cycle: drive, clock, compare every output. Returns the first mismatch, if any.
  // Throws AccumulatorOverflow (from the model) when the stimulus leaves the accumulator bound.
  virtual std::optional<PeMismatch> step(const PeStimulus& in) = 0;
  virtual const PeModel& model() const = 0;
  virtual uint64_t cycles() const = 0;
  // FST waves of cycles [from, to) into `path`; an empty path stops tracing. One cycle is
  // 10 time units, the clock rising at 5.
  virtual void trace(const std::string& path, uint64_t from, uint64_t to) = 0;
};

// A PE configuration of config/configs.txt with a Verilated model behind it.
struct PeDutEntry {
  std::string name;
  PeParams params;
  std::function<std::unique_ptr<PeDut>()> make;
};

// GoogleTest prints a parameter by its configuration name.
inline void PrintTo(const PeDutEntry& e, std::ostream* os) { *os << e.name; }

// Every PE configuration, in config/configs.txt order.
const std::vector<PeDutEntry>& pe_duts();

// Formats the inputs of a cycle for a failure report.
std::string format_stimulus(const PeParams& params, const PeStimulus& in);

// Result of driving a stimulus sequence through one PE.
struct PeRunResult {
  uint64_t cycles = 0;
  uint64_t results = 0;  // completed outputs compared
  std::optional<PeMismatch> mismatch;
};

// Drives `next` (called once per cycle, returns false when the sequence ends) through a
// fresh DUT in lock-step with the model; stops at the first mismatch.
PeRunResult run_lockstep(const PeDutEntry& entry,
                         const std::function<bool(uint64_t cycle, PeStimulus& in)>& next);

}  // namespace swis::tb
