// array_feed: formal harness, the edge feed of a Rows x Cols swis_array. A shadow model built
// only from the array's handshakes and the tile configuration predicts, for every step the
// array injects, which activation and which token each PE must receive and when:
//
//   - controller: a step goes in only inside a tile; an activation beat is taken on exactly
//     the first step of each group, so a group is held for ceil(N / ShiftsPerCycle) steps;
//     only a tile's last step may be held back (drain stall); cfg is accepted when
//     idle or on the tile's last step.
//   - skew: the step injected at cycle t reaches PE (r, c) at cycle t + r + c, carrying
//     column c's token fields as injected, `first` on the tile's first step, `last` on its
//     last, and row r's activation group of the current group (the beat taken on the group's
//     first step, held on the others) with the tile's int8/uint8 flag. No valid token
//     reaches a PE at any other time.
//
// PE inputs are read through Yosys `hierconn` wires: after `flatten`, a harness wire named
// u_arr.<path> is connected to the array's internal net of that name. Verilog cannot build
// such names from a genvar, so run_formal.sh writes them for Rows x Cols into
// array_probes.vh (included below). Every input of the array is free in every cycle except
// reset (driven low in cycle 0 by the harness) and the tile configuration, which is assumed
// legal (1 <= N <= 8, G >= 1).
`default_nettype none

module array_feed #(
  parameter integer Rows           = 2,
  parameter integer Cols           = 3,
  parameter integer GroupSize      = 1,
  parameter integer ShiftsPerCycle = 2,
  parameter integer AccWidth       = 16,
  parameter integer GroupsWidth    = 2
) (
  input wire                                     clk_i,
  input wire                                     cfg_valid_i,
  input wire [3:0]                               cfg_shifts_i,
  input wire [GroupsWidth-1:0]                   cfg_groups_i,
  input wire                                     cfg_act_signed_i,
  input wire                                     act_valid_i,
  input wire [Rows*GroupSize*8-1:0]              act_i,
  input wire                                     tok_valid_i,
  input wire [Cols*GroupSize-1:0]                tok_sign_i,
  input wire [Cols*ShiftsPerCycle*3-1:0]         tok_shift_i,
  input wire [Cols*ShiftsPerCycle*GroupSize-1:0] tok_mask_i,
  input wire                                     res_ready_i
);

  localparam integer S         = ShiftsPerCycle;
  localparam integer ActWidth  = GroupSize * 8;
  localparam integer FieldW    = GroupSize + S * 3 + S * GroupSize;  // sign, shift, mask
  localparam integer TokWidth  = 3 + FieldW;                         // valid, first, last, fields
  localparam integer MaxDelay  = Rows + Cols - 2;
  localparam integer HistDepth = (MaxDelay > 0) ? MaxDelay : 1;

  // Reset: asserted in cycle 0 only.
  reg rst_nq = 1'b0;
  always @(posedge clk_i) rst_nq <= 1'b1;
  wire rst_ni = rst_nq;

  wire cfg_ready_o, act_ready_o, tok_ready_o;

  swis_array #(
    .Rows          (Rows),
    .Cols          (Cols),
    .GroupSize     (GroupSize),
    .ShiftsPerCycle(ShiftsPerCycle),
    .AccWidth      (AccWidth),
    .GroupsWidth   (GroupsWidth),
    .TileWidth     (2)   // res_tile_o is not looked at
  ) u_arr (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .cfg_valid_i     (cfg_valid_i),
    .cfg_ready_o     (cfg_ready_o),
    .cfg_shifts_i    (cfg_shifts_i),
    .cfg_groups_i    (cfg_groups_i),
    .cfg_act_signed_i(cfg_act_signed_i),
    .act_valid_i     (act_valid_i),
    .act_ready_o     (act_ready_o),
    .act_i           (act_i),
    .tok_valid_i     (tok_valid_i),
    .tok_ready_o     (tok_ready_o),
    .tok_sign_i      (tok_sign_i),
    .tok_shift_i     (tok_shift_i),
    .tok_mask_i      (tok_mask_i),
    .tok_weight_i    ({(Cols*GroupSize*8){1'b0}}),  // fixed-point weights: not read here
    .res_valid_o     (),
    .res_ready_i     (res_ready_i),
    .res_tile_o      (),
    .res_col_o       (),
    .res_data_o      (),
    .cnt_busy_o      (),
    .cnt_stall_o     (),
    .cnt_idle_o      (),
    .dbg_acc_o       ()
  );

  // PE (r, c)'s inputs, {act_signed, act} and {valid, first, last, sign, shift, mask}, at
  // index r * Cols + c; array_probes.vh connects them.
  wire [Rows*Cols*(ActWidth+1)-1:0] pe_act;
  wire [Rows*Cols*TokWidth-1:0]     pe_tok;
`include "array_probes.vh"

  // =========================================================================================
  // Shadow model: what the tile configuration and the handshakes say must happen.
  // =========================================================================================
  wire cfg_hs = rst_ni && cfg_valid_i && cfg_ready_o;
  wire act_hs = rst_ni && act_valid_i && act_ready_o;
  wire step   = rst_ni && tok_valid_i && tok_ready_o;   // a step is injected

  reg                   sh_busy_q   = 1'b0;  // inside a tile
  reg [3:0]             sh_n_q      = 4'd0;  // N
  reg [GroupsWidth-1:0] sh_g_q      = {GroupsWidth{1'b0}};
  reg                   sh_signed_q = 1'b0;
  reg [3:0]             sh_step_q   = 4'd0;  // step within the group
  reg [GroupsWidth-1:0] sh_group_q  = {GroupsWidth{1'b0}};
  reg [Rows*ActWidth-1:0] sh_held_q = {(Rows*ActWidth){1'b0}};

  wire [3:0] steps_per_group = (sh_n_q + S - 1) / S;  // ceil(N / S)
  wire       group_first = sh_step_q == 4'd0;
  wire       group_last  = sh_step_q == steps_per_group - 4'd1;
  wire       tile_first  = group_first && sh_group_q == {GroupsWidth{1'b0}};
  wire       tile_last   = group_last && sh_group_q == sh_g_q - 1'b1;

  always @(posedge clk_i) begin
    if (cfg_hs) begin
      sh_busy_q   <= 1'b1;
      sh_n_q      <= cfg_shifts_i;
      sh_g_q      <= cfg_groups_i;
      sh_signed_q <= cfg_act_signed_i;
      sh_step_q   <= 4'd0;
      sh_group_q  <= {GroupsWidth{1'b0}};
    end else if (step) begin
      if (tile_last) sh_busy_q <= 1'b0;
      sh_step_q  <= group_last ? 4'd0 : sh_step_q + 4'd1;
      sh_group_q <= group_last ? sh_group_q + 1'b1 : sh_group_q;
    end
    if (act_hs) sh_held_q <= act_i;
  end

  // What the step injected now must deliver: row r's activation, column c's token.
  wire [Rows*ActWidth-1:0] step_act = group_first ? act_i : sh_held_q;
  wire [Rows*(ActWidth+1)-1:0] exp_act_now;
  wire [Cols*TokWidth-1:0]     exp_tok_now;
  genvar r, c;
  generate
    for (r = 0; r < Rows; r = r + 1) begin : gen_exp_act
      assign exp_act_now[(ActWidth+1)*r +: ActWidth+1] =
          {sh_signed_q, step_act[ActWidth*r +: ActWidth]};
    end
    for (c = 0; c < Cols; c = c + 1) begin : gen_exp_tok
      assign exp_tok_now[TokWidth*c +: TokWidth] = {
          step, step && tile_first, step && tile_last,
          tok_sign_i[GroupSize*c +: GroupSize],
          tok_shift_i[S*3*c +: S*3],
          tok_mask_i[S*GroupSize*c +: S*GroupSize]};
    end
  endgenerate

  // History of expectations: hist_*[k] is what was injected k cycles ago.
  reg [Rows*(ActWidth+1)-1:0] hist_act [1:HistDepth];
  reg [Cols*TokWidth-1:0]     hist_tok [1:HistDepth];
  integer k;
  initial begin
    for (k = 1; k <= HistDepth; k = k + 1) begin
      hist_act[k] = {(Rows*(ActWidth+1)){1'b0}};
      hist_tok[k] = {(Cols*TokWidth){1'b0}};
    end
  end
  always @(posedge clk_i) begin
    hist_act[1] <= exp_act_now;
    hist_tok[1] <= exp_tok_now;
    for (k = 2; k <= HistDepth; k = k + 1) begin
      hist_act[k] <= hist_act[k-1];
      hist_tok[k] <= hist_tok[k-1];
    end
  end

  // =========================================================================================
  // Assumptions: a legal tile configuration.
  // =========================================================================================
  always @* begin
    if (cfg_valid_i) begin
      assume (cfg_shifts_i >= 4'd1 && cfg_shifts_i <= 4'd8);
      assume (cfg_groups_i != {GroupsWidth{1'b0}});
    end
  end

  // =========================================================================================
  // Controller and hold.
  // =========================================================================================
  wire step_ready = sh_busy_q && tok_valid_i && (!group_first || act_valid_i);
  always @* begin
    if (rst_ni) begin
      assert (!tok_ready_o || step_ready);                         // steps only in a tile
      assert (act_ready_o == (tok_ready_o && group_first));         // hold: one beat a group
      assert (!step_ready || tile_last || tok_ready_o);             // only the last step stalls
      assert (cfg_ready_o == (!sh_busy_q || (step && tile_last)));  // next tile after the last
    end
  end

  // =========================================================================================
  // Skew: PE (r, c) sees at t + r + c what was injected at t.
  // =========================================================================================
  generate
    for (r = 0; r < Rows; r = r + 1) begin : gen_chk_row
      for (c = 0; c < Cols; c = c + 1) begin : gen_chk_col
        localparam integer D = r + c;
        wire [ActWidth:0]   got_act = pe_act[(ActWidth+1)*(r*Cols+c) +: ActWidth+1];
        wire [TokWidth-1:0] got_tok = pe_tok[TokWidth*(r*Cols+c) +: TokWidth];
        wire [Rows*(ActWidth+1)-1:0] row_acts = (D == 0) ? exp_act_now : hist_act[D];
        wire [Cols*TokWidth-1:0]     col_toks = (D == 0) ? exp_tok_now : hist_tok[D];
        wire [ActWidth:0]   want_act = row_acts[(ActWidth+1)*r +: ActWidth+1];
        wire [TokWidth-1:0] want_tok = col_toks[TokWidth*c +: TokWidth];
        always @* begin
          assert (got_tok[TokWidth-1] == want_tok[TokWidth-1]);
          if (want_tok[TokWidth-1]) begin
            assert (got_tok == want_tok);
            assert (got_act == want_act);
          end
        end
      end
    end
  endgenerate

endmodule

`default_nettype wire
