# Clock constraint for the synthesis flow in synth/ (synth/run_synth.sh reads this file; units ns
# and fF, as in constraints/swis_cells.lib). Yosys does no timing itself: the driver turns the
# lines below into ABC's delay target and ABC's input drive and output load.

# 500 MHz: the clock of BitFusion (ISCA 2018), the 45 nm accelerator the SWIS paper compares with.
create_clock -name clk -period 2.000 [get_ports clk_i]

# Every path ABC sees starts at a flip-flop output (here or in the neighbouring PE) and ends at a
# flip-flop input, so a cycle is clock-to-Q + logic + setup. These are the DFFR_X1 figures of
# the Nangate open cell library (typical corner), rounded: ABC gets period - 0.085 - 0.040 as
# the budget for the logic, and the clock a design implies is its logic delay plus both.
set_input_delay 0.085 -clock clk [all_inputs]
set_output_delay 0.040 -clock clk [all_outputs]

# What drives a module's inputs and what its outputs drive (ABC's -constr).
set_driving_cell -lib_cell BUF_X1 [all_inputs]
set_load 2.0 [all_outputs]
