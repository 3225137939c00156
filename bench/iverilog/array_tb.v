// Plain Verilog testbench for the Icarus Verilog speed comparison: the 8 x 8 double-shift
// array (M = 4) fed back-to-back tiles (N = 3, G = 144) with pseudo-random activations and
// tokens, results always taken. Runs +cycles=N cycles (default 2000) and prints the count of
// result beats, so that the work cannot be optimised away.
`timescale 1ns / 1ps
`default_nettype none

module array_tb;
  localparam integer Rows = 8, Cols = 8, M = 4, S = 2;

  reg clk = 1'b0;
  reg rst_n = 1'b0;
  reg [31:0] lfsr = 32'h1;
  integer cycles, n, beats;

  wire cfg_ready, act_ready, tok_ready, res_valid;
  wire [15:0] res_tile;
  wire [2:0] res_row;
  wire [Cols*32-1:0] res_data;
  wire [31:0] busy, stall, idle;
  wire [Rows*Cols*32-1:0] dbg_acc;
  reg [Rows*M*8-1:0] act;
  reg [Cols*M-1:0] sign;
  reg [Cols*S*3-1:0] shift;
  reg [Cols*S*M-1:0] mask;

  swis_array #(.Rows(Rows), .Cols(Cols), .GroupSize(M), .ShiftsPerCycle(S)) dut (
    .clk_i(clk), .rst_ni(rst_n),
    .cfg_valid_i(1'b1), .cfg_ready_o(cfg_ready), .cfg_shifts_i(4'd3), .cfg_groups_i(13'd144),
    .cfg_act_signed_i(1'b1),
    .act_valid_i(1'b1), .act_ready_o(act_ready), .act_i(act),
    .tok_valid_i(1'b1), .tok_ready_o(tok_ready), .tok_sign_i(sign), .tok_shift_i(shift),
    .tok_mask_i(mask),
    .res_valid_o(res_valid), .res_ready_i(1'b1), .res_tile_o(res_tile), .res_row_o(res_row),
    .res_data_o(res_data),
    .cnt_busy_o(busy), .cnt_stall_o(stall), .cnt_idle_o(idle), .dbg_acc_o(dbg_acc)
  );

  always #5 clk = ~clk;

  // New pseudo-random inputs after every rising edge (a 32-bit Galois LFSR per 32 bits).
  task automatic scramble;
    integer k;
    begin
      for (k = 0; k < Rows * M * 8; k = k + 32) begin
        lfsr = {lfsr[30:0], 1'b0} ^ (lfsr[31] ? 32'h04c11db7 : 32'h0);
        act[k +: 32] = lfsr;
      end
      lfsr = {lfsr[30:0], 1'b0} ^ (lfsr[31] ? 32'h04c11db7 : 32'h0);
      sign = lfsr;
      lfsr = {lfsr[30:0], 1'b0} ^ (lfsr[31] ? 32'h04c11db7 : 32'h0);
      shift[31:0] = lfsr;
      lfsr = {lfsr[30:0], 1'b0} ^ (lfsr[31] ? 32'h04c11db7 : 32'h0);
      shift[47:32] = lfsr[15:0];
      lfsr = {lfsr[30:0], 1'b0} ^ (lfsr[31] ? 32'h04c11db7 : 32'h0);
      mask[31:0] = lfsr;
      lfsr = {lfsr[30:0], 1'b0} ^ (lfsr[31] ? 32'h04c11db7 : 32'h0);
      mask[63:32] = lfsr;
    end
  endtask

  initial begin
    if (!$value$plusargs("cycles=%d", cycles)) cycles = 2000;
    beats = 0;
    scramble;
    #12 rst_n = 1'b1;
    for (n = 0; n < cycles; n = n + 1) begin
      @(posedge clk);
      #1;
      if (res_valid) beats = beats + 1;
      scramble;
    end
    $display("array_tb: %0d cycles, %0d result beats, busy %0d", cycles, beats, busy);
    $finish;
  end
endmodule

`default_nettype wire
