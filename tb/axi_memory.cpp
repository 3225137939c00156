#include "tb/axi_memory.h"

#include <sstream>

namespace swis::tb {

AxiMemory::AxiMemory(uint64_t bytes, const AxiMemoryOptions& opt)
    : opt_(opt), mem_(bytes, 0), written_(bytes, 0), rng_(opt.seed) {
  next_outputs();
}

void AxiMemory::load(uint64_t addr, const std::vector<uint8_t>& bytes) {
  if (addr + bytes.size() > mem_.size()) throw std::out_of_range("load outside the memory");
  for (size_t i = 0; i < bytes.size(); ++i) {
    mem_[addr + i] = bytes[i];
    written_[addr + i] = 1;
  }
}

std::vector<uint8_t> AxiMemory::peek(uint64_t addr, uint64_t n) const {
  if (addr + n > mem_.size()) throw std::out_of_range("peek outside the memory");
  std::vector<uint8_t> v(mem_.begin() + static_cast<long>(addr),
                         mem_.begin() + static_cast<long>(addr + n));
  for (uint64_t i = 0; i < n; ++i) {
    if (!written_[addr + i]) {
      std::ostringstream os;
      os << "byte 0x" << std::hex << addr + i << " was never written";
      throw std::runtime_error(os.str());
    }
  }
  return v;
}

void AxiMemory::fail(const std::string& channel, const std::string& rule) const {
  throw AxiViolation("AXI cycle " + std::to_string(cycle_) + ", " + channel + ": " + rule);
}

void AxiMemory::check_burst(const char* channel, uint64_t addr, int len, int size,
                            int burst) const {
  const int beats = len + 1;
  std::ostringstream where;
  where << " (address 0x" << std::hex << addr << std::dec << ", " << beats << " beats)";
  if (size != 3) fail(channel, "size " + std::to_string(size) + " is not 8-byte beats" + where.str());
  if (burst != 1) fail(channel, "burst type " + std::to_string(burst) + " is not INCR" + where.str());
  if (addr % 8 != 0) fail(channel, "address not 8-byte aligned" + where.str());
  if (beats > opt_.max_burst) fail(channel, "burst longer than the limit" + where.str());
  if (addr % 4096 + 8 * static_cast<uint64_t>(beats) > 4096) {
    fail(channel, "burst crosses a 4 KB page" + where.str());
  }
  if (addr + 8 * static_cast<uint64_t>(beats) > mem_.size()) {
    fail(channel, "burst outside the memory" + where.str());
  }
}

void AxiMemory::clock(const AxiMasterPort& m) {
  // A valid that waited stays, with the same payload.
  if (last_ar_wait_) {
    if (!m.arvalid) fail("AR", "ARVALID fell before ARREADY");
    if (m.araddr != last_.araddr || m.arlen != last_.arlen || m.arsize != last_.arsize ||
        m.arburst != last_.arburst) {
      fail("AR", "address or length changed while ARVALID waited");
    }
  }
  if (last_aw_wait_) {
    if (!m.awvalid) fail("AW", "AWVALID fell before AWREADY");
    if (m.awaddr != last_.awaddr || m.awlen != last_.awlen || m.awsize != last_.awsize ||
        m.awburst != last_.awburst) {
      fail("AW", "address or length changed while AWVALID waited");
    }
  }
  if (last_w_wait_) {
    if (!m.wvalid) fail("W", "WVALID fell before WREADY");
    if (m.wdata != last_.wdata || m.wstrb != last_.wstrb || m.wlast != last_.wlast) {
      fail("W", "data, strobes or WLAST changed while WVALID waited");
    }
  }
  if (m.arvalid && out_.arready) {
    check_burst("AR", m.araddr, m.arlen, m.arsize, m.arburst);
    reads_.push_back(Burst{m.araddr, m.arlen + 1, 0, cycle_ + static_cast<uint64_t>(opt_.read_latency)});
    ++counts_.read_bursts;
  }
  if (m.awvalid && out_.awready) {
    check_burst("AW", m.awaddr, m.awlen, m.awsize, m.awburst);
    writes_.push_back(Burst{m.awaddr, m.awlen + 1, 0, 0});
    ++counts_.write_bursts;
  }
  if (m.wvalid && out_.wready) {
    if (writes_.empty()) fail("W", "a beat before its burst's AW");
    Burst& b = writes_.front();
    const bool last = b.done + 1 == b.beats;
    if (m.wlast != last) {
      fail("W", last ? "WLAST low on the burst's last beat" : "WLAST high before the last beat");
    }
    const uint64_t a = b.addr + 8 * static_cast<uint64_t>(b.done);
    for (int i = 0; i < 8; ++i) {
      if (!(m.wstrb >> i & 1)) continue;
      mem_[a + i] = static_cast<uint8_t>(m.wdata >> (8 * i));
      written_[a + i] = 1;
      ++counts_.written_bytes;
    }
    if (++b.done == b.beats) {
      const bool err = b.addr >= opt_.slverr_from && b.addr < opt_.slverr_to;
      responses_.push_back({cycle_ + static_cast<uint64_t>(opt_.write_latency), err ? 2 : 0});
      writes_.pop_front();
    }
  }
  const bool r_taken = out_.rvalid && m.rready;
  if (r_taken) {
    Burst& b = reads_.front();
    counts_.read_bytes += 8;
    const uint64_t a = b.addr + 8 * static_cast<uint64_t>(b.done);
    for (size_t k = 0; k < regions_.size(); ++k) {
      if (a >= regions_[k].first && a < regions_[k].second) counts_.region_read[k] += 8;
    }
    if (++b.done == b.beats) reads_.pop_front();
  }
  const bool b_taken = out_.bvalid && m.bready;
  if (b_taken) responses_.pop_front();
  last_ = m;
  last_ar_wait_ = m.arvalid && !out_.arready;
  last_aw_wait_ = m.awvalid && !out_.awready;
  last_w_wait_ = m.wvalid && !out_.wready;
  const bool r_held = out_.rvalid && !r_taken;
  const bool b_held = out_.bvalid && !b_taken;
  ++cycle_;
  if (!r_held) out_.rvalid = false;
  if (!b_held) out_.bvalid = false;
  next_outputs();
}

void AxiMemory::next_outputs() {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  out_.arready = !(u(rng_) < opt_.backpressure);
  out_.awready = !(u(rng_) < opt_.backpressure);
  out_.wready = !(u(rng_) < opt_.backpressure);
  if (!out_.rvalid && !reads_.empty() && reads_.front().ready_at <= cycle_ &&
      !(u(rng_) < opt_.read_gap)) {
    const Burst& b = reads_.front();
    const uint64_t a = b.addr + 8 * static_cast<uint64_t>(b.done);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      if (!written_[a + i]) {
        std::ostringstream os;
        os << "reads byte 0x" << std::hex << a + i << ", which was never written";
        fail("R", os.str());
      }
      v |= static_cast<uint64_t>(mem_[a + i]) << (8 * i);
    }
    out_.rvalid = true;
    out_.rdata = v;
    out_.rresp = b.addr >= opt_.slverr_from && b.addr < opt_.slverr_to ? 2 : 0;
    out_.rlast = b.done + 1 == b.beats;
  }
  if (!out_.bvalid && !responses_.empty() && responses_.front().first <= cycle_) {
    out_.bvalid = true;
    out_.bresp = responses_.front().second;
  }
}

}  // namespace swis::tb
