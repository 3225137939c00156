// swis_fifo: synchronous FIFO of Depth entries with a valid/ready read side. Timing: a word
// pushed in cycle t can be read from cycle t + 1; push when full is refused (the array's
// credit counter guarantees it never happens), count_o is the occupancy after reset.
`default_nettype none

module swis_fifo #(
  parameter integer Width = 8,
  parameter integer Depth = 4
) (
  input  wire                       clk_i,
  input  wire                       rst_ni,
  input  wire                       push_i,
  input  wire [Width-1:0]           data_i,
  output wire                       valid_o,
  input  wire                       ready_i,
  output wire [Width-1:0]           data_o,
  output wire [$clog2(Depth+1)-1:0] count_o
);

  localparam integer PtrWidth = (Depth > 1) ? $clog2(Depth) : 1;
  localparam integer CntWidth = $clog2(Depth + 1);

  reg [Width-1:0]    mem_q [0:Depth-1];
  reg [PtrWidth-1:0] wr_q;
  reg [PtrWidth-1:0] rd_q;
  reg [CntWidth-1:0] count_q;

  wire pop  = valid_o & ready_i;
  wire full = count_q == Depth[CntWidth-1:0];
  wire push = push_i & ~full;

  function automatic [PtrWidth-1:0] next_ptr(input [PtrWidth-1:0] p);
    next_ptr = (p == Depth[PtrWidth-1:0] - 1'b1) ? {PtrWidth{1'b0}} : p + 1'b1;
  endfunction

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q    <= {PtrWidth{1'b0}};
      rd_q    <= {PtrWidth{1'b0}};
      count_q <= {CntWidth{1'b0}};
    end else begin
      if (push) wr_q <= next_ptr(wr_q);
      if (pop) rd_q <= next_ptr(rd_q);
      count_q <= count_q + {{(CntWidth-1){1'b0}}, push} - {{(CntWidth-1){1'b0}}, pop};
    end
  end

  // Storage needs no reset: nothing is read before it is written.
  always @(posedge clk_i) begin
    if (push) mem_q[wr_q] <= data_i;
  end

  assign valid_o = count_q != {CntWidth{1'b0}};
  assign data_o  = mem_q[rd_q];
  assign count_o = count_q;

endmodule

`default_nettype wire
