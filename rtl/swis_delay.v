// swis_delay: a Depth-stage shift register (Depth = 0 is a wire). Used for the row and column
// skew at the array's edges. Latency: exactly Depth cycles.
`default_nettype none

module swis_delay #(
  parameter integer Width = 1,
  parameter integer Depth = 1
) (
  input  wire             clk_i,
  input  wire             rst_ni,
  input  wire [Width-1:0] d_i,
  output wire [Width-1:0] q_o
);

  // chain[k + 1] is stage k: the input of k + 1 cycles ago; chain[0] is d_i itself.
  wire [Width-1:0] chain [0:Depth];
  assign chain[0] = d_i;

  genvar k;
  generate
    for (k = 0; k < Depth; k = k + 1) begin : gen_stage
      reg [Width-1:0] q;
      always @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          q <= {Width{1'b0}};
        end else begin
          q <= chain[k];
        end
      end
      assign chain[k+1] = q;
    end
    if (Depth == 0) begin : gen_wire
      wire unused_clk_rst = clk_i ^ rst_ni;  // a wire has no use for them
    end
  endgenerate

  assign q_o = chain[Depth];

endmodule

`default_nettype wire
