// swis_accel_regs: the accelerator's AXI4-Lite slave and its descriptor registers
// (docs/accel.md has the map). A write takes effect when AW and W are both valid and is
// ignored (but answered OKAY) unless all four strobes are set and the accelerator is idle;
// CTRL.start is a one-cycle pulse. Reads of unmapped addresses return zero.
`default_nettype none

module swis_accel_regs #(
  parameter integer Rows           = 8,
  parameter integer Cols           = 8,
  parameter integer GroupSize      = 4,
  parameter integer ShiftsPerCycle = 2,
  parameter integer GroupsWidth    = 13,
  parameter integer MaxTiles       = 64,
  parameter integer TileW          = 7,
  parameter integer BlocksW        = 16
) (
  input  wire                   clk_i,
  input  wire                   rst_ni,
  input  wire                   s_awvalid_i,
  output wire                   s_awready_o,
  input  wire [7:0]             s_awaddr_i,
  input  wire                   s_wvalid_i,
  output wire                   s_wready_o,
  input  wire [31:0]            s_wdata_i,
  input  wire [3:0]             s_wstrb_i,
  output reg                    s_bvalid_o,
  input  wire                   s_bready_i,
  output wire [1:0]             s_bresp_o,
  input  wire                   s_arvalid_i,
  output wire                   s_arready_o,
  input  wire [7:0]             s_araddr_i,
  output reg                    s_rvalid_o,
  input  wire                   s_rready_i,
  output reg  [31:0]            s_rdata_o,
  output wire [1:0]             s_rresp_o,
  // The controller's state, for STATUS and CYCLES; busy_i also locks the registers.
  input  wire                   busy_i,
  input  wire                   done_i,
  input  wire                   bad_i,
  input  wire                   axi_err_i,
  input  wire [31:0]            cycles_i,
  // The descriptor.
  output reg                    start_o,
  output reg  [31:0]            act_addr_o,
  output reg  [31:0]            w_addr_o,
  output reg  [31:0]            out_addr_o,
  output reg  [31:0]            out_stride_o,   // bytes from Y[pos][p] to Y[pos + 1][p]
  output reg  [23:0]            rows_o,         // P
  output reg  [GroupsWidth-1:0] groups_o,       // G
  output reg  [23:0]            filters_o,      // F
  output reg  [TileW-1:0]       tiles_o,        // T
  output reg  [BlocksW-1:0]     blocks_o,       // ceil(P / Rows)
  output reg  [1:0]             method_o,
  output reg  [2:0]             trunc_o,
  output reg                    signed_o,
  output reg                    single_o,       // one weight buffer of both halves, no overlap
  output reg  [MaxTiles*4-1:0]  tshift_o
);
  wire wr_fire = s_awvalid_i && s_wvalid_i && !s_bvalid_o;
  assign s_awready_o = wr_fire;
  assign s_wready_o  = wr_fire;
  assign s_bresp_o   = 2'b00;
  assign s_rresp_o   = 2'b00;
  assign s_arready_o = !s_rvalid_o;

  localparam [7:0] RowsB = Rows[7:0], ColsB = Cols[7:0], GroupB = GroupSize[7:0];
  localparam [7:0] SlotsB = ShiftsPerCycle[7:0];
  wire [31:0] status = {28'd0, axi_err_i, bad_i, done_i, busy_i};

  integer ti;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s_bvalid_o <= 1'b0;
      s_rvalid_o <= 1'b0;
      s_rdata_o  <= 32'd0;
      act_addr_o <= 32'd0;
      w_addr_o   <= 32'd0;
      out_addr_o <= 32'd0;
      out_stride_o <= 32'd4;
      rows_o     <= 24'd1;
      groups_o   <= {{(GroupsWidth-1){1'b0}}, 1'b1};
      filters_o  <= 24'd1;
      tiles_o    <= {{(TileW-1){1'b0}}, 1'b1};
      blocks_o   <= {{(BlocksW-1){1'b0}}, 1'b1};
      method_o   <= 2'd0;
      trunc_o    <= 3'd0;
      signed_o   <= 1'b1;
      single_o   <= 1'b0;
      tshift_o   <= {MaxTiles{4'd1}};
      start_o    <= 1'b0;
    end else begin
      start_o <= 1'b0;
      if (s_bvalid_o && s_bready_i) s_bvalid_o <= 1'b0;
      if (wr_fire) begin
        s_bvalid_o <= 1'b1;
        if (s_wstrb_i == 4'hf && !busy_i) begin
          case (s_awaddr_i)
            8'h00: start_o    <= s_wdata_i[0];
            8'h08: act_addr_o <= s_wdata_i;
            8'h0c: w_addr_o   <= s_wdata_i;
            8'h10: out_addr_o <= s_wdata_i;
            8'h14: rows_o     <= s_wdata_i[23:0];
            8'h18: groups_o   <= s_wdata_i[GroupsWidth-1:0];
            8'h1c: filters_o  <= s_wdata_i[23:0];
            8'h20: begin
              method_o <= s_wdata_i[1:0];
              trunc_o  <= s_wdata_i[4:2];
              signed_o <= s_wdata_i[5];
              single_o <= s_wdata_i[6];
            end
            8'h2c: tiles_o    <= s_wdata_i[TileW-1:0];
            8'h30: blocks_o   <= s_wdata_i[BlocksW-1:0];
            8'h34: out_stride_o <= s_wdata_i;
            default: begin
              for (ti = 0; ti < MaxTiles / 8; ti = ti + 1) begin
                if ({24'd0, s_awaddr_i} == 32'h40 + 4 * ti) tshift_o[32*ti +: 32] <= s_wdata_i;
              end
            end
          endcase
        end
      end
      if (s_rvalid_o && s_rready_i) s_rvalid_o <= 1'b0;
      if (s_arvalid_i && !s_rvalid_o) begin
        s_rvalid_o <= 1'b1;
        case (s_araddr_i)
          8'h04:   s_rdata_o <= status;
          8'h24:   s_rdata_o <= cycles_i;
          8'h28:   s_rdata_o <= {RowsB, ColsB, GroupB, SlotsB};
          default: s_rdata_o <= 32'd0;
        endcase
      end
    end
  end
endmodule

`default_nettype wire
