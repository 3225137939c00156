// swis_axi_wr: AXI4 write master for result entries: an entry is Count (1..Rows) 32-bit values
// for consecutive addresses from a 4-byte aligned byte address. It goes out as INCR bursts of
// 64-bit beats with byte strobes (the first beat's low half is masked when the address is not
// 8-byte aligned, the last beat's high half when the values end mid-word), split where the
// range crosses a 4 KB page. AW is sent before the burst's W beats; responses are counted, and
// idle_o is high when no entry is being sent and every burst has its response. err_o is
// sticky: a BRESP other than OKAY.
`default_nettype none

module swis_axi_wr #(
  parameter integer Rows      = 8,
  parameter integer AddrWidth = 32
) (
  input  wire                 clk_i,
  input  wire                 rst_ni,
  input  wire                 ent_valid_i,
  output wire                 ent_ready_o,
  input  wire [AddrWidth-1:0] ent_addr_i,
  input  wire [CountW-1:0]    ent_count_i,
  input  wire [Rows*32-1:0]   ent_data_i,
  output wire                 idle_o,
  output reg                  err_o,
  output reg                  aw_valid_o,
  input  wire                 aw_ready_i,
  output reg  [AddrWidth-1:0] aw_addr_o,
  output reg  [7:0]           aw_len_o,
  output wire [2:0]           aw_size_o,
  output wire [1:0]           aw_burst_o,
  output reg                  w_valid_o,
  input  wire                 w_ready_i,
  output wire [63:0]          w_data_o,
  output wire [7:0]           w_strb_o,
  output wire                 w_last_o,
  input  wire                 b_valid_i,
  output wire                 b_ready_o,
  input  wire [1:0]           b_resp_i
);

  localparam integer CountW = $clog2(Rows + 1);
  localparam integer Slots  = Rows + 2;          // 32-bit slots from the first beat's start
  localparam integer BeatW  = CountW;             // beats <= Rows / 2 + 1 <= Rows

  reg                   have_q;
  reg [AddrWidth-4:0]   word_q;     // 8-byte word of the entry's first value
  reg [Slots*32-1:0]    slot_q;     // slot j: value j - odd_q, zero outside
  reg [Slots-1:0]       live_q;     // slot j holds a value
  reg [BeatW-1:0]       beats_q;    // beats of the entry
  reg [BeatW-1:0]       k_q;        // next beat
  reg [BeatW-1:0]       seg_left_q; // beats left in the current burst
  reg [15:0]            pending_q;  // bursts without a response

  wire [AddrWidth-4:0] word_k    = word_q + {{(AddrWidth-3-BeatW){1'b0}}, k_q};
  wire [9:0]           page_left = 10'd512 - {1'b0, word_k[8:0]};
  wire [BeatW-1:0]     rest      = beats_q - k_q;
  wire [BeatW-1:0]     seg_len   = ({{(10-BeatW){1'b0}}, rest} < page_left) ? rest
                                                                            : page_left[BeatW-1:0];
  wire aw_fire = aw_valid_o && aw_ready_i;
  wire w_fire  = w_valid_o && w_ready_i;

  assign ent_ready_o = !have_q;
  assign idle_o      = !have_q && pending_q == 16'd0;
  assign aw_size_o   = 3'd3;
  assign aw_burst_o  = 2'b01;
  assign b_ready_o   = 1'b1;
  assign w_data_o    = slot_q[64*k_q +: 64];
  assign w_strb_o    = {{4{live_q[2*k_q + 1]}}, {4{live_q[2*k_q]}}};
  assign w_last_o    = seg_left_q == {{(BeatW-1){1'b0}}, 1'b1};

  // Beats of an entry: values plus the masked low half, rounded up to a beat.
  wire [CountW:0] beats_w = ({1'b0, ent_count_i} + {{CountW{1'b0}}, ent_addr_i[2]} + 1'b1) >> 1;
  wire unused_beats_w = beats_w[CountW];
  wire [Slots-1:0] ones = ({{(Slots-1){1'b0}}, 1'b1} << ent_count_i) - 1'b1;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      have_q     <= 1'b0;
      word_q     <= {(AddrWidth-3){1'b0}};
      slot_q     <= {(Slots*32){1'b0}};
      live_q     <= {Slots{1'b0}};
      beats_q    <= {BeatW{1'b0}};
      k_q        <= {BeatW{1'b0}};
      seg_left_q <= {BeatW{1'b0}};
      pending_q  <= 16'd0;
      aw_valid_o <= 1'b0;
      aw_addr_o  <= {AddrWidth{1'b0}};
      aw_len_o   <= 8'd0;
      w_valid_o  <= 1'b0;
      err_o      <= 1'b0;
    end else begin
      pending_q <= pending_q + (aw_fire ? 16'd1 : 16'd0) - (b_valid_i ? 16'd1 : 16'd0);
      if (b_valid_i && b_resp_i != 2'b00) err_o <= 1'b1;
      if (ent_valid_i && !have_q) begin
        have_q  <= 1'b1;
        word_q  <= ent_addr_i[AddrWidth-1:3];
        slot_q  <= ent_addr_i[2] ? {32'd0, ent_data_i, 32'd0} : {64'd0, ent_data_i};
        live_q  <= ent_addr_i[2] ? {ones[Slots-2:0], 1'b0} : ones;
        beats_q <= beats_w[BeatW-1:0];
        k_q     <= {BeatW{1'b0}};
      end
      // A burst's address goes out while no beat is: at the entry's start and after each burst.
      if (have_q && !aw_valid_o && !w_valid_o && k_q != beats_q) begin
        aw_valid_o <= 1'b1;
        aw_addr_o  <= {word_k, 3'b000};
        aw_len_o   <= {{(8-BeatW){1'b0}}, seg_len} - 8'd1;
        seg_left_q <= seg_len;
      end
      if (aw_fire) begin
        aw_valid_o <= 1'b0;
        w_valid_o  <= 1'b1;
      end
      if (w_fire) begin
        k_q        <= k_q + 1'b1;
        seg_left_q <= seg_left_q - 1'b1;
        if (w_last_o) begin
          w_valid_o <= 1'b0;
          if (k_q + 1'b1 == beats_q) have_q <= 1'b0;
        end
      end
    end
  end

  wire unused_low = ^ent_addr_i[1:0];  // values are 4-byte aligned

endmodule

`default_nettype wire
