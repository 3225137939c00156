#!/usr/bin/env bash
# Turns build/synth/results.csv into the table of all designs (results.md), the Figure 3 data
# (figure3.csv: every SWIS PE normalised to the fixed-point PE of the same group size) and the
# Figure 3 panels (gnuplot). Called by synth/run_synth.sh:
#   synth/tabulate.sh results.csv out_dir period_ps ff_overhead_ps
set -euo pipefail

csv=$1
out=$2
period_ps=$3
overhead_ps=$4
root=$(cd "$(dirname "$0")/.." && pwd)

# --- Figure 3 data ------------------------------------------------------------------------------
# Throughput per cycle, in group-MACs: fixed point 1, single-shift 1/N, double-shift 1/ceil(N/2)
# for N shifts. Throughput per area of a SWIS PE over that of the fixed-point PE of the same M:
#   (throughput / fxp throughput) x (fxp area / area).
fig="$out/figure3.csv"
awk -F, '
  NR == 1 { next }
  $3 == "fxp" || $3 == "ss" || $3 == "ds" { kge[$3, $4] = $10; tr[$3, $4] = $9; mhz[$3, $4] = $14; ms[$4] = 1 }
  END {
    print "group_size,area_ss,area_ds,transistors_ss,transistors_ds,tpa_ss_n2,tpa_ss_n4,tpa_ss_n6,tpa_ds_n2,tpa_ds_n4,tpa_ds_n6,kge_fxp,kge_ss,kge_ds,mhz_fxp,mhz_ss,mhz_ds"
    n = 0; for (m in ms) sorted[++n] = m + 0
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (sorted[j] < sorted[i]) { t = sorted[i]; sorted[i] = sorted[j]; sorted[j] = t }
    for (i = 1; i <= n; i++) {
      m = sorted[i]
      if (!(("fxp", m) in kge) || !(("ss", m) in kge) || !(("ds", m) in kge)) continue
      ass = kge["ss", m] / kge["fxp", m]; ads = kge["ds", m] / kge["fxp", m]
      line = sprintf("%d,%.4f,%.4f,%.4f,%.4f", m, ass, ads, tr["ss", m] / tr["fxp", m], tr["ds", m] / tr["fxp", m])
      split("2 4 6", shifts, " ")
      for (k = 1; k <= 3; k++) line = line sprintf(",%.4f", (1 / shifts[k]) / ass)
      for (k = 1; k <= 3; k++) line = line sprintf(",%.4f", (1 / int((shifts[k] + 1) / 2)) / ads)
      line = line sprintf(",%.3f,%.3f,%.3f,%d,%d,%d", kge["fxp", m], kge["ss", m], kge["ds", m], mhz["fxp", m], mhz["ss", m], mhz["ds", m])
      print line
    }
  }' "$csv" > "$fig"

