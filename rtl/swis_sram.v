// swis_sram: Depth x Width synchronous RAM, one write port and one read port (1R1W). A read
// issued in a cycle (re_i) shows its word on rdata_o from the next cycle on until the next
// read; a read and a write of one address in one cycle read the old word. No reset: a word
// never written reads as whatever Verilator's --x-initial unique puts there.
//
// The behavioural model is what Verilator simulates. Synthesis (synth/run_accel.sh) treats the
// module as a macro: a blackbox whose area comes from synth/sram_area.py, reported apart from
// the logic's kGE.
`default_nettype none

module swis_sram #(
  parameter integer Depth = 256,
  parameter integer Width = 64
) (
  input  wire                 clk_i,
  input  wire                 we_i,
  input  wire [AddrWidth-1:0] waddr_i,
  input  wire [Width-1:0]     wdata_i,
  input  wire                 re_i,
  input  wire [AddrWidth-1:0] raddr_i,
  output wire [Width-1:0]     rdata_o
);

  localparam integer AddrWidth = (Depth > 1) ? $clog2(Depth) : 1;

  reg [Width-1:0] mem_q [0:Depth-1];
  reg [Width-1:0] rdata_q;

  always @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wdata_i;
    if (re_i) rdata_q <= mem_q[raddr_i];
  end

  assign rdata_o = rdata_q;

endmodule

`default_nettype wire
