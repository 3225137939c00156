// swis_array: output-stationary Rows x Cols systolic array of SWIS PEs with the staggered
// activation feed. PE (r, c) computes output row r of a tile for filter c.
//
// Streams (valid/ready; bubbles and backpressure are legal at any cycle):
//   cfg  one beat per tile: N shifts (1..8), G groups (1..2^GroupsWidth - 1), int8/uint8.
//   act  one beat per group: the activation group of every row. Read once and held for the
//        group's ceil(N / ShiftsPerCycle) steps (the staggered feed).
//   tok  one beat per step: the weight token (signs, shifts, masks) of every column.
//   res  one beat per tile row: Cols results, the tile's sequence number and the row.
//        Rows leave bottom first: row Rows-1, Rows-2, ..., 0.
//
// Timing. A step is injected at the edge when the tile's token beat (and, on the group's
// first step, its activation beat) is present. The RTL skews row r by r cycles and column c
// by c cycles, so the activation and the token of one step meet in PE (r, c) r + c cycles
// after injection. The controller marks the tile's first step `first` and its last step
// `last`.
//
// Drain. When the last step leaves the bottom PE of column c, every PE of that column holds
// its result (res_q); the column's drain chain captures them all at once and shifts them
// south, one per cycle. Column c is then delayed by Cols-1-c cycles so that one aligned row
// of Cols results enters the output FIFO per cycle. A tile's last step is held back
//   - until Rows cycles after the previous tile's last step: otherwise the next capture would
//     overwrite the drain chain (and the PEs' res_q) before it is empty ("drain stall"), and
//   - until the output FIFO has room for its Rows beats, counting beats still in flight
//     (credits), so that backpressure on res never loses a result.
// Injected last step at cycle e: the tile's row Rows-1 is in the FIFO at e + Rows + Cols + 1,
// row 0 at e + 2 Rows + Cols. The FIFO holds 2 Rows + Cols + 1 beats: every beat in flight
// when res is always ready, so that the credits then never hold a tile back.
//
// Counters: busy (a step injected), stall (a step ready but held back by the drain or the
// credits), idle (anything else) cycles since reset.
`default_nettype none

module swis_array #(
  parameter integer Rows           = 8,
  parameter integer Cols           = 8,
  parameter integer GroupSize      = 4,
  parameter integer ShiftsPerCycle = 2,
  parameter integer AccWidth       = 32,
  parameter integer GroupsWidth    = 13,   // G per tile < 2^GroupsWidth (accumulator bound)
  parameter integer TileWidth      = 16    // tile sequence number on res beats (wraps)
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
  // Results: column c's result in bits [c*AccWidth +: AccWidth].
  output wire                                     res_valid_o,
  input  wire                                     res_ready_i,
  output wire [TileWidth-1:0]                     res_tile_o,
  output wire [RowWidth-1:0]                      res_row_o,
  output wire [Cols*AccWidth-1:0]                 res_data_o,
  // Cycle counters.
  output wire [31:0]                              cnt_busy_o,
  output wire [31:0]                              cnt_stall_o,
  output wire [31:0]                              cnt_idle_o,
  // Verification only: PE (r, c)'s accumulator in bits [(r*Cols + c)*AccWidth +: AccWidth].
  output wire [Rows*Cols*AccWidth-1:0]            dbg_acc_o
);

  localparam integer RowWidth  = (Rows > 1) ? $clog2(Rows) : 1;
  localparam integer ActWidth  = GroupSize * 8;
  localparam integer MaskWidth = ShiftsPerCycle * GroupSize;
  // Token as it travels: {valid, first, last, sign, shift, mask}.
  localparam integer TokWidth  = 3 + GroupSize + ShiftsPerCycle * 3 + MaskWidth;
  // Enough for every beat in flight when res is always ready: no credit stall then.
  localparam integer OutDepth  = 2 * Rows + Cols + 1;
  localparam integer CntWidth  = $clog2(OutDepth + 1);
  localparam integer BeatWidth = TileWidth + RowWidth + Cols * AccWidth;

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
  reg [RowWidth:0]      gap_q;       // cycles until a tile's last step may go in
  reg [CntWidth-1:0]    pending_q;   // result beats promised to the FIFO, not yet in it
  reg [31:0]            busy_q, stall_q, idle_q;
  wire [CntWidth-1:0]   fifo_count;

  // Steps per group: N single-shift, ceil(N / 2) double-shift.
  wire [3:0] steps_per_group = (ShiftsPerCycle == 2) ? ((cur_shifts_q + 4'd1) >> 1) : cur_shifts_q;
  wire       group_start = step_q == 3'd0;
  wire       group_end   = {1'b0, step_q} == steps_per_group - 4'd1;
  wire       tile_end    = group_end && group_q == cur_groups_q - 1'b1;
  wire [CntWidth:0] credits = OutDepth[CntWidth:0] - {1'b0, fifo_count} - {1'b0, pending_q};
  wire       held_back   = tile_end && (gap_q != 0 || credits < Rows[CntWidth:0]);
  wire       step_ready  = cur_valid_q && tok_valid_i && (!group_start || act_valid_i);
  wire       fire        = step_ready && !held_back;
  wire       fifo_push;

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
      gap_q        <= {(RowWidth+1){1'b0}};
      pending_q    <= {CntWidth{1'b0}};
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
      if (fire && tile_end) begin
        gap_q <= Rows[RowWidth:0] - 1'b1;
      end else if (gap_q != 0) begin
        gap_q <= gap_q - 1'b1;
      end
      pending_q <= pending_q + ((fire && tile_end) ? Rows[CntWidth-1:0] : {CntWidth{1'b0}})
                             - {{(CntWidth-1){1'b0}}, fifo_push};
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
      wire [TokWidth-1:0] q;
      swis_delay #(.Width(TokWidth), .Depth(c)) u_delay (
        .clk_i (clk_i),
        .rst_ni(rst_ni),
        .d_i   ({fire, fire && group_start && group_q == 0, fire && tile_end,
                 tok_sign_i[GroupSize*c +: GroupSize],
                 tok_shift_i[ShiftsPerCycle*3*c +: ShiftsPerCycle*3],
                 tok_mask_i[MaskWidth*c +: MaskWidth]}),
        .q_o   (q)
      );
      assign north[c] = q;
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
        assign pe_res[V] = res_out;

        assign h_act[H+1]    = {act_signed_out, act_out};
        assign v_tok[V+Cols] = tok_out;
      end
    end
  endgenerate

  // =========================================================================================
  // Drain: per column, capture every row's result when the bottom PE completes, then shift
  // south one row per cycle. drain chain index r*Cols + c is row r's stage of column c.
  // =========================================================================================
  wire [AccWidth:0] drain   [0:Rows*Cols-1];  // {valid, result}
  wire [AccWidth:0] aligned [0:Cols-1];       // de-skewed bottom of every column

  generate
    for (c = 0; c < Cols; c = c + 1) begin : gen_drain
      wire capture = pe_res_valid[(Rows-1)*Cols + c];
      for (r = 0; r < Rows; r = r + 1) begin : gen_stage
        localparam integer V = r * Cols + c;
        reg  [AccWidth:0] q;
        wire [AccWidth:0] from_north;
        if (r == 0) begin : gen_head
          assign from_north = {(AccWidth+1){1'b0}};
        end else begin : gen_link
          assign from_north = drain[V-Cols];
        end
        always @(posedge clk_i or negedge rst_ni) begin
          if (!rst_ni) begin
            q <= {(AccWidth+1){1'b0}};
          end else begin
            q <= capture ? {1'b1, pe_res[V]} : from_north;
          end
        end
        assign drain[V] = q;
      end
      wire [AccWidth:0] bottom = drain[(Rows-1)*Cols + c];
      wire [AccWidth:0] deskewed;
      swis_delay #(.Width(AccWidth + 1), .Depth(Cols - 1 - c)) u_deskew (
        .clk_i (clk_i),
        .rst_ni(rst_ni),
        .d_i   (bottom),
        .q_o   (deskewed)
      );
      assign aligned[c] = deskewed;
    end
  endgenerate

  // =========================================================================================
  // Output: tag each aligned row with its tile and row number, queue it.
  // =========================================================================================
  reg [RowWidth-1:0]  out_row_q;    // row of the next beat: Rows-1 down to 0
  reg [TileWidth-1:0] out_tile_q;
  wire [Cols*AccWidth-1:0] out_data;

  generate
    for (c = 0; c < Cols; c = c + 1) begin : gen_out
      assign out_data[AccWidth*c +: AccWidth] = aligned[c][AccWidth-1:0];
    end
  endgenerate

  assign fifo_push = aligned[0][AccWidth];  // column 0's valid; every column is in step

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_row_q  <= Rows[RowWidth-1:0] - 1'b1;
      out_tile_q <= {TileWidth{1'b0}};
    end else if (fifo_push) begin
      out_row_q  <= (out_row_q == 0) ? Rows[RowWidth-1:0] - 1'b1 : out_row_q - 1'b1;
      out_tile_q <= (out_row_q == 0) ? out_tile_q + 1'b1 : out_tile_q;
    end
  end

  wire [BeatWidth-1:0] fifo_out;

  swis_fifo #(.Width(BeatWidth), .Depth(OutDepth)) u_out_fifo (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (fifo_push),
    .data_i ({out_tile_q, out_row_q, out_data}),
    .valid_o(res_valid_o),
    .ready_i(res_ready_i),
    .data_o (fifo_out),
    .count_o(fifo_count)
  );

  assign res_tile_o = fifo_out[BeatWidth-1 -: TileWidth];
  assign res_row_o  = fifo_out[Cols*AccWidth +: RowWidth];
  assign res_data_o = fifo_out[Cols*AccWidth-1:0];

endmodule

`default_nettype wire
