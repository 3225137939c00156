// The RAM macro as synthesis sees it: a blackbox with swis_sram's ports. Its area comes from
// synth/sram_area.py (see synth/README.md), not from Yosys.
(* blackbox *)
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
endmodule
