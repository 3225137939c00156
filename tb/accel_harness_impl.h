// The AccelDut implementation shared by every Verilated accelerator. Included only by the
// generated registry, where the Verilated headers are visible.
#pragma once

#include <memory>
#include <string>

#include "tb/accel_harness.h"
#include "tb/port_bits.h"
#include "tb/verilated_top.h"

namespace swis::tb {

template <class Dut>
class VerilatedAccel final : public AccelDut {
 public:
  VerilatedAccel(std::string name, const AccelParams& p)
      : name_(std::move(name)), p_(p), model_(p.array) {
    reset();
  }

  void reset() override {
    top_.reset();
    model_.reset();
    cycle_ = 0;
    clear_lite();
  }

  const AccelParams& params() const override { return p_; }

  void poke_register(uint8_t addr, uint32_t value, uint8_t strobes) override {
    idle_memory();
    dut().s_wstrb_i = strobes;
    write(addr, value);
    dut().s_wstrb_i = 0xf;
  }
  uint32_t peek_register(uint8_t addr) override {
    idle_memory();
    return read(addr);
  }

  AccelRunResult run(const AccelDescriptor& d, AxiMemory& mem,
                     const AccelRunOptions& opt) override {
    mem_ = &mem;
    check_ = opt.check;
    if (!opt.waves.empty()) top_.trace(opt.waves, cycle_, UINT64_MAX);
    const uint64_t start = cycle_;
    write(0x08, d.act_addr);
    write(0x0c, d.w_addr);
    write(0x10, d.out_addr);
    write(0x34, d.out_stride);
    write(0x14, d.rows);
    write(0x18, d.groups);
    write(0x1c, d.filters);
    write(0x20, d.mode);
    write(0x2c, d.tiles);
    write(0x30, d.blocks);
    for (size_t r = 0; r * 8 < d.tile_shifts.size(); ++r) {
      uint32_t v = 0;
      for (size_t k = 0; k < 8 && r * 8 + k < d.tile_shifts.size(); ++k) {
        v |= static_cast<uint32_t>(d.tile_shifts[r * 8 + k] & 15) << (4 * k);
      }
      write(static_cast<uint8_t>(0x40 + 4 * r), v);
    }
    mem.clear_counts();
    const uint64_t run_start = cycle_;
    write(0x00, 1);
    for (const auto& [addr, value] : opt.writes_while_busy) write(addr, value);
    // Bound: every step and every beat many times over, plus the latencies.
    const uint64_t bound =
        opt.max_cycles ? opt.max_cycles
                       : 20000 + 40ull * d.tiles * d.blocks * (d.groups * 4 + p_.array.cols * 8) +
                             8ull * d.blocks * d.groups * p_.act_beat_bytes();
    AccelRunResult r;
    for (;;) {
      r.status = read(0x04);
      if (r.status & 2u) break;
      if (cycle_ - run_start > bound) {
        throw std::runtime_error(name_ + ": no STATUS.done within " + std::to_string(bound) +
                                 " cycles of the start");
      }
    }
    r.cycles = cycle_ - run_start;
    r.hw_cycles = read(0x24);
    r.counts = mem.counts();
    (void)start;
    if (!opt.waves.empty()) top_.trace("", 0, 0);
    return r;
  }

 private:
  void idle_memory() {
    if (mem_ != nullptr) return;
    own_mem_ = std::make_unique<AxiMemory>(4096, AxiMemoryOptions{});
    mem_ = own_mem_.get();
  }

  void clear_lite() {
    dut().s_awvalid_i = 0;
    dut().s_wvalid_i = 0;
    dut().s_bready_i = 1;
    dut().s_arvalid_i = 0;
    dut().s_rready_i = 1;
    dut().s_wstrb_i = 0xf;
  }

