// swis_ram_fifo: a FIFO of Depth entries kept in a 1R1W RAM (swis_sram), its head in a
// register so the reader sees a valid/ready stream with the data stable while valid. An entry
// written leaves the RAM one read later; empty_o is high when neither the RAM, the read in
// flight nor the head holds an entry. No push while full_o.
`default_nettype none

module swis_ram_fifo #(
  parameter integer Depth = 64,
  parameter integer Width = 32
) (
  input  wire             clk_i,
  input  wire             rst_ni,
  input  wire             push_i,
  input  wire [Width-1:0] push_data_i,
  output wire             full_o,
  output reg              pop_valid_o,
  input  wire             pop_ready_i,
  output wire [Width-1:0] pop_data_o,
  output wire             empty_o
);
  localparam integer AW = $clog2(Depth);

  reg  [AW:0]   count_q;       // entries in the RAM
  reg  [AW-1:0] wptr_q, rptr_q;
  reg           inflight_q;
  wire          pop = pop_valid_o && pop_ready_i;
  wire          re  = count_q != 0 && !inflight_q && (!pop_valid_o || pop);
  assign full_o  = {{(31-AW){1'b0}}, count_q} == Depth;
  assign empty_o = count_q == 0 && !inflight_q && !pop_valid_o;

  swis_sram #(.Depth(Depth), .Width(Width)) u_ram (
    .clk_i, .we_i(push_i), .waddr_i(wptr_q), .wdata_i(push_data_i),
    .re_i(re), .raddr_i(rptr_q), .rdata_o(pop_data_o)
  );

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_q     <= {(AW+1){1'b0}};
      wptr_q      <= {AW{1'b0}};
      rptr_q      <= {AW{1'b0}};
      inflight_q  <= 1'b0;
      pop_valid_o <= 1'b0;
    end else begin
      count_q    <= count_q + {{AW{1'b0}}, push_i} - {{AW{1'b0}}, re};
      if (push_i) wptr_q <= wptr_q + 1'b1;
      if (re) rptr_q <= rptr_q + 1'b1;
      inflight_q <= re;
      if (pop) pop_valid_o <= 1'b0;
      if (inflight_q) pop_valid_o <= 1'b1;
    end
  end

endmodule

`default_nettype wire
