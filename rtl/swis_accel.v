// swis_accel: the SWIS accelerator: the array, its buffers, the weight decoder, AXI4 and AXI4-Lite.
// The array of swis_array, an activation buffer, a double weight buffer, an output buffer, the
// weight decoder, an AXI4 master for memory and an AXI4-Lite slave for the descriptor and status
// registers (docs/accel.md has the register map, the memory layouts and the timing).
//
// One run computes one pass of a layer: P output rows (a block of Rows at a time) against T
// filter tiles (Cols filters each) over G groups. The pass's activations (the host's im2col
// rows, block by block) are read into the activation buffer, then tile 0's records (packed
// format version 2) into weight buffer half 0; the decoder plays tile t from half t mod 2 once
// per row block while tile t + 1's records are read into the other half (MODE.single: a tile
// takes both halves and the next is read after it), and the activation buffer is replayed once
// per tile. Results go through the output buffer to memory as Y[pos][p] (int32, pos = t Cols +
// c, padding columns dropped); STATUS.done rises with the last write response.
`default_nettype none

module swis_accel #(
  parameter integer Rows           = 8,
  parameter integer Cols           = 8,
  parameter integer GroupSize      = 4,
  parameter integer ShiftsPerCycle = 2,
  parameter integer AccWidth       = 32,
  parameter integer GroupsWidth    = 13,
  parameter integer FixedPoint     = 0,     // 1: the array of fxp_pe, int8 weight records
  parameter integer ActDepth       = 2048,  // activation buffer: beats of Rows x M bytes
  parameter integer WeightDepth    = 1024,  // words of one weight buffer half
  parameter integer WeightWords    = 4,     // 64-bit words in a weight buffer word
  parameter integer OutDepth       = 64,    // output buffer: result columns
  parameter integer MaxTiles       = 64,    // tiles a pass can have (8 per TSHIFT register)
  parameter integer MaxBurst       = 16,
  parameter integer MaxOutstanding = 4
) (
  input  wire                         clk_i,
  input  wire                         rst_ni,
  // AXI4-Lite slave: registers.
  input  wire                         s_awvalid_i,
  output wire                         s_awready_o,
  input  wire [7:0]                   s_awaddr_i,
  input  wire                         s_wvalid_i,
  output wire                         s_wready_o,
  input  wire [31:0]                  s_wdata_i,
  input  wire [3:0]                   s_wstrb_i,
  output wire                         s_bvalid_o,
  input  wire                         s_bready_i,
  output wire [1:0]                   s_bresp_o,
  input  wire                         s_arvalid_i,
  output wire                         s_arready_o,
  input  wire [7:0]                   s_araddr_i,
  output wire                         s_rvalid_o,
  input  wire                         s_rready_i,
  output wire [31:0]                  s_rdata_o,
  output wire [1:0]                   s_rresp_o,
  // AXI4 master: memory.
  output wire                         m_arvalid_o,
  input  wire                         m_arready_i,
  output wire [31:0]                  m_araddr_o,
  output wire [7:0]                   m_arlen_o,
  output wire [2:0]                   m_arsize_o,
  output wire [1:0]                   m_arburst_o,
  input  wire                         m_rvalid_i,
  output wire                         m_rready_o,
  input  wire [63:0]                  m_rdata_i,
  input  wire [1:0]                   m_rresp_i,
  input  wire                         m_rlast_i,
  output wire                         m_awvalid_o,
  input  wire                         m_awready_i,
  output wire [31:0]                  m_awaddr_o,
  output wire [7:0]                   m_awlen_o,
  output wire [2:0]                   m_awsize_o,
  output wire [1:0]                   m_awburst_o,
  output wire                         m_wvalid_o,
  input  wire                         m_wready_i,
  output wire [63:0]                  m_wdata_o,
  output wire [7:0]                   m_wstrb_o,
  output wire                         m_wlast_o,
  input  wire                         m_bvalid_i,
  output wire                         m_bready_o,
  input  wire [1:0]                   m_bresp_i,
  // Verification only: the array's ports (its checks stay on inside the accelerator).
  output wire                         dbg_cfg_valid_o,
  output wire                         dbg_cfg_ready_o,
  output wire [3:0]                   dbg_cfg_shifts_o,
  output wire [GroupsWidth-1:0]       dbg_cfg_groups_o,
  output wire                         dbg_cfg_signed_o,
  output wire                         dbg_act_valid_o,
  output wire                         dbg_act_ready_o,
  output wire [Rows*GroupSize*8-1:0]  dbg_act_o,
  output wire                         dbg_tok_valid_o,
  output wire                         dbg_tok_ready_o,
  output wire [Cols*GroupSize-1:0]    dbg_tok_sign_o,
  output wire [Cols*ShiftsPerCycle*3-1:0]         dbg_tok_shift_o,
  output wire [Cols*ShiftsPerCycle*GroupSize-1:0] dbg_tok_mask_o,
  output wire [Cols*GroupSize*8-1:0]  dbg_tok_weight_o,
  output wire                         dbg_res_valid_o,
  output wire                         dbg_res_ready_o,
  output wire [15:0]                  dbg_res_tile_o,
  output wire [ColWidth-1:0]          dbg_res_col_o,
  output wire [Rows*AccWidth-1:0]     dbg_res_data_o,
  output wire [31:0]                  dbg_cnt_busy_o,
  output wire [31:0]                  dbg_cnt_stall_o,
  output wire [31:0]                  dbg_cnt_idle_o,
  output wire [Rows*Cols*AccWidth-1:0] dbg_acc_o
);

  localparam integer M         = GroupSize;
  localparam integer C         = Cols;
  localparam integer ColWidth  = (Cols > 1) ? $clog2(Cols) : 1;
  localparam integer ActBits   = Rows * M * 8;
  localparam integer ActWords  = ActBits / 64;           // 64-bit words in an activation beat
  localparam integer ActAW     = $clog2(ActDepth);
  localparam integer WBits     = 64 * WeightWords;
  localparam integer WAW       = $clog2(2 * WeightDepth);
  localparam integer RowW      = $clog2(Rows + 1);
  localparam integer OutBits   = 32 + RowW + Rows * 32;  // address, values, the values
  localparam integer TileW     = $clog2(MaxTiles + 1);
  localparam integer BlocksW   = 16;
  localparam integer WordsW    = 24;

  // =========================================================================================
  // Registers (AXI4-Lite): swis_accel_regs.
  // =========================================================================================
  wire [31:0] act_addr_q, w_addr_q, out_addr_q, out_stride_q;
  wire [23:0] rows_q, filters_q;
  wire [GroupsWidth-1:0] groups_q;
  wire [TileW-1:0] tiles_q;
  wire [BlocksW-1:0] blocks_q;
  wire [1:0]  method_q;
  wire [2:0]  trunc_q;
  wire        signed_q, single_q, start_q;
  wire [MaxTiles*4-1:0] tshift_q;
  reg         busy_q, done_q, bad_q;
  reg  [31:0] cycles_q;
  wire        axi_err;

  swis_accel_regs #(
    .Rows(Rows), .Cols(Cols), .GroupSize(GroupSize), .ShiftsPerCycle(ShiftsPerCycle),
    .GroupsWidth(GroupsWidth), .MaxTiles(MaxTiles), .TileW(TileW), .BlocksW(BlocksW)
  ) u_regs (
    .clk_i, .rst_ni,
    .s_awvalid_i, .s_awready_o, .s_awaddr_i, .s_wvalid_i, .s_wready_o, .s_wdata_i, .s_wstrb_i,
    .s_bvalid_o, .s_bready_i, .s_bresp_o, .s_arvalid_i, .s_arready_o, .s_araddr_i,
    .s_rvalid_o, .s_rready_i, .s_rdata_o, .s_rresp_o,
    .busy_i(busy_q), .done_i(done_q), .bad_i(bad_q), .axi_err_i(axi_err), .cycles_i(cycles_q),
    .start_o(start_q), .act_addr_o(act_addr_q), .w_addr_o(w_addr_q), .out_addr_o(out_addr_q),
    .out_stride_o(out_stride_q), .rows_o(rows_q), .groups_o(groups_q), .filters_o(filters_q),
    .tiles_o(tiles_q), .blocks_o(blocks_q), .method_o(method_q), .trunc_o(trunc_q),
    .signed_o(signed_q), .single_o(single_q), .tshift_o(tshift_q)
  );

  // =========================================================================================
  // Memory reads: one job at a time, for the activation buffer or a weight buffer half.
  // =========================================================================================
  reg                 job_valid_q;
  reg [31:0]          job_addr_q;
  reg [WordsW-1:0]    job_words_q;
  reg                 job_to_w_q;     // the job's words go to the weight buffer
  reg                 job_half_q;
  wire                job_ready, rd_busy, dat_valid, dat_last, rd_err;
  wire [63:0]         dat;

  swis_axi_rd #(
    .AddrWidth(32), .WordsWidth(WordsW), .MaxBurst(MaxBurst), .MaxOutstanding(MaxOutstanding)
  ) u_rd (
    .clk_i, .rst_ni,
    .job_valid_i(job_valid_q), .job_ready_o(job_ready), .job_addr_i(job_addr_q),
    .job_words_i(job_words_q),
    .dat_valid_o(dat_valid), .dat_o(dat), .dat_last_o(dat_last), .busy_o(rd_busy),
    .err_o(rd_err),
    .ar_valid_o(m_arvalid_o), .ar_ready_i(m_arready_i), .ar_addr_o(m_araddr_o),
    .ar_len_o(m_arlen_o), .ar_size_o(m_arsize_o), .ar_burst_o(m_arburst_o),
    .r_valid_i(m_rvalid_i), .r_ready_o(m_rready_o), .r_data_i(m_rdata_i), .r_resp_i(m_rresp_i),
    .r_last_i(m_rlast_i)
  );

  // Packing 64-bit words into buffer words; a weight job's last word is flushed padded.
  reg [ActBits-1:0]   act_pack_q;
  localparam integer AFillW = $clog2(ActWords + 1);
  localparam integer WFillW = $clog2(WeightWords + 1);
  localparam integer ActLastI = ActWords - 1, WLastI = WeightWords - 1;
  localparam [AFillW-1:0] ActLast = ActLastI[AFillW-1:0];
  localparam [WFillW-1:0] WLast   = WLastI[WFillW-1:0];
  reg [AFillW-1:0]    act_fill_q;
  reg [ActAW-1:0]     act_wptr_q;
  reg [WBits-1:0]     w_pack_q;
  reg [WFillW-1:0]    w_fill_q;
  reg [WAW-1:0]       w_wptr_q;
  wire [ActBits+63:0] act_cat  = {dat, act_pack_q};
  wire [WBits+63:0]   w_cat    = {dat, w_pack_q};
  wire [ActBits-1:0]  act_word = act_cat[ActBits+63:64];
  wire [WBits-1:0]    w_next   = w_cat[WBits+63:64];
  wire                act_we   = dat_valid && !job_to_w_q && act_fill_q == ActLast;
  wire                w_full   = w_fill_q == WLast;
  wire unused_pack = ^{act_cat[63:0], w_cat[63:0]};  // shifted out as words come
  wire                w_we     = dat_valid && job_to_w_q && (w_full || dat_last);
  // A flushed word's words sit at its bottom: shift the partial word down.
  wire [WFillW+5:0]   w_gap    = {WLast - w_fill_q, 6'd0};  // 64 x the words missing
  wire [WBits-1:0]    w_word   = w_full ? w_next : (w_next >> w_gap);

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act_pack_q <= {ActBits{1'b0}};
      act_fill_q <= 0;
      act_wptr_q <= {ActAW{1'b0}};
      w_pack_q   <= {WBits{1'b0}};
      w_fill_q   <= 0;
      w_wptr_q   <= {WAW{1'b0}};
    end else begin
      if (dat_valid && !job_to_w_q) begin
        act_pack_q <= act_word;
        act_fill_q <= (act_fill_q == ActLast) ? 0 : act_fill_q + 1'b1;
        if (act_we) act_wptr_q <= act_wptr_q + 1'b1;
      end
      if (dat_valid && job_to_w_q) begin
        w_pack_q <= (w_full || dat_last) ? {WBits{1'b0}} : w_next;
        w_fill_q <= (w_full || dat_last) ? 0 : w_fill_q + 1'b1;
        if (w_we) w_wptr_q <= w_wptr_q + 1'b1;
      end
      if (job_valid_q && job_ready) begin
        if (job_to_w_q) w_wptr_q <= job_half_q ? WeightDepth[WAW-1:0] : {WAW{1'b0}};
        else act_wptr_q <= {ActAW{1'b0}};
        act_fill_q <= 0;
        w_fill_q   <= 0;
      end
    end
  end

  // =========================================================================================
  // Buffers.
  // =========================================================================================
  wire              act_re;
  wire [ActAW-1:0]  act_raddr;
  wire [ActBits-1:0] act_rdata;
  swis_sram #(.Depth(ActDepth), .Width(ActBits)) u_act_buf (
    .clk_i, .we_i(act_we), .waddr_i(act_wptr_q), .wdata_i(act_word),
    .re_i(act_re), .raddr_i(act_raddr), .rdata_o(act_rdata)
  );

  wire              w_re;
  wire [WAW-1:0]    w_raddr;
  wire [WBits-1:0]  w_rdata;
  swis_sram #(.Depth(2 * WeightDepth), .Width(WBits)) u_w_buf (
    .clk_i, .we_i(w_we), .waddr_i(w_wptr_q), .wdata_i(w_word),
    .re_i(w_re), .raddr_i(w_raddr), .rdata_o(w_rdata)
  );

  // =========================================================================================
  // Controller: a loader and an issuer. Tile t's records go to half t mod 2, once the decoder
  // has finished tile t - 2 (the half's previous user); tile t is issued (decoder command,
  // activation replay, cfg beats) once its records are in and the decoder is idle.
  // =========================================================================================
  localparam [1:0] SIdle = 2'd0, SAct = 2'd1, SRun = 2'd2;
  reg [1:0]        state_q;
  reg [TileW-1:0]  load_q;           // next tile to load
  reg [TileW-1:0]  loaded_q;         // loads complete
  reg [TileW-1:0]  issue_q;          // next tile to issue
  reg [TileW-1:0]  finished_q;       // tiles the decoder has finished
  reg              load_busy_q;
  reg [31:0]       load_addr_q;      // memory address of tile load_q's records
  reg [WordsW-1:0] half0_words_q, half1_words_q;  // 64-bit words of the tile in each half
  reg              dec_busy_q;

  // Records of tile load_q: G x Cols x (group bits at its N) bits, rounded up to 64.
  wire [3:0]        ld_n     = tshift_q[4*load_q +: 4];
  localparam integer RecCMI = C * M, RecC3I = C * (M + 3);
  localparam [15:0] RecCM = RecCMI[15:0], RecC3 = RecC3I[15:0];
  wire [15:0]       ld_n16   = {12'd0, ld_n};
  localparam integer RecFxpI = C * M * 8;
  localparam [15:0] RecFxp = RecFxpI[15:0];
  wire [15:0]       rec_bits = (FixedPoint != 0)  ? RecFxp :
                               (method_q == 2'd0) ? RecCM + ld_n16 * RecC3 :
                               (method_q == 2'd1) ? RecC3 + ld_n16 * RecCM :
                                                    RecCM + ld_n16 * RecCM;
  wire [WordsW+5:0] ld_bits  = groups_q * rec_bits;
  wire [WordsW-1:0] ld_words = ld_bits[WordsW+5:6] + {{(WordsW-1){1'b0}}, ld_bits[5:0] != 6'd0};

  wire [31:0] act_beats = blocks_q * groups_q;
  wire [31:0] act_words = act_beats * ActWords;
  wire [31:0] r32 = {8'd0, rows_q}, f32 = {8'd0, filters_q}, b32 = {16'd0, blocks_q};
  wire [31:0] t32 = {{(32-TileW){1'b0}}, tiles_q};
  wire good = rows_q != 0 && filters_q != 0 && groups_q != 0 && tiles_q != 0 &&
              t32 <= MaxTiles && act_beats <= ActDepth &&
              (b32 - 1) * Rows < r32 && r32 <= b32 * Rows &&
              (t32 - 1) * C < f32 && f32 <= t32 * C;
  wire unused_act_words = ^act_words[31:WordsW];

  // Per-tile streams: decoder command, activation replay, cfg beats.
  reg               dec_cmd_q;
  wire              dec_ready, dec_busy;
  reg  [3:0]        run_n_q;
  reg               run_half_q;
  reg  [BlocksW-1:0] cfg_left_q;
  reg  [31:0]       feed_left_q;     // beats of the replay not yet read from the buffer
  wire              feed_idle;
  wire              streams_idle = !dec_busy && !dec_cmd_q && cfg_left_q == 0 && feed_idle;

  wire can_load  = state_q == SRun && !load_busy_q && !job_valid_q && !rd_busy &&
                   load_q < tiles_q &&
                   (single_q ? load_q <= finished_q : load_q <= finished_q + 1'b1);
  wire can_issue = state_q == SRun && issue_q < tiles_q && loaded_q > issue_q && streams_idle;
  wire [31:0] res_left;
  wire        out_empty, wr_idle;
  wire        results_done = res_left == 32'd0 && out_empty && wr_idle;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= SIdle;
      busy_q       <= 1'b0;
      done_q       <= 1'b0;
      bad_q        <= 1'b0;
      cycles_q     <= 32'd0;
      load_q       <= {TileW{1'b0}};
      loaded_q     <= {TileW{1'b0}};
      issue_q      <= {TileW{1'b0}};
      finished_q   <= {TileW{1'b0}};
      load_busy_q  <= 1'b0;
      load_addr_q  <= 32'd0;
      half0_words_q <= {WordsW{1'b0}};
      half1_words_q <= {WordsW{1'b0}};
      dec_busy_q   <= 1'b0;
      job_valid_q  <= 1'b0;
      job_addr_q   <= 32'd0;
      job_words_q  <= {WordsW{1'b0}};
      job_to_w_q   <= 1'b0;
      job_half_q   <= 1'b0;
      dec_cmd_q    <= 1'b0;
      run_n_q      <= 4'd1;
      run_half_q   <= 1'b0;
    end else begin
      if (busy_q) cycles_q <= cycles_q + 1'b1;
      if (job_valid_q && job_ready) job_valid_q <= 1'b0;
      if (dec_cmd_q && dec_ready) dec_cmd_q <= 1'b0;
      dec_busy_q <= dec_busy;
      if (dec_busy_q && !dec_busy) finished_q <= finished_q + 1'b1;
      // A load ends when the read engine is idle again after taking it.
      if (load_busy_q && !job_valid_q && !rd_busy) begin
        load_busy_q <= 1'b0;
        loaded_q    <= loaded_q + 1'b1;
      end
      case (state_q)
        SIdle: if (start_q) begin
          done_q   <= 1'b0;
          bad_q    <= 1'b0;
          cycles_q <= 32'd0;
          if (!good) begin
            bad_q  <= 1'b1;
            done_q <= 1'b1;
          end else begin
            busy_q      <= 1'b1;
            state_q     <= SAct;
            job_valid_q <= 1'b1;
            job_addr_q  <= act_addr_q;
            job_words_q <= act_words[WordsW-1:0];
            job_to_w_q  <= 1'b0;
            load_q      <= {TileW{1'b0}};
            loaded_q    <= {TileW{1'b0}};
            issue_q     <= {TileW{1'b0}};
            finished_q  <= {TileW{1'b0}};
            load_addr_q <= w_addr_q;
          end
        end
        SAct: if (!job_valid_q && !rd_busy) state_q <= SRun;
        SRun: if (issue_q == tiles_q && finished_q == tiles_q && results_done) begin
          state_q <= SIdle;
          busy_q  <= 1'b0;
          done_q  <= 1'b1;
        end
        default: state_q <= SIdle;
      endcase
      if (can_load) begin
        job_valid_q  <= 1'b1;
        job_addr_q   <= load_addr_q;
        job_words_q  <= ld_words;
        job_to_w_q   <= 1'b1;
        job_half_q   <= load_q[0] && !single_q;
        if (load_q[0] && !single_q) half1_words_q <= ld_words;
        else half0_words_q <= ld_words;
        load_addr_q  <= load_addr_q + {5'd0, ld_words, 3'b000};
        load_busy_q  <= 1'b1;
        load_q       <= load_q + 1'b1;
      end
      if (can_issue) begin
        dec_cmd_q  <= 1'b1;
        run_n_q    <= tshift_q[4*issue_q +: 4];
        run_half_q <= issue_q[0] && !single_q;
        issue_q    <= issue_q + 1'b1;
      end
    end
  end

  // --- cfg beats and the activation replay ---------------------------------------------------
  wire cfg_fire, act_fire;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cfg_left_q  <= {BlocksW{1'b0}};
      feed_left_q <= 32'd0;
    end else begin
      if (can_issue) begin
        cfg_left_q  <= blocks_q;
        feed_left_q <= act_beats;
      end else begin
        if (cfg_fire) cfg_left_q <= cfg_left_q - 1'b1;
        if (act_re) feed_left_q <= feed_left_q - 1'b1;
      end
    end
  end

  // Replay: buffer reads into a 2-entry queue, so that a beat can leave every cycle.
  reg [ActAW-1:0]   feed_addr_q;
  reg               feed_inflight_q;
  reg [1:0]         fq_count_q;
  reg [ActBits-1:0] fq0_q, fq1_q;   // fq0_q is the head
  wire              fq_pop = act_fire;
  assign act_re    = feed_left_q != 32'd0 && !can_issue &&
                     ({1'b0, fq_count_q} + {2'b00, feed_inflight_q} - {2'b00, fq_pop}) < 3'd2;
  assign act_raddr = feed_addr_q;
  assign feed_idle = feed_left_q == 32'd0 && !feed_inflight_q && fq_count_q == 2'd0;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      feed_addr_q     <= {ActAW{1'b0}};
      feed_inflight_q <= 1'b0;
      fq_count_q      <= 2'd0;
      fq0_q           <= {ActBits{1'b0}};
      fq1_q           <= {ActBits{1'b0}};
    end else begin
      feed_inflight_q <= act_re;
      if (can_issue) feed_addr_q <= {ActAW{1'b0}};
      else if (act_re) feed_addr_q <= feed_addr_q + 1'b1;
      if (fq_pop) fq0_q <= fq1_q;
      if (feed_inflight_q) begin
        if (fq_count_q - {1'b0, fq_pop} == 2'd0) fq0_q <= act_rdata;
        else fq1_q <= act_rdata;
      end
      fq_count_q <= fq_count_q + {1'b0, feed_inflight_q} - {1'b0, fq_pop};
    end
  end

  // =========================================================================================
  // The array.
  // =========================================================================================
  wire                        cfg_ready, act_ready, tok_ready, tok_valid;
  wire [Cols*M-1:0]           tok_sign;
  wire [Cols*ShiftsPerCycle*3-1:0] tok_shift;
  wire [Cols*ShiftsPerCycle*M-1:0] tok_mask;
  wire [Cols*M*8-1:0]         tok_weight;
  wire                        res_valid, res_ready;
  wire [15:0]                 res_tile;
  wire [ColWidth-1:0]         res_col;
  wire [Rows*AccWidth-1:0]    res_data;
  wire [31:0]                 cnt_busy, cnt_stall, cnt_idle;
  wire                        cfg_valid = cfg_left_q != {BlocksW{1'b0}};
  wire                        act_valid = fq_count_q != 2'd0;
  assign cfg_fire = cfg_valid && cfg_ready;
  assign act_fire = act_valid && act_ready;

  swis_wdec #(
    .Cols(Cols), .GroupSize(M), .ShiftsPerCycle(ShiftsPerCycle), .GroupsWidth(GroupsWidth),
    .WordWidth(WBits), .AddrWidth(WAW), .BlocksWidth(BlocksW), .FixedPoint(FixedPoint)
  ) u_wdec (
    .clk_i, .rst_ni,
    .cmd_valid_i(dec_cmd_q), .cmd_ready_o(dec_ready),
    .cmd_base_i(run_half_q ? WeightDepth[WAW-1:0] : {WAW{1'b0}}),
    .cmd_words_i(buf_words), .cmd_shifts_i(run_n_q), .cmd_groups_i(groups_q),
    .cmd_blocks_i(blocks_q), .cmd_method_i(method_q), .cmd_trunc_i(trunc_q),
    .rd_en_o(w_re), .rd_addr_o(w_raddr), .rd_data_i(w_rdata),
    .tok_valid_o(tok_valid), .tok_ready_i(tok_ready),
    .tok_sign_o(tok_sign), .tok_shift_o(tok_shift), .tok_mask_o(tok_mask),
    .tok_weight_o(tok_weight), .busy_o(dec_busy)
  );
  // Buffer words of the issued tile: its 64-bit words, WeightWords to a buffer word.
  wire [WordsW-1:0] run_words = run_half_q ? half1_words_q : half0_words_q;
  wire [31:0]       bw32 = ({8'd0, run_words} + WeightWords - 1) / WeightWords;
  wire [WAW:0]      buf_words = bw32[WAW:0];
  wire unused_bw = ^bw32[31:WAW+1];

  swis_array #(
    .Rows(Rows), .Cols(Cols), .GroupSize(M), .ShiftsPerCycle(ShiftsPerCycle),
    .AccWidth(AccWidth), .GroupsWidth(GroupsWidth), .TileWidth(16), .FixedPoint(FixedPoint)
  ) u_array (
    .clk_i, .rst_ni,
    .cfg_valid_i(cfg_valid), .cfg_ready_o(cfg_ready), .cfg_shifts_i(run_n_q),
    .cfg_groups_i(groups_q), .cfg_act_signed_i(signed_q),
    .act_valid_i(act_valid), .act_ready_o(act_ready), .act_i(fq0_q),
    .tok_valid_i(tok_valid), .tok_ready_o(tok_ready), .tok_sign_i(tok_sign),
    .tok_shift_i(tok_shift), .tok_mask_i(tok_mask), .tok_weight_i(tok_weight),
    .res_valid_o(res_valid), .res_ready_i(res_ready), .res_tile_o(res_tile),
    .res_col_o(res_col), .res_data_o(res_data),
    .cnt_busy_o(cnt_busy), .cnt_stall_o(cnt_stall), .cnt_idle_o(cnt_idle), .dbg_acc_o
  );

  // The array's ports, for the harness's lock-step checks.
  assign {dbg_cfg_valid_o, dbg_cfg_ready_o, dbg_cfg_shifts_o, dbg_cfg_groups_o, dbg_cfg_signed_o} =
         {cfg_valid, cfg_ready, run_n_q, groups_q, signed_q};
  assign {dbg_act_valid_o, dbg_act_ready_o, dbg_act_o} = {act_valid, act_ready, fq0_q};
  assign {dbg_tok_valid_o, dbg_tok_ready_o, dbg_tok_sign_o, dbg_tok_shift_o, dbg_tok_mask_o,
          dbg_tok_weight_o} = {tok_valid, tok_ready, tok_sign, tok_shift, tok_mask, tok_weight};
  assign {dbg_res_valid_o, dbg_res_ready_o, dbg_res_tile_o, dbg_res_col_o, dbg_res_data_o} =
         {res_valid, res_ready, res_tile, res_col, res_data};
  assign {dbg_cnt_busy_o, dbg_cnt_stall_o, dbg_cnt_idle_o} = {cnt_busy, cnt_stall, cnt_idle};

  // =========================================================================================
  // Results: addresses, the output buffer, the write master.
  // Column c of (tile t, block b) goes to Y[t Cols + c][b Rows ...]: out_addr + (t Cols + c)
  // OUT_STRIDE + 4 b Rows, counted up as the columns come (tile by tile, block by block, column by
  // column); only additions.
  // =========================================================================================
  reg  [31:0]        res_left_q;
  reg  [ColWidth-1:0] rc_q;          // column of the next beat
  reg  [BlocksW-1:0] rb_q;           // its block
  reg  [23:0]        rpos_q;         // position of its tile's column 0 (t Cols)
  reg  [31:0]        col_addr_q, blk_addr_q, tile_addr_q;
  reg  [31:0]        cp4_q;          // Cols P 4: from one tile's columns to the next's
  wire [31:0]        p4   = out_stride_q;
  wire               last_col = rc_q == C[ColWidth-1:0] - 1'b1;
  wire               last_blk = rb_q == blocks_q - 1'b1;
  wire [31:0]        last_rows = r32 - (b32 - 1) * Rows;
  wire [RowW-1:0]    rows_used = last_blk ? last_rows[RowW-1:0] : Rows[RowW-1:0];
  wire unused_last_rows = ^last_rows[31:RowW];
  wire               res_fire = res_valid && res_ready;
  wire               keep = rpos_q + {{(24-ColWidth){1'b0}}, rc_q} < filters_q;
  wire               out_full;
  assign res_ready = !out_full;
  assign res_left  = res_left_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      res_left_q  <= 32'd0;
      rc_q        <= {ColWidth{1'b0}};
      rb_q        <= {BlocksW{1'b0}};
      rpos_q      <= 24'd0;
      col_addr_q  <= 32'd0;
      blk_addr_q  <= 32'd0;
      tile_addr_q <= 32'd0;
      cp4_q       <= 32'd0;
    end else if (state_q == SIdle && start_q) begin
      res_left_q  <= tiles_q * blocks_q * C;
      rc_q        <= {ColWidth{1'b0}};
      rb_q        <= {BlocksW{1'b0}};
      rpos_q      <= 24'd0;
      col_addr_q  <= out_addr_q;
      blk_addr_q  <= out_addr_q;
      tile_addr_q <= out_addr_q;
      cp4_q       <= C * p4;
    end else if (res_fire) begin
      res_left_q <= res_left_q - 1'b1;
      if (!last_col) begin
        rc_q       <= rc_q + 1'b1;
        col_addr_q <= col_addr_q + p4;
      end else begin
        rc_q <= {ColWidth{1'b0}};
        if (!last_blk) begin
          rb_q       <= rb_q + 1'b1;
          blk_addr_q <= blk_addr_q + Rows * 4;
          col_addr_q <= blk_addr_q + Rows * 4;
        end else begin
          rb_q        <= {BlocksW{1'b0}};
          rpos_q      <= rpos_q + C[23:0];
          tile_addr_q <= tile_addr_q + cp4_q;
          blk_addr_q  <= tile_addr_q + cp4_q;
          col_addr_q  <= tile_addr_q + cp4_q;
        end
      end
    end
  end

  // Output buffer: a FIFO of result columns (address, count, values) in front of the write master.
  wire               head_valid, head_ready;
  wire [OutBits-1:0] ob_rdata;
  swis_ram_fifo #(.Depth(OutDepth), .Width(OutBits)) u_out_buf (
    .clk_i, .rst_ni,
    .push_i(res_fire && keep), .push_data_i({col_addr_q, rows_used, res_data}), .full_o(out_full),
    .pop_valid_o(head_valid), .pop_ready_i(head_ready), .pop_data_o(ob_rdata),
    .empty_o(out_empty)
  );

  wire wr_err;
  swis_axi_wr #(.Rows(Rows), .AddrWidth(32)) u_wr (
    .clk_i, .rst_ni,
    .ent_valid_i(head_valid), .ent_ready_o(head_ready),
    .ent_addr_i(ob_rdata[OutBits-1 -: 32]), .ent_count_i(ob_rdata[Rows*32 +: RowW]),
    .ent_data_i(ob_rdata[Rows*32-1:0]), .idle_o(wr_idle), .err_o(wr_err),
    .aw_valid_o(m_awvalid_o), .aw_ready_i(m_awready_i), .aw_addr_o(m_awaddr_o),
    .aw_len_o(m_awlen_o), .aw_size_o(m_awsize_o), .aw_burst_o(m_awburst_o),
    .w_valid_o(m_wvalid_o), .w_ready_i(m_wready_i), .w_data_o(m_wdata_o),
    .w_strb_o(m_wstrb_o), .w_last_o(m_wlast_o),
    .b_valid_i(m_bvalid_i), .b_ready_o(m_bready_o), .b_resp_i(m_bresp_i)
  );
  assign axi_err  = rd_err || wr_err;

endmodule

`default_nettype wire
