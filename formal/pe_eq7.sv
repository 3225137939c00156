// pe_eq7: formal harness, one swis_pe step against paper Equation 7. From any accumulator
// and result state and for any token and activation group, one clock edge must give
//
//   acc' = (first ? 0 : acc) + sum_j sum_i m_i[j] * (-1)^sign_i * a_i * 2^(s_j)   (mod 2^AccWidth)
//
// with a_i the lane read as int8 (act_signed = 1) or uint8 (act_signed = 0); acc' = acc when
// no token is valid; res' = acc' and res_valid' = 1 on a valid `last` token, else res holds
// and res_valid' = 0; and every input forwarded unchanged on act_o / tok_*_o.
//
// The reference is Equation 7 as the paper and the golden model (lib/golden/pe_model.cpp) write it,
// in plain AccWidth-bit integer arithmetic: per slot, the signed lanes its mask selects are
// added (pairwise, in the order of the RTL's tree: see below), and that inner sum is
// multiplied by 2^(s_j). It shares none of the RTL's coding: no
// 9-bit lanes, no per-lane two's-complement negation, no narrow lane sum or sign-extension,
// no shifted product width; those are exactly what the proof checks. (The other order,
// shifting each lane before adding, is the same number, but neither z3 nor ABC proved it
// equal to the RTL within 5 minutes at M = 4.) Equality is modulo 2^AccWidth: the RTL's
// accumulator wraps, and the golden model's overflow check is what keeps a real reduction
// inside the range.
`default_nettype none

module pe_eq7 #(
  parameter integer GroupSize      = 4,
  parameter integer ShiftsPerCycle = 2,
  parameter integer AccWidth       = 32
) (
  input wire clk_i
);

  localparam integer S = ShiftsPerCycle;
  localparam integer M = GroupSize;

  (* anyconst *) reg [M*8-1:0]    act;
  (* anyconst *) reg              act_signed;
  (* anyconst *) reg              valid;
  (* anyconst *) reg              first;
  (* anyconst *) reg              last;
  (* anyconst *) reg [M-1:0]      sign;
  (* anyconst *) reg [S*3-1:0]    shift;
  (* anyconst *) reg [S*M-1:0]    mask;
  (* anyconst *) reg [AccWidth-1:0] acc_start;
  (* anyconst *) reg [AccWidth-1:0] res_start;

  reg cycle_q = 1'b0;  // 0: the step, 1: check
  always @(posedge clk_i) cycle_q <= 1'b1;

  wire [M*8-1:0]      act_o;
  wire                act_signed_o, tok_valid_o, tok_first_o, tok_last_o;
  wire [M-1:0]        tok_sign_o;
  wire [S*3-1:0]      tok_shift_o;
  wire [S*M-1:0]      tok_mask_o;
  wire [AccWidth-1:0] acc_o, res_o;
  wire                res_valid_o;

  swis_pe #(.GroupSize(M), .ShiftsPerCycle(S), .AccWidth(AccWidth)) u_pe (
    .clk_i       (clk_i),
    .rst_ni      (1'b1),
    .act_i       (act),
    .act_signed_i(act_signed),
    .tok_valid_i (valid && !cycle_q),
    .tok_first_i (first),
    .tok_last_i  (last),
    .tok_sign_i  (sign),
    .tok_shift_i (shift),
    .tok_mask_i  (mask),
    .act_o       (act_o),
    .act_signed_o(act_signed_o),
    .tok_valid_o (tok_valid_o),
    .tok_first_o (tok_first_o),
    .tok_last_o  (tok_last_o),
    .tok_sign_o  (tok_sign_o),
    .tok_shift_o (tok_shift_o),
    .tok_mask_o  (tok_mask_o),
    .acc_o       (acc_o),
    .res_valid_o (res_valid_o),
    .res_o       (res_o)
  );

  // Equation 7, slot by slot. The inner sum adds the lanes pairwise, (a0 + a1) + (a2 + a3)
  // and so on, the order of the RTL's adder tree: any order is the same number, but ABC's
  // iprove did not prove a lane-by-lane chain equal to the tree within 5 minutes at M = 16
  // (at M = 8 it took 13-22 s against 2-3 s for matching orders).
  reg signed [AccWidth-1:0] expect_acc;
  reg signed [M*AccWidth-1:0] leaf;  // per lane m_i[j] * Sign(w_i) * a_i, then the tree
  reg signed [AccWidth-1:0] a;       // a_i
  reg signed [AccWidth-1:0] pow2;    // 2^(s_j)
  integer i, j, w;
  always @* begin
    expect_acc = first ? {AccWidth{1'b0}} : acc_start;
    for (j = 0; j < S; j = j + 1) begin
      for (i = 0; i < M; i = i + 1) begin
        if (act_signed) a = $signed(act[8*i +: 8]);          // int8: -128..127
        else            a = $signed({1'b0, act[8*i +: 8]});  // uint8: 0..255
        leaf[AccWidth*i +: AccWidth] = mask[M*j + i] ? (sign[i] ? -a : a) : {AccWidth{1'b0}};
      end
      for (w = 1; w < M; w = w * 2) begin
        for (i = 0; i + w < M; i = i + 2 * w) begin
          leaf[AccWidth*i +: AccWidth] = leaf[AccWidth*i +: AccWidth] +
                                         leaf[AccWidth*(i + w) +: AccWidth];
        end
      end
      pow2       = 1 << shift[3*j +: 3];
      expect_acc = expect_acc + $signed(leaf[0 +: AccWidth]) * pow2;
    end
  end

  wire [AccWidth-1:0] acc_next = valid ? expect_acc : acc_start;

  always @* begin
    if (!cycle_q) begin
      assume (acc_o == acc_start);
      assume (res_o == res_start);
    end else begin
      assert (acc_o == acc_next);
      assert (res_valid_o == (valid && last));
      assert (res_o == ((valid && last) ? acc_next : res_start));
      assert (act_o == act && act_signed_o == act_signed);
      assert (tok_valid_o == valid && tok_first_o == first && tok_last_o == last);
      assert (tok_sign_o == sign && tok_shift_o == shift && tok_mask_o == mask);
    end
  end

endmodule

`default_nettype wire