# --- Markdown --------------------------------------------------------------------------------
md="$out/results.md"
{
  echo "# Synthesis results"
  echo
  echo "Yosys $(yosys -V | awk '{ print $2 }'), hierarchical, cells of constraints/swis_cells.lib" \
       "(areas in NAND2 equivalents), clock target ${period_ps} ps. \"flow\" is the synth run" \
       "reported (the smaller kGE of synth and synth -noalumacc). \"levels\" is the deepest logic" \
       "path in generic gates (ltp), \"critical path\" ABC's estimate on the liberty's delays;" \
       "the clock adds ${overhead_ps} ps clock-to-Q and setup."
  echo
  echo "| design | M | flow | cells | flip-flops | transistors | kGE | levels | critical path (ps) | clock (MHz) |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  awk -F, 'NR > 1 { printf "| %s | %s | %s | %d | %d | %d | %.2f | %d | %d | %d |\n", $1, $4, $6, $7, $8, $9, $10, $11, $12, $14 }' "$csv"
  echo
  echo "## Figure 3: SWIS PEs over the fixed-point PE of the same group size M"
  echo
  echo "Area (kGE; transistors in brackets), and throughput per area at N shifts with throughput per" \
       "cycle 1/N (single-shift, SS) or 1/ceil(N/2) (double-shift, DS) against 1 for fixed point." \
       "Above 1 the SWIS PE does better than fixed point."
  echo
  echo "| M | area SS | area DS | T/A SS N=2 | SS N=4 | SS N=6 | T/A DS N=2 | DS N=4 | DS N=6 |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  awk -F, 'NR > 1 { printf "| %d | %.2f (%.2f) | %.2f (%.2f) | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", $1, $2, $4, $3, $5, $6, $7, $8, $9, $10, $11 }' "$fig"
  echo
  echo "Break-even: a single-shift PE is ahead of fixed point while N <= fixed-point area / SS area," \
       "a double-shift PE while ceil(N/2) <= fixed-point area / DS area."
  echo
  echo "| M | fxp / SS area | SS ahead for N <= | fxp / DS area | DS ahead for N <= |"
  echo "| --- | --- | --- | --- | --- |"
  awk -F, 'NR > 1 { printf "| %d | %.2f | %d | %.2f | %d |\n", $1, 1 / $2, int(1 / $2), 1 / $3, 2 * int(1 / $3) }' "$fig"
  echo
  echo "### Double-shift PE of group M against single-shift PE of group 2M"
  echo
  echo "Ratio of throughput per area, DS(M) over SS(2M); above 1 the double-shift PE is better." \
       "\"normalised\" compares each with its own fixed-point PE (the paper's Figure 3);" \
       "\"per MAC\" compares MACs per cycle per kGE directly. Even N: both use every slot;" \
       "odd N leaves one DS slot empty."
  echo
  echo "| DS M vs SS 2M | normalised, even N | N = 1 | N = 3 | per MAC, even N | N = 1 | N = 3 |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  awk -F, 'NR > 1 { m[NR] = $1; ass[$1] = $2; ads[$1] = $3; kss[$1] = $13; kds[$1] = $14 }
    END { for (i in m) { x = m[i]; y = 2 * x; if (!(y in ass)) continue;
      n_even = 2 * ass[y] / ads[x]; a_even = kss[y] / kds[x];
      printf "| %d vs %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", x, y, n_even, n_even / 2, n_even * 3 / 4, a_even, a_even / 2, a_even * 3 / 4 } }' "$fig" | sort -t'|' -k2,2n
  echo
  echo "### Per second instead of per cycle"
  echo
  echo "Throughput per area as above, each PE at the clock its critical path implies (MHz in the" \
       "first columns)."
  echo
  echo "| M | MHz fxp / SS / DS | SS N=2 | SS N=4 | SS N=6 | DS N=2 | DS N=4 | DS N=6 |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  awk -F, 'NR > 1 { s = $16 / $15; d = $17 / $15; printf "| %d | %d / %d / %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", $1, $15, $16, $17, $6 * s, $7 * s, $8 * s, $9 * d, $10 * d, $11 * d }' "$fig"
  for d in "$out"/*/breakdown.txt; do
    [ -f "$d" ] || continue
    name=$(basename "$(dirname "$d")")
    echo
    echo "## $name: area by module"
    echo
    echo "| module | instances | kGE | share |"
    echo "| --- | --- | --- | --- |"
    awk '{ printf "| %s | %d | %.1f | %.1f%% |\n", $1, $2, $3 / 1000, $4 }' "$d"
  done
} > "$md"

# --- Plots -----------------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
  echo "+ gnuplot -e \"data='$fig'; outdir='$out'\" $root/synth/figure3.gp"
  gnuplot -e "data='$fig'; outdir='$out'" "$root/synth/figure3.gp"
else
  echo "tabulate: gnuplot not found; no plots (apt-get install gnuplot-nox)" >&2
fi
