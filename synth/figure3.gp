# Figure 3 of the SWIS paper, from our synthesis: (a) area and (c) throughput per area of the
# single-shift (SS) and double-shift (DS) SWIS PEs, normalised to the bit-parallel 8-bit
# fixed-point PE of the same group size M. Reads figure3.csv (synth/tabulate.sh writes it):
#   gnuplot -e "data='build/synth/figure3.csv'; outdir='build/synth'" synth/figure3.gp
# Columns: 1 M, 2 area SS, 3 area DS, 4 transistors SS, 5 transistors DS,
#          6-8 throughput/area SS at 2, 4, 6 shifts, 9-11 the same for DS.

set datafile separator ","
set key autotitle columnhead
set logscale x 2
set xrange [1.6:20]
set xtics ("2" 2, "4" 4, "8" 8, "16" 16)
set xlabel "group size M"
set grid ytics lc rgb "#dddddd"
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.0
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 1.0
set style line 3 lc rgb "#1f77b4" lw 1 dt 2 pt 6 ps 0.8
set style line 4 lc rgb "#d62728" lw 1 dt 2 pt 4 ps 0.8
set style line 9 lc rgb "#555555" lw 1 dt 3

set terminal pngcairo size 520,380 font "sans,9"
set output outdir."/fig3a_area.png"
set title "(a) Area, normalised to the fixed-point PE of the same M"
set ylabel "area / fixed-point area"
set yrange [0:1.1]
set key bottom left
plot data using 1:2 with linespoints ls 1 title "single-shift (kGE)", \
     data using 1:3 with linespoints ls 2 title "double-shift (kGE)", \
     data using 1:4 with linespoints ls 3 title "single-shift (transistors)", \
     data using 1:5 with linespoints ls 4 title "double-shift (transistors)", \
     1 with lines ls 9 title "fixed point"

set terminal pngcairo size 900,330 font "sans,9"
set output outdir."/fig3c_throughput_per_area.png"
set multiplot layout 1,3 title "(c) Throughput per area, normalised to the fixed-point PE of the same M (per cycle; above 1 = better)"
set ylabel "throughput/area over fixed point"
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set key bottom right
do for [k = 0:2] {
  set title sprintf("N = %d shifts", 2 * (k + 1))
  plot data using 1:(column(6 + k)) with linespoints ls 1 title "single-shift", \
       data using 1:(column(9 + k)) with linespoints ls 2 title "double-shift", \
       1 with lines ls 9 title "break-even"
  unset ylabel
}
unset multiplot
