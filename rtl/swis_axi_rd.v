// swis_axi_rd: AXI4 read master for one job at a time: Words 64-bit words from an 8-byte
// aligned address, in INCR bursts of at most MaxBurst beats that never cross a 4 KB page, with
// up to MaxOutstanding bursts in flight (one ID: data return in order). Every data beat is
// passed on (dat_valid_o) the cycle it arrives; rready is always high, so the consumer must
// take one word every cycle. A new job is taken once the last word of the previous one has
// arrived. err_o is sticky: an RRESP other than OKAY was seen.
`default_nettype none

module swis_axi_rd #(
  parameter integer AddrWidth      = 32,
  parameter integer WordsWidth     = 24,
  parameter integer MaxBurst       = 16,  // 1..256
  parameter integer MaxOutstanding = 4
) (
  input  wire                  clk_i,
  input  wire                  rst_ni,
  // Job.
  input  wire                  job_valid_i,
  output wire                  job_ready_o,
  input  wire [AddrWidth-1:0]  job_addr_i,
  input  wire [WordsWidth-1:0] job_words_i,
  // Data of the current job, in order.
  output wire                  dat_valid_o,
  output wire [63:0]           dat_o,
  output wire                  dat_last_o,   // the job's last word
  output wire                  busy_o,
  output reg                   err_o,
  // AXI4 read address and data channels.
  output reg                   ar_valid_o,
  input  wire                  ar_ready_i,
  output reg  [AddrWidth-1:0]  ar_addr_o,
  output reg  [7:0]            ar_len_o,
  output wire [2:0]            ar_size_o,
  output wire [1:0]            ar_burst_o,
  input  wire                  r_valid_i,
  output wire                  r_ready_o,
  input  wire [63:0]           r_data_i,
  input  wire [1:0]            r_resp_i,
  input  wire                  r_last_i
);

  localparam integer OutW = $clog2(MaxOutstanding + 1);

  reg                  active_q;
  reg [AddrWidth-1:0]  next_addr_q;   // next burst's address
  reg [WordsWidth-1:0] to_ask_q;      // words not yet requested
  reg [WordsWidth-1:0] to_get_q;      // words not yet arrived
  reg [OutW-1:0]       outstanding_q; // bursts requested, last beat not yet arrived

  // Beats to the end of the 4 KB page, and the next burst's length.
  wire [9:0]           page_left = 10'd512 - {1'b0, next_addr_q[11:3]};
  localparam integer CapI = (MaxBurst < 512) ? MaxBurst : 512;
  localparam [WordsWidth-1:0] Cap = CapI[WordsWidth-1:0];
  wire [WordsWidth-1:0] by_page  = {{(WordsWidth-10){1'b0}}, page_left};
  wire [WordsWidth-1:0] lim      = (by_page < Cap) ? by_page : Cap;
  wire [WordsWidth-1:0] beats    = (to_ask_q < lim) ? to_ask_q : lim;

  wire ar_fire  = ar_valid_o && ar_ready_i;
  wire r_fire   = r_valid_i;  // r_ready is always high
  wire burst_in = r_fire && r_last_i;
  wire can_ask  = active_q && !ar_valid_o && to_ask_q != {WordsWidth{1'b0}} &&
                  outstanding_q < MaxOutstanding[OutW-1:0];

  assign job_ready_o = !active_q;
  assign busy_o      = active_q;
  assign dat_valid_o = active_q && r_fire;
  assign dat_o       = r_data_i;
  assign dat_last_o  = to_get_q == {{(WordsWidth-1){1'b0}}, 1'b1};
  assign r_ready_o   = 1'b1;
  assign ar_size_o   = 3'd3;   // 8 bytes a beat
  assign ar_burst_o  = 2'b01;  // INCR

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q      <= 1'b0;
      next_addr_q   <= {AddrWidth{1'b0}};
      to_ask_q      <= {WordsWidth{1'b0}};
      to_get_q      <= {WordsWidth{1'b0}};
      outstanding_q <= {OutW{1'b0}};
      ar_valid_o    <= 1'b0;
      ar_addr_o     <= {AddrWidth{1'b0}};
      ar_len_o      <= 8'd0;
      err_o         <= 1'b0;
    end else begin
      if (ar_fire) ar_valid_o <= 1'b0;
      if (can_ask) begin
        ar_valid_o  <= 1'b1;
        ar_addr_o   <= next_addr_q;
        ar_len_o    <= beats[7:0] - 8'd1;
        next_addr_q <= next_addr_q + {{(AddrWidth-WordsWidth-3){1'b0}}, beats, 3'b000};
        to_ask_q    <= to_ask_q - beats;
      end
      outstanding_q <= outstanding_q + {{(OutW-1){1'b0}}, ar_fire} - {{(OutW-1){1'b0}}, burst_in};
      if (r_fire && r_resp_i != 2'b00) err_o <= 1'b1;
      if (dat_valid_o) begin
        to_get_q <= to_get_q - 1'b1;
        if (dat_last_o) active_q <= 1'b0;
      end
      if (job_valid_i && !active_q) begin
        active_q    <= job_words_i != {WordsWidth{1'b0}};
        next_addr_q <= {job_addr_i[AddrWidth-1:3], 3'b000};
        to_ask_q    <= job_words_i;
        to_get_q    <= job_words_i;
      end
    end
  end

  wire unused_low = ^job_addr_i[2:0];  // jobs start on 8-byte words

endmodule

`default_nettype wire