  void write(uint8_t addr, uint32_t value) {
    dut().s_awvalid_i = 1;
    dut().s_wvalid_i = 1;
    dut().s_awaddr_i = addr;
    dut().s_wdata_i = value;
    do cycle();
    while (!lite_awready_);
    dut().s_awvalid_i = 0;
    dut().s_wvalid_i = 0;
    do cycle();
    while (!lite_bvalid_);
  }

  uint32_t read(uint8_t addr) {
    dut().s_arvalid_i = 1;
    dut().s_araddr_i = addr;
    do cycle();
    while (!lite_arready_);
    dut().s_arvalid_i = 0;
    do cycle();
    while (!lite_rvalid_);
    return lite_rdata_;
  }

  // One clock cycle of everything: the memory's outputs in, the ports settled and read, the
  // array checked, the edge, the memory and the model clocked.
  void cycle() {
    const AxiSlavePort& s = mem_->outputs();
    dut().m_arready_i = s.arready;
    dut().m_rvalid_i = s.rvalid;
    dut().m_rdata_i = s.rdata;
    dut().m_rresp_i = static_cast<uint8_t>(s.rresp);
    dut().m_rlast_i = s.rlast;
    dut().m_awready_i = s.awready;
    dut().m_wready_i = s.wready;
    dut().m_bvalid_i = s.bvalid;
    dut().m_bresp_i = static_cast<uint8_t>(s.bresp);
    top_.settle(cycle_);
    lite_awready_ = dut().s_awready_o;
    lite_bvalid_ = dut().s_bvalid_o;
    lite_arready_ = dut().s_arready_o;
    lite_rvalid_ = dut().s_rvalid_o;
    lite_rdata_ = dut().s_rdata_o;
    AxiMasterPort m;
    m.arvalid = dut().m_arvalid_o;
    m.araddr = dut().m_araddr_o;
    m.arlen = dut().m_arlen_o;
    m.arsize = dut().m_arsize_o;
    m.arburst = dut().m_arburst_o;
    m.rready = dut().m_rready_o;
    m.awvalid = dut().m_awvalid_o;
    m.awaddr = dut().m_awaddr_o;
    m.awlen = dut().m_awlen_o;
    m.awsize = dut().m_awsize_o;
    m.awburst = dut().m_awburst_o;
    m.wvalid = dut().m_wvalid_o;
    m.wdata = dut().m_wdata_o;
    m.wstrb = dut().m_wstrb_o;
    m.wlast = dut().m_wlast_o;
    m.bready = dut().m_bready_o;
    std::optional<ArrayMismatch> mm;
    if (check_) {
      array_inputs(in_);
      model_.outputs(in_, want_);
      mm = compare_ports();
    }
    top_.rise(cycle_);
    mem_->clock(m);
    if (check_) {
      model_.clock(in_);
      if (!mm) mm = compare_accumulators();
    }
    top_.fall();
    ++cycle_;
    if (mm) throw AccelMismatch(mm->describe(name_ + " array"));
  }

  void array_inputs(ArrayInputs& in) const {
    const ArrayParams& a = p_.array;
    const int M = a.group_size, S = a.shifts_per_cycle;
    in.cfg_valid = dut().dbg_cfg_valid_o;
    in.cfg_shifts = dut().dbg_cfg_shifts_o;
    in.cfg_groups = static_cast<int>(dut().dbg_cfg_groups_o);
    in.cfg_act_signed = dut().dbg_cfg_signed_o;
    in.act_valid = dut().dbg_act_valid_o;
    in.act.resize(static_cast<size_t>(a.rows));
    for (int r = 0; r < a.rows; ++r) {
      for (int i = 0; i < M; ++i) {
        in.act[r].lane[i] = static_cast<uint8_t>(get_bits(dut().dbg_act_o, (r * M + i) * 8, 8));
      }
    }
    in.tok_valid = dut().dbg_tok_valid_o;
    in.tok.resize(static_cast<size_t>(a.cols));
    for (int c = 0; c < a.cols; ++c) {
      WeightToken& t = in.tok[c];
      if (a.fixed_point) {
        for (int i = 0; i < M; ++i) {
          t.weight[i] = static_cast<int8_t>(get_bits(dut().dbg_tok_weight_o, (c * M + i) * 8, 8));
        }
        continue;
      }
      t.sign = static_cast<uint32_t>(get_bits(dut().dbg_tok_sign_o, c * M, M));
      for (int s = 0; s < S; ++s) {
        t.slot[s].shift = static_cast<int>(get_bits(dut().dbg_tok_shift_o, (c * S + s) * 3, 3));
        t.slot[s].mask = static_cast<uint32_t>(get_bits(dut().dbg_tok_mask_o, (c * S + s) * M, M));
      }
    }
    in.res_ready = dut().dbg_res_ready_o;
  }

