// pe_ds_ss: formal harness, DS == 2 x SS. A double-shift swis_pe takes one token carrying
// slots 0 and 1; a single-shift swis_pe takes the same two slots as two tokens on consecutive
// cycles (slot 0 first). From equal accumulator and result registers, the two must agree on
// acc_o, res_o and res_valid_o once both have consumed their tokens.
//
//   cycle 0  SS: slot 0 token {first, last = 0}          DS: no token
//   cycle 1  SS: slot 1 token {first = 0, last}          DS: token {first, last, slot 1, slot 0}
//   cycle 2  compare
//
// This is how swis_array drives a PE: `first` rides on the group's first step only and `last`
// on its last. Every token field, the activations and their format are free constants, so an
// empty slot (mask 0), `first` (accumulator clear) and tok_valid = 0 are all covered. The
// starting accumulators and results are free but equal (their registers have no initial
// value; only the assumption at cycle 0 ties them).
`default_nettype none

module pe_ds_ss #(
  parameter integer GroupSize = 4,
  parameter integer AccWidth  = 32
) (
  input wire clk_i
);

  (* anyconst *) reg [GroupSize*8-1:0]   act;
  (* anyconst *) reg                     act_signed;
  (* anyconst *) reg                     valid;
  (* anyconst *) reg                     first;
  (* anyconst *) reg                     last;
  (* anyconst *) reg [GroupSize-1:0]     sign;
  (* anyconst *) reg [2:0]               shift0, shift1;
  (* anyconst *) reg [GroupSize-1:0]     mask0, mask1;

  reg [1:0] cycle_q = 2'd0;
  always @(posedge clk_i) begin
    if (cycle_q != 2'd3) cycle_q <= cycle_q + 2'd1;
  end

  wire ss_slot1 = cycle_q == 2'd1;

  wire [AccWidth-1:0] ss_acc, ss_res, ds_acc, ds_res;
  wire                ss_res_valid, ds_res_valid;

  swis_pe #(.GroupSize(GroupSize), .ShiftsPerCycle(1), .AccWidth(AccWidth)) u_ss (
    .clk_i       (clk_i),
    .rst_ni      (1'b1),
    .act_i       (act),
    .act_signed_i(act_signed),
    .tok_valid_i (valid && cycle_q <= 2'd1),
    .tok_first_i (ss_slot1 ? 1'b0 : first),
    .tok_last_i  (ss_slot1 ? last : 1'b0),
    .tok_sign_i  (sign),
    .tok_shift_i (ss_slot1 ? shift1 : shift0),
    .tok_mask_i  (ss_slot1 ? mask1 : mask0),
    .act_o       (),
    .act_signed_o(),
    .tok_valid_o (),
    .tok_first_o (),
    .tok_last_o  (),
    .tok_sign_o  (),
    .tok_shift_o (),
    .tok_mask_o  (),
    .acc_o       (ss_acc),
    .res_valid_o (ss_res_valid),
    .res_o       (ss_res)
  );

  swis_pe #(.GroupSize(GroupSize), .ShiftsPerCycle(2), .AccWidth(AccWidth)) u_ds (
    .clk_i       (clk_i),
    .rst_ni      (1'b1),
    .act_i       (act),
    .act_signed_i(act_signed),
    .tok_valid_i (valid && cycle_q == 2'd1),
    .tok_first_i (first),
    .tok_last_i  (last),
    .tok_sign_i  (sign),
    .tok_shift_i ({shift1, shift0}),
    .tok_mask_i  ({mask1, mask0}),
    .act_o       (),
    .act_signed_o(),
    .tok_valid_o (),
    .tok_first_o (),
    .tok_last_o  (),
    .tok_sign_o  (),
    .tok_shift_o (),
    .tok_mask_o  (),
    .acc_o       (ds_acc),
    .res_valid_o (ds_res_valid),
    .res_o       (ds_res)
  );

  always @* begin
    if (cycle_q == 2'd0) begin
      assume (ss_acc == ds_acc);
      assume (ss_res == ds_res);
    end
    if (cycle_q == 2'd2) begin
      assert (ds_acc == ss_acc);
      assert (ds_res == ss_res);
      assert (ds_res_valid == ss_res_valid);
    end
  end

endmodule

`default_nettype wire
