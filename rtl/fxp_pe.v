// fxp_pe: bit-parallel 8-bit fixed-point baseline PE: M signed 8-bit weights times M
// activations per cycle into one accumulator. Same interface shape and timing as swis_pe:
// inputs registered once and forwarded east/south one cycle later, acc_o after the edge,
// res_o/res_valid_o one cycle after the token that carries `last`.
//
// Accumulator bound: |w * a| <= 128 * 255 = 32640 per weight, below the SWIS PE's 65025, so
// the SWIS bound (K <= 33025 weights at AccWidth = 32) holds here with margin.
`default_nettype none

module fxp_pe #(
  parameter integer GroupSize = 4,   // M: weights (lanes) per group, 1..16
  parameter integer AccWidth  = 32   // accumulator and result width (two's complement)
) (
  input  wire                   clk_i,
  input  wire                   rst_ni,         // asynchronous, active low
  // West: one activation group and its format.
  input  wire [GroupSize*8-1:0] act_i,          // lane i in bits [8i +: 8]
  input  wire                   act_signed_i,   // 1: int8 lanes, 0: uint8 lanes
  // North: one weight group (int8 per lane).
  input  wire                   tok_valid_i,
  input  wire                   tok_first_i,    // restart the accumulation
  input  wire                   tok_last_i,     // completes an output
  input  wire [GroupSize*8-1:0] tok_weight_i,   // lane i in bits [8i +: 8], two's complement
  // East and south: one cycle later.
  output wire [GroupSize*8-1:0] act_o,
  output wire                   act_signed_o,
  output wire                   tok_valid_o,
  output wire                   tok_first_o,
  output wire                   tok_last_o,
  output wire [GroupSize*8-1:0] tok_weight_o,
  // Accumulator (exposed for verification) and completed result.
  output wire [AccWidth-1:0]    acc_o,
  output wire                   res_valid_o,    // one-cycle pulse per output
  output wire [AccWidth-1:0]    res_o           // holds until the next output
);

  // int8 x (int8 | uint8) fits 17 bits signed; the sum of M products clog2(M) more.
  localparam integer ProdWidth = 17;
  localparam integer SumWidth  = ProdWidth + $clog2(GroupSize);

  wire [GroupSize*ProdWidth-1:0] lane_prod;

  genvar i;
  generate
    for (i = 0; i < GroupSize; i = i + 1) begin : gen_lane
      wire [7:0]         act_raw = act_i[8*i +: 8];
      wire signed [8:0]  act_ext = $signed({act_signed_i & act_raw[7], act_raw});
      wire signed [7:0]  weight  = $signed(tok_weight_i[8*i +: 8]);
      wire signed [16:0] prod    = act_ext * weight;
      assign lane_prod[ProdWidth*i +: ProdWidth] = prod;
    end
  endgenerate

  // The products summed in a balanced tree (depth clog2(M) adders), reduced in place:
  // node 0 ends as the sum.
  reg     [GroupSize*SumWidth-1:0] node;
  integer                          k, w;
  always @* begin
    for (k = 0; k < GroupSize; k = k + 1) begin
      node[SumWidth*k +: SumWidth] =
          {{(SumWidth - ProdWidth){lane_prod[ProdWidth*k + ProdWidth - 1]}},
           lane_prod[ProdWidth*k +: ProdWidth]};
    end
    for (w = 1; w < GroupSize; w = w * 2) begin
      for (k = 0; k + w < GroupSize; k = k + 2 * w) begin
        node[SumWidth*k +: SumWidth] = node[SumWidth*k +: SumWidth] +
                                       node[SumWidth*(k + w) +: SumWidth];
      end
    end
  end
  wire [SumWidth-1:0] sum = node[0 +: SumWidth];

  wire [AccWidth-1:0] contrib = {{(AccWidth - SumWidth){sum[SumWidth-1]}}, sum};

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

  reg [GroupSize*8-1:0] act_q;
  reg                   act_signed_q;
  reg                   tok_valid_q;
  reg                   tok_first_q;
  reg                   tok_last_q;
  reg [GroupSize*8-1:0] tok_weight_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_q        <= {(GroupSize*8){1'b0}};
      act_signed_q <= 1'b0;
      tok_valid_q  <= 1'b0;
      tok_first_q  <= 1'b0;
      tok_last_q   <= 1'b0;
      tok_weight_q <= {(GroupSize*8){1'b0}};
    end else begin
      act_q        <= act_i;
      act_signed_q <= act_signed_i;
      tok_valid_q  <= tok_valid_i;
      tok_first_q  <= tok_first_i;
      tok_last_q   <= tok_last_i;
      tok_weight_q <= tok_weight_i;
    end
  end

  assign act_o        = act_q;
  assign act_signed_o = act_signed_q;
  assign tok_valid_o  = tok_valid_q;
  assign tok_first_o  = tok_first_q;
  assign tok_last_o   = tok_last_q;
  assign tok_weight_o = tok_weight_q;
  assign acc_o        = acc_q;
  assign res_o        = res_q;
  assign res_valid_o  = res_valid_q;

endmodule

`default_nettype wire
