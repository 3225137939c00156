// swis_array: output-stationary Rows x Cols systolic array of SWIS PEs (or of fixed-point
// PEs, FixedPoint = 1) with the staggered activation feed. PE (r, c) computes output row r
// of a tile for filter c.
//
// Streams (valid/ready; bubbles and backpressure are legal at any cycle):
//   cfg  one beat per tile: N shifts (1..8), G groups (1..2^GroupsWidth - 1), int8/uint8.
//   act  one beat per group: the activation group of every row. Read once and held for the
//        group's ceil(N / ShiftsPerCycle) steps (the staggered feed).
//   tok  one beat per step: the weight token (signs, shifts, masks) of every column.
//   res  one beat per tile column: Rows results (row r in bits [r*AccWidth +: AccWidth]),
//        the tile's sequence number and the column. Columns leave in order 0, 1, ..., Cols-1.
//
// Timing. A step is injected at the edge when the tile's token beat (and, on the group's
// first step, its activation beat) is present. The RTL skews row r by r cycles and column c
// by c cycles, so the activation and the token of one step meet in PE (r, c) r + c cycles
// after injection. The controller marks the tile's first step `first` and its last step
// `last`.
//
// Drain. The PEs' result registers hold a tile's results until they leave; nothing else
// stores them. Column c is complete when its bottom PE completes (every PE above it did so
// earlier), and is then presented as one beat, read across the column's result registers;
// the columns complete one cycle apart, in the order they leave. A tile's last step is held
// back until the previous tile's last column has left, so that no completed output is
// overwritten before it left ("drain stall"); backpressure on res only delays that.
// Injected last step at cycle e: column c is presented from e + Rows + c, and with res always
// ready the last column leaves at e + Rows + Cols - 1; the next tile's last step can go in
// at e + Rows + Cols.
//
// FixedPoint = 1 builds the same array of fxp_pe: one beat of M int8 weights per column
// (tok_weight_i) per group, one step per group; cfg_shifts_i and the SWIS token fields are
// not used.
//
// Counters: busy (a step injected), stall (a step ready but held back by the drain), idle
// (anything else) cycles since reset.
`default_nettype none

module swis_array #(
  parameter integer Rows           = 8,
  parameter integer Cols           = 8,
  parameter integer GroupSize      = 4,
  parameter integer ShiftsPerCycle = 2,
  parameter integer AccWidth       = 32,
  parameter integer GroupsWidth    = 13,   // G per tile < 2^GroupsWidth (accumulator bound)
  parameter integer TileWidth      = 16,   // tile sequence number on res beats (wraps)
  parameter integer FixedPoint     = 0     // 1: fxp_pe (8-bit weights), not swis_pe
) (
  input  wire                                     clk_i,
  input  wire                                     rst_ni,
  // Tile configuration.
  input  wire                                     cfg_valid_i,
  output wire                                     cfg_ready_o,
  input  wire [3:0]                               cfg_shifts_i,
  input  wire [GroupsWidth-1:0]                   cfg_groups_i,
  input  wire                                     cfg_act_signed_i,
  // Activations: row r's group in bits [r*GroupSize*8 +: GroupSize*8].
  input  wire                                     act_valid_i,
  output wire                                     act_ready_o,
  input  wire [Rows*GroupSize*8-1:0]              act_i,
  // Weight tokens: column c's token in the c-th field of each bus.
  input  wire                                     tok_valid_i,
  output wire                                     tok_ready_o,
  input  wire [Cols*GroupSize-1:0]                tok_sign_i,
  input  wire [Cols*ShiftsPerCycle*3-1:0]         tok_shift_i,
  input  wire [Cols*ShiftsPerCycle*GroupSize-1:0] tok_mask_i,
  // Fixed-point weights (FixedPoint = 1): column c's group in bits [c*GroupSize*8 +: GroupSize*8].
  input  wire [Cols*GroupSize*8-1:0]              tok_weight_i,
  // Results: one column of a tile, row r's result in bits [r*AccWidth +: AccWidth].
  output wire                                     res_valid_o,
  input  wire                                     res_ready_i,
  output wire [TileWidth-1:0]                     res_tile_o,
  output wire [ColWidth-1:0]                      res_col_o,
  output wire [Rows*AccWidth-1:0]                 res_data_o,
  // Cycle counters.
  output wire [31:0]                              cnt_busy_o,
  output wire [31:0]                              cnt_stall_o,
  output wire [31:0]                              cnt_idle_o,
  // Verification only: PE (r, c)'s accumulator in bits [(r*Cols + c)*AccWidth +: AccWidth].
  output wire [Rows*Cols*AccWidth-1:0]            dbg_acc_o
);

  localparam integer ColWidth  = (Cols > 1) ? $clog2(Cols) : 1;
  localparam integer ActWidth  = GroupSize * 8;
  localparam integer MaskWidth = ShiftsPerCycle * GroupSize;
  // Token as it travels: {valid, first, last, fields}; fields are {sign, shift, mask} for a
  // SWIS PE, the M weights for a fixed-point PE.
  localparam integer FieldWidth = (FixedPoint != 0) ? GroupSize * 8
                                                  : GroupSize + ShiftsPerCycle * 3 + MaskWidth;
  localparam integer TokWidth   = 3 + FieldWidth;

  // =========================================================================================
  // Edge controller: walks the current tile's groups and steps.
  // =========================================================================================
  reg                   cur_valid_q;
  reg [3:0]             cur_shifts_q;
  reg [GroupsWidth-1:0] cur_groups_q;
  reg                   cur_signed_q;
  reg [GroupsWidth-1:0] group_q;
  reg [2:0]             step_q;
  reg [ActWidth*Rows-1:0] act_hold_q;
  reg                   drain_q;     // a tile's results are on their way out, not all popped
  reg [ColWidth-1:0]    out_col_q;   // the column presented next
  reg [31:0]            busy_q, stall_q, idle_q;

  // Steps per group: N single-shift, ceil(N / 2) double-shift, 1 fixed point.
  wire [3:0] steps_per_group = (FixedPoint != 0) ? 4'd1 :
                               (ShiftsPerCycle == 2) ? ((cur_shifts_q + 4'd1) >> 1) : cur_shifts_q;
  wire       group_start = step_q == 3'd0;
  wire       group_end   = {1'b0, step_q} == steps_per_group - 4'd1;
  wire       tile_end    = group_end && group_q == cur_groups_q - 1'b1;
  wire       held_back   = tile_end && drain_q;
  wire       step_ready  = cur_valid_q && tok_valid_i && (!group_start || act_valid_i);
  wire       fire        = step_ready && !held_back;
  wire       pop         = res_valid_o && res_ready_i;
  wire       tile_out    = pop && out_col_q == Cols[ColWidth-1:0] - 1'b1;  // a tile's last beat

  assign tok_ready_o = fire;
  assign act_ready_o = fire && group_start;
  assign cfg_ready_o = !cur_valid_q || (fire && tile_end);

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cur_valid_q  <= 1'b0;
      cur_shifts_q <= 4'd1;
      cur_groups_q <= {{(GroupsWidth-1){1'b0}}, 1'b1};
      cur_signed_q <= 1'b0;
      group_q      <= {GroupsWidth{1'b0}};
      step_q       <= 3'd0;
      act_hold_q   <= {(ActWidth*Rows){1'b0}};
      drain_q      <= 1'b0;
      busy_q       <= 32'd0;
      stall_q      <= 32'd0;
      idle_q       <= 32'd0;
    end else begin
      if (cfg_valid_i && cfg_ready_o) begin
        cur_valid_q  <= 1'b1;
        cur_shifts_q <= cfg_shifts_i;
        cur_groups_q <= cfg_groups_i;
        cur_signed_q <= cfg_act_signed_i;
        group_q      <= {GroupsWidth{1'b0}};
        step_q       <= 3'd0;
      end else if (fire && tile_end) begin
        cur_valid_q <= 1'b0;
      end else if (fire) begin
        step_q  <= group_end ? 3'd0 : step_q + 3'd1;
        group_q <= group_end ? group_q + 1'b1 : group_q;
      end
      if (fire && group_start) act_hold_q <= act_i;
      // Exclusive: a last step fires only when drain_q is clear, a pop only when it is set.
      if (fire && tile_end) begin
        drain_q <= 1'b1;
      end else if (tile_out) begin
        drain_q <= 1'b0;
      end
      busy_q  <= busy_q + {31'd0, fire};
      stall_q <= stall_q + {31'd0, step_ready && held_back};
      idle_q  <= idle_q + {31'd0, !step_ready};
    end
  end

  assign cnt_busy_o  = busy_q;
  assign cnt_stall_o = stall_q;
  assign cnt_idle_o  = idle_q;

  // =========================================================================================
  // Edge skew: row r's activation waits r cycles, column c's token c cycles.
  // =========================================================================================
  // The held group, or the new one on a group's first step.
  wire [ActWidth*Rows-1:0] act_edge = group_start ? act_i : act_hold_q;

  // Arrays of nets rather than one wide bus each: a simulator then wakes only the readers of
  // the element that changed (Icarus Verilog is many times slower on wide buses).
  wire [ActWidth:0]   west  [0:Rows-1];  // {signed, act} entering column 0 of each row
  wire [TokWidth-1:0] north [0:Cols-1];  // token entering row 0 of each column

  genvar r, c;
  generate
    // Instance outputs go through a local net: Yosys 0.23 fails an assertion when a port
    // connects straight to an element of a net array in a parameterised parent.
    for (r = 0; r < Rows; r = r + 1) begin : gen_act_skew
      wire [ActWidth:0] q;
      swis_delay #(.Width(ActWidth + 1), .Depth(r)) u_delay (
        .clk_i (clk_i),
        .rst_ni(rst_ni),
        .d_i   ({cur_signed_q, act_edge[ActWidth*r +: ActWidth]}),
        .q_o   (q)
      );
      assign west[r] = q;
    end
    for (c = 0; c < Cols; c = c + 1) begin : gen_tok_skew
      wire [TokWidth-1:0]   q;
      wire [FieldWidth-1:0] fields;
      if (FixedPoint != 0) begin : gen_fxp_fields
        assign fields = tok_weight_i[GroupSize*8*c +: GroupSize*8];
      end else begin : gen_swis_fields
        assign fields = {tok_sign_i[GroupSize*c +: GroupSize],
                         tok_shift_i[ShiftsPerCycle*3*c +: ShiftsPerCycle*3],
                         tok_mask_i[MaskWidth*c +: MaskWidth]};
      end
      swis_delay #(.Width(TokWidth), .Depth(c)) u_delay (
        .clk_i (clk_i),
        .rst_ni(rst_ni),
        .d_i   ({fire, fire && group_start && group_q == 0, fire && tile_end, fields}),
        .q_o   (q)
      );
      assign north[c] = q;
    end
    // The token inputs of the other kind of PE have no reader.
    if (FixedPoint != 0) begin : gen_fxp_unused
      wire unused_swis_tok = ^{tok_sign_i, tok_shift_i, tok_mask_i, cfg_shifts_i};
    end else begin : gen_swis_unused
      wire unused_fxp_tok = ^tok_weight_i;
    end
  endgenerate

  // =========================================================================================
  // PE grid. h_act[r][c] is the activation entering PE (r, c) from the west (c = Cols is the
  // east edge); v_tok[r][c] the token entering it from the north (r = Rows is the bottom).
  // =========================================================================================
  wire [ActWidth:0]   h_act  [0:Rows*(Cols+1)-1];
  wire [TokWidth-1:0] v_tok  [0:(Rows+1)*Cols-1];
  wire [AccWidth-1:0] pe_res [0:Rows*Cols-1];
  wire [Rows*Cols-1:0] pe_res_valid;

  generate
    for (r = 0; r < Rows; r = r + 1) begin : gen_row
      assign h_act[r*(Cols+1)] = west[r];
      for (c = 0; c < Cols; c = c + 1) begin : gen_col
        localparam integer H = r * (Cols + 1) + c;
        localparam integer V = r * Cols + c;
        if (r == 0) begin : gen_top
          assign v_tok[c] = north[c];
        end
        wire [ActWidth:0]   act_in = h_act[H];
        wire [TokWidth-1:0] tok_in = v_tok[V];
        wire [TokWidth-1:0] tok_out;
        wire [ActWidth-1:0] act_out;
        wire                act_signed_out;
        wire [AccWidth-1:0] res_out;

        if (FixedPoint != 0) begin : gen_pe
          fxp_pe #(
            .GroupSize(GroupSize),
            .AccWidth (AccWidth)
          ) u_pe (
            .clk_i        (clk_i),
            .rst_ni       (rst_ni),
            .act_i        (act_in[ActWidth-1:0]),
            .act_signed_i (act_in[ActWidth]),
            .tok_valid_i  (tok_in[TokWidth-1]),
            .tok_first_i  (tok_in[TokWidth-2]),
            .tok_last_i   (tok_in[TokWidth-3]),
            .tok_weight_i (tok_in[0 +: FieldWidth]),
            .act_o        (act_out),
            .act_signed_o (act_signed_out),
            .tok_valid_o  (tok_out[TokWidth-1]),
            .tok_first_o  (tok_out[TokWidth-2]),
            .tok_last_o   (tok_out[TokWidth-3]),
            .tok_weight_o (tok_out[0 +: FieldWidth]),
            .acc_o        (dbg_acc_o[AccWidth*V +: AccWidth]),
            .res_valid_o  (pe_res_valid[V]),
            .res_o        (res_out)
          );
        end else begin : gen_pe
          swis_pe #(
            .GroupSize     (GroupSize),
            .ShiftsPerCycle(ShiftsPerCycle),
            .AccWidth      (AccWidth)
          ) u_pe (
            .clk_i        (clk_i),
            .rst_ni       (rst_ni),
            .act_i        (act_in[ActWidth-1:0]),
            .act_signed_i (act_in[ActWidth]),
            .tok_valid_i  (tok_in[TokWidth-1]),
            .tok_first_i  (tok_in[TokWidth-2]),
            .tok_last_i   (tok_in[TokWidth-3]),
            .tok_sign_i   (tok_in[MaskWidth + ShiftsPerCycle*3 +: GroupSize]),
            .tok_shift_i  (tok_in[MaskWidth +: ShiftsPerCycle*3]),
            .tok_mask_i   (tok_in[0 +: MaskWidth]),
            .act_o        (act_out),
            .act_signed_o (act_signed_out),
            .tok_valid_o  (tok_out[TokWidth-1]),
            .tok_first_o  (tok_out[TokWidth-2]),
            .tok_last_o   (tok_out[TokWidth-3]),
            .tok_sign_o   (tok_out[MaskWidth + ShiftsPerCycle*3 +: GroupSize]),
            .tok_shift_o  (tok_out[MaskWidth +: ShiftsPerCycle*3]),
            .tok_mask_o   (tok_out[0 +: MaskWidth]),
            .acc_o        (dbg_acc_o[AccWidth*V +: AccWidth]),
            .res_valid_o  (pe_res_valid[V]),
            .res_o        (res_out)
          );
        end
        assign pe_res[V] = res_out;

        assign h_act[H+1]    = {act_signed_out, act_out};
        assign v_tok[V+Cols] = tok_out;
      end
    end
  endgenerate

  // =========================================================================================
  // Output: one beat per column, read across the column's result registers. loaded_q[c]:
  // column c holds a tile's results not yet popped (from the cycle after its bottom PE
  // completed; in that cycle the completion itself says so).
  // =========================================================================================
  reg [Cols-1:0]      loaded_q;
  reg [TileWidth-1:0] out_tile_q;
  wire [Cols-1:0]     col_done;
  wire [Rows*AccWidth-1:0] col_data [0:Cols-1];

  generate
    for (c = 0; c < Cols; c = c + 1) begin : gen_out
      assign col_done[c] = loaded_q[c] | pe_res_valid[(Rows-1)*Cols + c];
      for (r = 0; r < Rows; r = r + 1) begin : gen_row_of_col
        assign col_data[c][AccWidth*r +: AccWidth] = pe_res[r*Cols + c];
      end
      always @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          loaded_q[c] <= 1'b0;
        end else begin
          loaded_q[c] <= col_done[c] & ~(pop && out_col_q == c);
        end
      end
    end
  endgenerate

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_col_q  <= {ColWidth{1'b0}};
      out_tile_q <= {TileWidth{1'b0}};
    end else begin
      if (tile_out) begin
        out_col_q <= {ColWidth{1'b0}};
      end else if (pop) begin
        out_col_q <= out_col_q + 1'b1;
      end
      out_tile_q <= out_tile_q + {{(TileWidth-1){1'b0}}, tile_out};
    end
  end

  assign res_valid_o = col_done[out_col_q];
  assign res_tile_o  = out_tile_q;
  assign res_col_o   = out_col_q;
  assign res_data_o  = col_data[out_col_q];

endmodule

`default_nettype wire