  std::optional<ArrayMismatch> compare_ports() const {
    const ArrayParams& a = p_.array;
    std::optional<ArrayMismatch> m;
    auto check = [&](const char* signal, int index, int64_t expected, int64_t actual) {
      if (m || expected == actual) return;
      std::string name = signal;
      if (index >= 0) name += "[" + std::to_string(index) + "]";
      m = ArrayMismatch{cycle_, name, -1, -1, expected, actual, ""};
    };
    check("cfg_ready_o", -1, want_.cfg_ready, dut().dbg_cfg_ready_o);
    check("act_ready_o", -1, want_.act_ready, dut().dbg_act_ready_o);
    check("tok_ready_o", -1, want_.tok_ready, dut().dbg_tok_ready_o);
    check("res_valid_o", -1, want_.res_valid, dut().dbg_res_valid_o);
    if (want_.res_valid && dut().dbg_res_valid_o) {
      check("res_tile_o", -1, want_.res.tile, dut().dbg_res_tile_o);
      check("res_col_o", -1, want_.res.col, dut().dbg_res_col_o);
      for (int r = 0; r < a.rows; ++r) {
        const int64_t got = sign_extend(
            get_bits(dut().dbg_res_data_o, r * a.acc_width, a.acc_width), a.acc_width);
        check("res_data_o", r, want_.res.data[static_cast<size_t>(r)], got);
      }
    }
    check("cnt_busy_o", -1, static_cast<int64_t>(want_.busy), dut().dbg_cnt_busy_o);
    check("cnt_stall_o", -1, static_cast<int64_t>(want_.stall), dut().dbg_cnt_stall_o);
    check("cnt_idle_o", -1, static_cast<int64_t>(want_.idle), dut().dbg_cnt_idle_o);
    return m;
  }

  std::optional<ArrayMismatch> compare_accumulators() const {
    const ArrayParams& a = p_.array;
    for (int r = 0; r < a.rows; ++r) {
      for (int c = 0; c < a.cols; ++c) {
        const int v = r * a.cols + c;
        const int64_t got = sign_extend(
            get_bits(dut().dbg_acc_o, v * a.acc_width, a.acc_width), a.acc_width);
        const int64_t want = model_.pe(r, c).out().acc;
        if (got != want) return ArrayMismatch{cycle_, "acc", r, c, want, got, ""};
      }
    }
    return std::nullopt;
  }

  Dut& dut() { return top_.dut(); }
  const Dut& dut() const { return top_.dut(); }

  std::string name_;
  AccelParams p_;
  VerilatedTop<Dut> top_;
  ArrayModel model_;
  AxiMemory* mem_ = nullptr;
  std::unique_ptr<AxiMemory> own_mem_;
  uint64_t cycle_ = 0;
  bool check_ = true;
  bool lite_awready_ = false, lite_bvalid_ = false, lite_arready_ = false, lite_rvalid_ = false;
  uint32_t lite_rdata_ = 0;
  ArrayInputs in_;
  ArrayOutputs want_;
};

}  // namespace swis::tb
