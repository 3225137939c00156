// swis_pe: SWIS bit-serial processing element, one shift (SS) or two shifts (DS) of one
// weight group per cycle (paper Equation 7). Timing: every input is registered once; the
// forwarded activation and token appear on act_o/tok_*_o one cycle after they are taken,
// acc_o shows the accumulator after the edge, and res_o/res_valid_o present a completed
// output one cycle after the token that carries `last`.
//
// Token encoding (one shift slot = one bit position of the group's shared support vector):
//   tok_sign_i[i]         sign of weight i (1 = negative), shared by every slot
//   tok_shift_i[3s +: 3]  bit position s_j of slot s
//   tok_mask_i[Ms +: M]   mask bits m_i[j] of slot s; an empty slot (odd N on a DS PE) has
//                         an all-zero mask and so adds nothing
//   tok_first_i           restart: the accumulator takes this token's contribution alone
//   tok_last_i            this token completes an output: it is presented on res_o next cycle
//
// Activations are int8 (act_signed_i = 1) or uint8 (act_signed_i = 0). Sign inversion is done
// once per lane and shared by both slots, which is where a DS PE saves over two SS PEs.
//
// Accumulator bound: a weight is at most 255 in magnitude (all eight shifts) and an
// activation at most 255 (uint8), so one weight adds at most 65025 = 255 * 255. A reduction
// of K weights is exact while K * 65025 <= 2^(AccWidth-1) - 1: K <= 33025 for AccWidth = 32.
// The golden model (lib/golden/pe_model.h, max_reduction) holds the same bound and refuses beyond it.
`default_nettype none

module swis_pe #(
  parameter integer GroupSize      = 4,   // M: weights (lanes) per group, 1..16
  parameter integer ShiftsPerCycle = 2,   // 1 = single-shift, 2 = double-shift
  parameter integer AccWidth       = 32   // accumulator and result width (two's complement)
) (
  input  wire                                clk_i,
  input  wire                                rst_ni,         // asynchronous, active low
  // West: one activation group and its format.
  input  wire [GroupSize*8-1:0]              act_i,          // lane i in bits [8i +: 8]
  input  wire                                act_signed_i,   // 1: int8 lanes, 0: uint8 lanes
  // North: one weight token.
  input  wire                                tok_valid_i,    // token present this cycle
  input  wire                                tok_first_i,    // restart the accumulation
  input  wire                                tok_last_i,     // completes an output
  input  wire [GroupSize-1:0]                tok_sign_i,     // per-lane weight sign
  input  wire [ShiftsPerCycle*3-1:0]         tok_shift_i,    // per-slot bit position
  input  wire [ShiftsPerCycle*GroupSize-1:0] tok_mask_i,     // per-slot lane masks
  // East: the activation group, one cycle later.
  output wire [GroupSize*8-1:0]              act_o,
  output wire                                act_signed_o,
  // South: the token, one cycle later.
  output wire                                tok_valid_o,
  output wire                                tok_first_o,
  output wire                                tok_last_o,
  output wire [GroupSize-1:0]                tok_sign_o,
  output wire [ShiftsPerCycle*3-1:0]         tok_shift_o,
  output wire [ShiftsPerCycle*GroupSize-1:0] tok_mask_o,
  // Accumulator (exposed for verification) and completed result.
  output wire [AccWidth-1:0]                 acc_o,
  output wire                                res_valid_o,    // one-cycle pulse per output
  output wire [AccWidth-1:0]                 res_o           // holds until the next output
);

  // A lane after sign inversion lies in [-255, 255]: 9 bits. The sum of M lanes needs
  // clog2(M) more, and the shift by up to 7 seven more.
  localparam integer LaneWidth = 9;
  localparam integer SumWidth  = LaneWidth + $clog2(GroupSize);
  localparam integer ProdWidth = SumWidth + 7;

  // ---------------------------------------------------------------------------------------
  // Lanes: extend to 9 bits as int8 or uint8, then apply the weight sign once, shared by
  // both slots.
  // ---------------------------------------------------------------------------------------
  wire [GroupSize*LaneWidth-1:0] lane_val;

  genvar i, s;
  generate
    for (i = 0; i < GroupSize; i = i + 1) begin : gen_lane
      wire [7:0]           act_raw = act_i[8*i +: 8];
      wire [LaneWidth-1:0] act_ext = {act_signed_i & act_raw[7], act_raw};
      assign lane_val[LaneWidth*i +: LaneWidth] = tok_sign_i[i] ? (~act_ext + 1'b1) : act_ext;
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // Slots: mask the lanes, add them in a balanced tree (clog2(M) adders deep, not M in a
  // chain), shift to the slot's bit position.
  // ---------------------------------------------------------------------------------------
  wire [ShiftsPerCycle*ProdWidth-1:0] slot_val;

  generate
    for (s = 0; s < ShiftsPerCycle; s = s + 1) begin : gen_slot
      wire [GroupSize-1:0]       mask  = tok_mask_i[GroupSize*s +: GroupSize];
      wire [2:0]                 shift = tok_shift_i[3*s +: 3];
      reg  [GroupSize*SumWidth-1:0] node;  // the tree, reduced in place: node 0 ends as the sum
      integer                    k, w;

      always @* begin
        for (k = 0; k < GroupSize; k = k + 1) begin
          node[SumWidth*k +: SumWidth] =
              {{(SumWidth - LaneWidth){lane_val[LaneWidth*k + LaneWidth - 1]}},
               lane_val[LaneWidth*k +: LaneWidth]} & {SumWidth{mask[k]}};
        end
        for (w = 1; w < GroupSize; w = w * 2) begin
          for (k = 0; k + w < GroupSize; k = k + 2 * w) begin
            node[SumWidth*k +: SumWidth] = node[SumWidth*k +: SumWidth] +
                                           node[SumWidth*(k + w) +: SumWidth];
          end
        end
      end

      wire [SumWidth-1:0]  sum  = node[0 +: SumWidth];
      wire [ProdWidth-1:0] prod = {{7{sum[SumWidth-1]}}, sum} << shift;
      assign slot_val[ProdWidth*s +: ProdWidth] = prod;
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // Accumulate: `first` drops the old value, `last` publishes the new one. The slots and the
  // accumulator are one sum, so that synthesis can add them with one carry-propagate adder.
  // ---------------------------------------------------------------------------------------
  reg [AccWidth-1:0] contrib;
  integer            slot;
  always @* begin
    contrib = {AccWidth{1'b0}};
    for (slot = 0; slot < ShiftsPerCycle; slot = slot + 1) begin
      contrib = contrib + {{(AccWidth - ProdWidth){slot_val[ProdWidth*slot + ProdWidth - 1]}},
                           slot_val[ProdWidth*slot +: ProdWidth]};
    end
  end

  reg  [AccWidth-1:0] acc_q;
  reg  [AccWidth-1:0] res_q;
  reg                 res_valid_q;
  wire [AccWidth-1:0] acc_d = (tok_first_i ? {AccWidth{1'b0}} : acc_q) + contrib;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q       <= {AccWidth{1'b0}};
      res_q       <= {AccWidth{1'b0}};
      res_valid_q <= 1'b0;
    end else begin
      res_valid_q <= tok_valid_i & tok_last_i;
      if (tok_valid_i) begin
        acc_q <= acc_d;
      end
      if (tok_valid_i & tok_last_i) begin
        res_q <= acc_d;
      end
    end
  end

  // ---------------------------------------------------------------------------------------
  // Forwarding: one register stage east and south.
  // ---------------------------------------------------------------------------------------
  reg [GroupSize*8-1:0]              act_q;
  reg                                act_signed_q;
  reg                                tok_valid_q;
  reg                                tok_first_q;
  reg                                tok_last_q;
  reg [GroupSize-1:0]                tok_sign_q;
  reg [ShiftsPerCycle*3-1:0]         tok_shift_q;
  reg [ShiftsPerCycle*GroupSize-1:0] tok_mask_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q        <= {(GroupSize*8){1'b0}};
      act_signed_q <= 1'b0;
      tok_valid_q  <= 1'b0;
      tok_first_q  <= 1'b0;
      tok_last_q   <= 1'b0;
      tok_sign_q   <= {GroupSize{1'b0}};
      tok_shift_q  <= {(ShiftsPerCycle*3){1'b0}};
      tok_mask_q   <= {(ShiftsPerCycle*GroupSize){1'b0}};
    end else begin
      act_q        <= act_i;
      act_signed_q <= act_signed_i;
      tok_valid_q  <= tok_valid_i;
      tok_first_q  <= tok_first_i;
      tok_last_q   <= tok_last_i;
      tok_sign_q   <= tok_sign_i;
      tok_shift_q  <= tok_shift_i;
      tok_mask_q   <= tok_mask_i;
    end
  end

  assign act_o        = act_q;
  assign act_signed_o = act_signed_q;
  assign tok_valid_o  = tok_valid_q;
  assign tok_first_o  = tok_first_q;
  assign tok_last_o   = tok_last_q;
  assign tok_sign_o   = tok_sign_q;
  assign tok_shift_o  = tok_shift_q;
  assign tok_mask_o   = tok_mask_q;
  assign acc_o        = acc_q;
  assign res_o        = res_q;
  assign res_valid_o  = res_valid_q;

endmodule

`default_nettype wire
