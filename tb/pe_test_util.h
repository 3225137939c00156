// Helpers shared by the PE test files.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tb/pe_harness.h"
#include "tb/pe_stimulus.h"

namespace swis::tb {

inline std::vector<PeDutEntry> duts_of_kind(PeKind kind) {
  std::vector<PeDutEntry> out;
  for (const auto& e : pe_duts()) {
    if (e.params.kind == kind) out.push_back(e);
  }
  return out;
}

// Runs the sequence in lock-step and fails the test at the first mismatch, with its report.
inline PeRunResult expect_lockstep(const PeDutEntry& entry, const PeSequence& seq) {
  PeRunResult r = run_lockstep(entry, seq);
  EXPECT_FALSE(r.mismatch.has_value()) << r.mismatch->describe(entry.name);
  return r;
}

inline std::string dut_test_name(const testing::TestParamInfo<PeDutEntry>& info) {
  return info.param.name;
}

}  // namespace swis::tb
