// swis_wdec: the weight decoder. Reads one tile's records of the packed format, version 2
// (lib/compiler/packed.h), from the weight buffer and emits the array's token stream: one
// beat of Cols tokens per step (valid/ready). A command plays the tile Blocks times, once per
// row block of the pass; between two plays the decoder restarts from the tile's first word.
//
// The bit window. Buffer words (WordWidth bits, read latency 1) are appended above the bits
// not yet used; a step takes its bits from the bottom:
//   a group's first step: the Cols x M signs, the shift fields (swis: 3 N Cols bits; swis-c:
//                         3 Cols; trunc: none) and the masks of its slots;
//   every later step:     the masks of its slots, Cols x M bits each.
// The record puts the masks of shift k right after those of shift k - 1 and every field at an
// offset that does not depend on the column, so a step's fields are at fixed places in the
// window: the only variable shifts are by the header's size (first step) and by the bits a
// step takes. Signs and shift fields are kept from the first step for the group's others.
// swis-c's shifts are the group's offset plus the slot's index k, trunc's the layer window's
// lowest bit plus k (Section 3.2: one offset per group, incremented on chip). A slot past N
// (the second slot of an odd N's last step) carries shift 0 and mask 0, as the golden
// model's tokens do.
//
// FixedPoint = 1: the records are the tile's int8 weights, per group Cols x M bytes (column c's
// weight i at byte c M + i); a group is one step, its bits go out on tok_weight_o.
//
// Rate: a step fires when its bits are in the window; a word is read whenever there is room
// for it, so the decoder keeps up with one step per cycle while a step needs at most
// WordWidth bits a cycle on average (Cols = 8, M = 4, double shift at N = 2: 144 of 256).
`default_nettype none

module swis_wdec #(
  parameter integer Cols           = 8,
  parameter integer GroupSize      = 4,
  parameter integer ShiftsPerCycle = 2,
  parameter integer GroupsWidth    = 13,
  parameter integer WordWidth      = 256,  // bits of a weight buffer word
  parameter integer AddrWidth      = 10,   // weight buffer address
  parameter integer BlocksWidth    = 16,
  parameter integer FixedPoint     = 0
) (
  input  wire                                     clk_i,
  input  wire                                     rst_ni,
  // One command per tile: where its words are, how many, its N and G, how many plays.
  input  wire                                     cmd_valid_i,
  output wire                                     cmd_ready_o,
  input  wire [AddrWidth-1:0]                     cmd_base_i,
  input  wire [AddrWidth:0]                       cmd_words_i,
  input  wire [3:0]                               cmd_shifts_i,
  input  wire [GroupsWidth-1:0]                   cmd_groups_i,
  input  wire [BlocksWidth-1:0]                   cmd_blocks_i,
  input  wire [1:0]                               cmd_method_i,   // 0 swis, 1 swis-c, 2 trunc
  input  wire [2:0]                               cmd_trunc_i,    // trunc: the window's lowest bit
  // Weight buffer read port (data one cycle after the read).
  output wire                                     rd_en_o,
  output wire [AddrWidth-1:0]                     rd_addr_o,
  input  wire [WordWidth-1:0]                     rd_data_i,
  // Tokens, in the array's tok_* layout.
  output wire                                     tok_valid_o,
  input  wire                                     tok_ready_i,
  output reg  [Cols*GroupSize-1:0]                tok_sign_o,
  output reg  [Cols*ShiftsPerCycle*3-1:0]         tok_shift_o,
  output reg  [Cols*ShiftsPerCycle*GroupSize-1:0] tok_mask_o,
  output wire [Cols*GroupSize*8-1:0]              tok_weight_o,
  output wire                                     busy_o
);

  localparam integer M        = GroupSize;
  localparam integer C        = Cols;
  localparam integer S        = ShiftsPerCycle;
  localparam integer SignBits = C * M;
  localparam integer ShBits   = 3 * 8 * C;                  // room for 8 shift fields a column
  localparam integer WBitsFxp = C * M * 8;                 // a fixed-point group
  localparam integer NeedSwis = SignBits + ShBits + S * C * M;
  localparam integer NeedMax  = (FixedPoint != 0 && WBitsFxp > NeedSwis) ? WBitsFxp : NeedSwis;
  localparam integer WinW     = NeedMax + 2 * WordWidth;
  localparam integer LvlW     = $clog2(WinW + 1);
  localparam integer C3 = 3 * C, CM = C * M, W2 = 2 * WordWidth;
  localparam [LvlW-1:0] FxpL  = WBitsFxp[LvlW-1:0];
  localparam [LvlW-1:0] C3L   = C3[LvlW-1:0];
  localparam [LvlW-1:0] CML   = CM[LvlW-1:0];
  localparam [LvlW-1:0] SignL = SignBits[LvlW-1:0];
  localparam [LvlW:0]   W1L   = WordWidth[LvlW:0];
  localparam [LvlW:0]   W2L   = W2[LvlW:0];
  localparam [LvlW:0]   WinL  = WinW[LvlW:0];
  localparam [LvlW-1:0] WordL = WordWidth[LvlW-1:0];

  reg                   active_q;
  reg [AddrWidth-1:0]   base_q;
  reg [AddrWidth:0]     words_q;
  reg [AddrWidth:0]     rd_ptr_q;     // words of this play read so far
  reg                   inflight_q;   // a read's data arrives this cycle
  reg [3:0]             n_q;
  reg [GroupsWidth-1:0] groups_q;
  reg [GroupsWidth-1:0] group_q;
  reg [2:0]             step_q;
  reg [BlocksWidth-1:0] blocks_q;     // plays left, this one included
  reg [1:0]             method_q;
  reg [2:0]             trunc_q;
  reg [WinW-1:0]        win_q;        // bits [0, level_q) are the stream's next bits; the rest 0
  reg [LvlW-1:0]        level_q;
  reg [SignBits-1:0]    sign_q;       // the group's signs and shift fields, from its first step
  reg [ShBits-1:0]      shift_q;

  // --- The step at the bottom of the window -------------------------------------------------
  wire [3:0] spg        = (FixedPoint != 0) ? 4'd1 : (S == 2) ? ((n_q + 4'd1) >> 1) : n_q;
  wire       first      = step_q == 3'd0;
  wire [3:0] k0         = (S == 2) ? {step_q, 1'b0} : {1'b0, step_q};
  wire [3:0] left       = n_q - k0;
  wire [1:0] slots_used = (left >= S[3:0]) ? S[1:0] : left[1:0];
  wire [LvlW-1:0] sh_bits = (method_q == 2'd0) ? {{(LvlW-4){1'b0}}, n_q} * C3L :
                            (method_q == 2'd1) ? C3L : {LvlW{1'b0}};
  wire [LvlW-1:0] hdr     = first ? SignL + sh_bits : {LvlW{1'b0}};
  wire [LvlW-1:0] need    = (FixedPoint != 0) ? FxpL : hdr + {{(LvlW-2){1'b0}}, slots_used} * CML;
  wire [31:0]     hdr32   = {{(32-LvlW){1'b0}}, hdr};
  wire       last_step  = {1'b0, step_q} == spg - 4'd1;
  wire       last_group = group_q == groups_q - 1'b1;
  wire       can_fire   = active_q && level_q >= need;
  wire       fire       = can_fire && tok_ready_i;
  wire       play_end   = fire && last_step && last_group;

  assign tok_valid_o  = can_fire;
  assign tok_weight_o = win_q[WBitsFxp-1:0];
  assign cmd_ready_o = !active_q;
  assign busy_o      = active_q;

  integer c, s;
  reg [3:0] k;
  reg [2:0] off;
  always @(*) begin
    tok_sign_o  = first ? win_q[SignBits-1:0] : sign_q;
    tok_shift_o = {(C*S*3){1'b0}};
    tok_mask_o  = {(C*S*M){1'b0}};
    for (c = 0; c < C; c = c + 1) begin
      for (s = 0; s < S; s = s + 1) begin
        k = k0 + s[3:0];
        if (k < n_q) begin
          off = first ? win_q[SignBits + 3*c +: 3] : shift_q[3*c +: 3];
          case (method_q)
            2'd0:    tok_shift_o[(c*S+s)*3 +: 3] = first ? win_q[SignBits + 3*(s*C + c) +: 3]
                                                         : shift_q[3*(k*C + c) +: 3];
            2'd1:    tok_shift_o[(c*S+s)*3 +: 3] = off + k[2:0];
            default: tok_shift_o[(c*S+s)*3 +: 3] = trunc_q + k[2:0];
          endcase
          tok_mask_o[(c*S+s)*M +: M] = win_q[hdr32 + (s*C + c)*M +: M];
        end
      end
    end
  end

  // --- Window and buffer reads ---------------------------------------------------------------
  wire [LvlW-1:0] used       = fire ? need : {LvlW{1'b0}};
  wire [LvlW-1:0] level_left = level_q - used;
  wire [LvlW:0]   room_need  = {1'b0, level_q} + (inflight_q ? W2L : W1L);
  wire            rd_issue   = active_q && !play_end && rd_ptr_q < words_q &&
                               room_need <= WinL;
  wire [WinW-1:0] win_left   = win_q >> used;
  wire [WinW-1:0] arriving   = {{(WinW-WordWidth){1'b0}}, rd_data_i} << level_left;

  assign rd_en_o   = rd_issue;
  assign rd_addr_o = base_q + rd_ptr_q[AddrWidth-1:0];

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q   <= 1'b0;
      base_q     <= {AddrWidth{1'b0}};
      words_q    <= {(AddrWidth+1){1'b0}};
      rd_ptr_q   <= {(AddrWidth+1){1'b0}};
      inflight_q <= 1'b0;
      n_q        <= 4'd1;
      groups_q   <= {{(GroupsWidth-1){1'b0}}, 1'b1};
      group_q    <= {GroupsWidth{1'b0}};
      step_q     <= 3'd0;
      blocks_q   <= {BlocksWidth{1'b0}};
      method_q   <= 2'd0;
      trunc_q    <= 3'd0;
      win_q      <= {WinW{1'b0}};
      level_q    <= {LvlW{1'b0}};
      sign_q     <= {SignBits{1'b0}};
      shift_q    <= {ShBits{1'b0}};
    end else begin
      inflight_q <= rd_issue;
      if (rd_issue) rd_ptr_q <= rd_ptr_q + 1'b1;
      win_q   <= win_left | (inflight_q ? arriving : {WinW{1'b0}});
      level_q <= level_left + (inflight_q ? WordL : {LvlW{1'b0}});
      if (fire && first) begin
        sign_q  <= win_q[SignBits-1:0];
        shift_q <= win_q[SignBits +: ShBits];
      end
      if (fire) begin
        if (!last_step) begin
          step_q <= step_q + 3'd1;
        end else begin
          step_q <= 3'd0;
          group_q <= last_group ? {GroupsWidth{1'b0}} : group_q + 1'b1;
        end
      end
      // The play's last step took the record's last bits: every word has been read and has
      // arrived, and what is left in the window is the tile's padding.
      if (play_end) begin
        rd_ptr_q <= {(AddrWidth+1){1'b0}};
        win_q    <= {WinW{1'b0}};
        level_q  <= {LvlW{1'b0}};  // the padding bits go with the window
        blocks_q <= blocks_q - 1'b1;
        if (blocks_q == {{(BlocksWidth-1){1'b0}}, 1'b1}) active_q <= 1'b0;
      end
      if (cmd_valid_i && !active_q) begin
        active_q <= cmd_blocks_i != {BlocksWidth{1'b0}};
        base_q   <= cmd_base_i;
        words_q  <= cmd_words_i;
        rd_ptr_q <= {(AddrWidth+1){1'b0}};
        n_q      <= cmd_shifts_i;
        groups_q <= cmd_groups_i;
        group_q  <= {GroupsWidth{1'b0}};
        step_q   <= 3'd0;
        blocks_q <= cmd_blocks_i;
        method_q <= cmd_method_i;
        trunc_q  <= cmd_trunc_i;
        win_q    <= {WinW{1'b0}};
        level_q  <= {LvlW{1'b0}};
      end
    end
  end

endmodule

`default_nettype wire
