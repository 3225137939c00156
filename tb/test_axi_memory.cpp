// The AXI memory of the accelerator's tests: it serves reads and writes, and its protocol
// checker refuses each kind of violation (so a master that breaks a rule fails its test).
#include <gtest/gtest.h>

#include <functional>

#include "tb/axi_memory.h"

namespace swis::tb {
namespace {

AxiMemoryOptions no_stalls() {
  AxiMemoryOptions o;
  o.read_latency = 3;
  o.write_latency = 2;
  return o;
}

// Clocks `mem` with what `drive` sets for each cycle until `drive` returns false.
void run(AxiMemory& mem, const std::function<bool(uint64_t, AxiMasterPort&)>& drive) {
  for (uint64_t c = 0; c < 200; ++c) {
    AxiMasterPort m;
    if (!drive(c, m)) return;
    mem.clock(m);
  }
}

TEST(AxiMemory, ServesABurstReadAfterItsLatency) {
  AxiMemory mem(8192, no_stalls());
  std::vector<uint8_t> data(32);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  mem.load(64, data);
  std::vector<uint64_t> got;
  run(mem, [&](uint64_t c, AxiMasterPort& m) {
    m.arvalid = c == 0;
    m.araddr = 64;
    m.arlen = 3;
    if (mem.outputs().rvalid) got.push_back(mem.outputs().rdata);
    return c < 30;
  });
  ASSERT_EQ(got.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    uint64_t want = 0;
    for (int i = 0; i < 8; ++i) want |= static_cast<uint64_t>(data[8 * k + i]) << (8 * i);
    EXPECT_EQ(got[k], want);
  }
  EXPECT_EQ(mem.counts().read_bytes, 32u);
  EXPECT_EQ(mem.counts().read_bursts, 1u);
}

TEST(AxiMemory, WritesHonourStrobesAndAnswer) {
  AxiMemory mem(8192, no_stalls());
  int phase = 0, responses = 0;
  run(mem, [&](uint64_t, AxiMasterPort& m) {
    if (mem.outputs().bvalid) ++responses;
    if (phase == 0) {
      m.awvalid = true;
      m.awaddr = 128;
      m.awlen = 1;
      if (mem.outputs().awready) phase = 1;
    } else if (phase <= 2) {
      m.wvalid = true;
      m.wdata = phase == 1 ? 0x1111111122222222ull : 0x3333333344444444ull;
      m.wstrb = phase == 1 ? 0xf0 : 0x0f;
      m.wlast = phase == 2;
      if (mem.outputs().wready) ++phase;
    }
    return responses == 0;
  });
  EXPECT_EQ(mem.peek(132, 8), (std::vector<uint8_t>{0x11, 0x11, 0x11, 0x11, 0x44, 0x44, 0x44, 0x44}));
  EXPECT_FALSE(mem.written(128));
  EXPECT_FALSE(mem.written(140));
  EXPECT_EQ(mem.counts().written_bytes, 8u);
}

// Each rule broken once; the message names the channel and the rule.
TEST(AxiMemory, EveryRuleCanFail) {
  struct Bad {
    const char* what;
    std::function<bool(uint64_t, AxiMasterPort&, const AxiSlavePort&)> drive;
  };
  AxiMemoryOptions stalls = no_stalls();
  stalls.backpressure = 1.0;  // nothing is ever accepted: valids must wait
  const std::vector<std::pair<Bad, bool>> cases = {
      {{"ARVALID fell", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.arvalid = c == 0;
          return c < 3;
        }}, true},
      {{"changed while ARVALID waited", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.arvalid = true;
          m.araddr = c == 0 ? 0 : 8;
          return c < 3;
        }}, true},
      {{"changed while WVALID waited", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.wvalid = true;
          m.wdata = c;
          return c < 3;
        }}, true},
      {{"AWVALID fell", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.awvalid = c == 0;
          return c < 3;
        }}, true},
      {{"crosses a 4 KB page", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.arvalid = c == 0;
          m.araddr = 4096 - 16;
          m.arlen = 2;
          return c < 2;
        }}, false},
      {{"burst longer than the limit", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.arvalid = c == 0;
          m.arlen = 16;
          return c < 2;
        }}, false},
      {{"not 8-byte aligned", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.awvalid = c == 0;
          m.awaddr = 4;
          return c < 2;
        }}, false},
      {{"is not 8-byte beats", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.arvalid = c == 0;
          m.arsize = 2;
          return c < 2;
        }}, false},
      {{"never written", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.arvalid = c == 0;
          m.araddr = 256;
          return c < 10;
        }}, false},
      {{"a beat before its burst's AW", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.wvalid = c == 0;
          m.wlast = true;
          return c < 2;
        }}, false},
      {{"WLAST high before the last beat", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.awvalid = c == 0;
          m.awlen = 1;
          m.wvalid = c == 1;
          m.wlast = true;
          return c < 3;
        }}, false},
      {{"WLAST low on the burst's last beat", [](uint64_t c, AxiMasterPort& m, const AxiSlavePort&) {
          m.awvalid = c == 0;
          m.wvalid = c == 1;
          return c < 3;
        }}, false},
  };
  for (const auto& [bad, with_stalls] : cases) {
    AxiMemory mem(8192, with_stalls ? stalls : no_stalls());
    mem.load(0, std::vector<uint8_t>(128, 1));
    try {
      run(mem, [&](uint64_t c, AxiMasterPort& m) { return bad.drive(c, m, mem.outputs()); });
      ADD_FAILURE() << "accepted: " << bad.what;
    } catch (const AxiViolation& e) {
      EXPECT_NE(std::string(e.what()).find(bad.what), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace swis::tb
