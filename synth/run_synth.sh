#!/usr/bin/env bash
# Synthesises configurations of config/configs.txt with Yosys and reports area (NAND2 gate
# equivalents on constraints/swis_cells.lib, and CMOS transistors), flip-flops and ABC's
# critical path; then tabulates them and draws the paper's Figure 3 panels. See synth/README.md.
#
#   synth/run_synth.sh --jobs build/synth_jobs.txt [--out build/synth] [--only REGEX]
#                      [--record synth/area_record.csv] [--check] [--no-plots] [-j N]
#
#   --jobs     the job list CMake writes from config/configs.txt (name, top, -chparam ...)
#   --only     synthesise only the configurations whose name matches REGEX (grep -E)
#   --record   the recorded areas; every design that has a record is compared with it
#   --check    exit 1 when a design's kGE or transistor count is more than 10% off its record,
#              has no record, or Yosys warned
#   --no-plots skip the tables of all designs and the plots (the smoke test)
#   -j N       designs synthesised in parallel (default: nproc)
#
# Every design runs twice, with Yosys' synth as it is and with synth -noalumacc; the smaller
# kGE of the two is reported, and both are in the CSV.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs_file=""
out="$root/build/synth"
only="."
record=""
check=0
plots=1
par=$(nproc 2>/dev/null || echo 2)
flows=(alumacc noalumacc)
tolerance=10  # percent

while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs_file=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --record) record=$2; shift 2 ;;
    --check) check=1; shift ;;
    --no-plots) plots=0; shift ;;
    -j) par=$2; shift 2 ;;
    *) echo "run_synth: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$jobs_file" ] || { echo "run_synth: --jobs FILE is required (cmake writes build/synth_jobs.txt)" >&2; exit 2; }
[ -f "$jobs_file" ] || { echo "run_synth: no job list $jobs_file (run cmake first)" >&2; exit 2; }
YOSYS=${YOSYS:-yosys}
command -v "$YOSYS" >/dev/null || { echo "run_synth: $YOSYS not found" >&2; exit 2; }

lib="$root/constraints/swis_cells.lib"
sdc="$root/constraints/clock.sdc"
template="$root/synth/synth.ys.in"
mkdir -p "$out"
out=$(cd "$out" && pwd)
sources=$(ls "$root"/rtl/*.v | sort | tr '\n' ' ')
# The accelerator's RAMs are macros: swis_sram is a blackbox (synth/stubs/), its area modelled by
# synth/sram_area.py. The accelerator is flattened but for its PEs (hierarchical boxes would hide
# which paths are combinational and read as loops).
accel_sources="$(ls "$root"/rtl/*.v | grep -v '/swis_sram\.v$' | sort | tr '\n' ' ')$root/synth/stubs/swis_sram_macro.v"

# --- Clock: the SDC lines the flow understands -----------------------------------------------
sdc_value() {  # command, field index after the command name (awk $N of the line)
  awk -v cmd="$1" -v f="$2" '$1 == cmd { print $f; exit }' "$sdc"
}
period_ns=$(awk '$1 == "create_clock" { for (i = 2; i < NF; i++) if ($i == "-period") print $(i+1) }' "$sdc")
in_delay_ns=$(sdc_value set_input_delay 2)
out_delay_ns=$(sdc_value set_output_delay 2)
drive_cell=$(awk '$1 == "set_driving_cell" { for (i = 2; i < NF; i++) if ($i == "-lib_cell") print $(i+1) }' "$sdc")
load_ff=$(sdc_value set_load 2)
for v in period_ns in_delay_ns out_delay_ns drive_cell load_ff; do
  [ -n "${!v}" ] || { echo "run_synth: $sdc: cannot read $v" >&2; exit 2; }
done
period_ps=$(awk -v p="$period_ns" 'BEGIN { printf "%.0f", p * 1000 }')
ff_overhead_ps=$(awk -v a="$in_delay_ns" -v b="$out_delay_ns" 'BEGIN { printf "%.0f", (a + b) * 1000 }')
target_ps=$((period_ps - ff_overhead_ps))
constr="$out/abc.constr"
printf 'set_driving_cell %s\nset_load %s\n' "$drive_cell" "$load_ff" > "$constr"

# --- Jobs --------------------------------------------------------------------------------
names=()
declare -A job_top job_params
while read -r name top params; do
  case "$name" in ''|'#'*) continue ;; esac
  echo "$name" | grep -Eq -- "$only" || continue
  names+=("$name")
  job_top[$name]=$top
  job_params[$name]=${params:+ $params}
done < "$jobs_file"
[ ${#names[@]} -gt 0 ] || { echo "run_synth: no configuration matches '$only'" >&2; exit 2; }

echo "run_synth: ${#names[@]} designs x ${#flows[@]} flows, $par at a time, clock ${period_ps} ps" \
     "(ABC target ${target_ps} ps), outputs in $out"

run_one() {  # name flow
  local name=$1 flow=$2 dir="$out/$1/$2" flags="" t0 t1 srcs=$sources pre=""
  [ "$flow" = noalumacc ] && flags="-noalumacc"
  if [ "${job_top[$name]}" = swis_accel ]; then
    srcs=$accel_sources
    pre="setattr -mod -set keep_hierarchy 1 *swis_pe"
    flags="$flags -flatten"
  fi
  mkdir -p "$dir"
  sed -e "s|@SOURCES@|$srcs|" -e "s|@PRE@|$pre|" -e "s|@TOP@|${job_top[$name]}|g" \
      -e "s|@PARAMS@|${job_params[$name]}|" -e "s|@SYNTH_FLAGS@|$flags|" \
      -e "s|@OUT@|$dir|g" -e "s|@LIB@|$lib|g" -e "s|@CONSTR@|$constr|" \
      -e "s|@TARGET_PS@|$target_ps|" "$template" > "$dir/synth.ys"
  echo "+ $YOSYS -q -l $dir/yosys.log -s $dir/synth.ys"
  t0=$(date +%s.%N)
  if ! "$YOSYS" -q -l "$dir/yosys.log" -s "$dir/synth.ys" > "$dir/yosys.out" 2>&1; then
    echo "run_synth: $name ($flow) FAILED (log: $dir/yosys.log):" >&2
    tail -n 20 "$dir/yosys.out" >&2
    return 1
  fi
  t1=$(date +%s.%N)
  if [ -s "$dir/yosys.out" ]; then  # -q leaves only warnings: there are none today
    echo "run_synth: $name ($flow): Yosys warnings (log: $dir/yosys.log):" >&2
    cat "$dir/yosys.out" >&2
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' > "$dir/seconds"
}

t_start=$(date +%s)
fail=0
# The arrays and the accelerator take longest: start them first.
launch=()
big() { [ "${job_top[$1]}" = swis_array ] || [ "${job_top[$1]}" = swis_accel ]; }
for name in "${names[@]}"; do big "$name" && launch+=("$name"); done
for name in "${names[@]}"; do big "$name" || launch+=("$name"); done
total=$(( ${#launch[@]} * ${#flows[@]} ))
done_jobs=0
# Progress: one line each time a job ends (a sweep takes minutes).
reap() {
  wait -n || fail=1
  done_jobs=$((done_jobs + 1))
  echo "run_synth: $done_jobs/$total jobs done, $(( $(date +%s) - t_start )) s"
}
for name in "${launch[@]}"; do
  for flow in "${flows[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do reap; done
    run_one "$name" "$flow" &
  done
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do reap; done
wait || fail=1
[ $fail -eq 0 ] || { echo "run_synth: synthesis failed" >&2; exit 1; }
t_total=$(( $(date +%s) - t_start ))

# --- Reading the reports -------------------------------------------------------------------
# One line per flow: cells ffs ge transistors cp_ps cp_module levels seconds
parse_flow() {  # dir [macros: the transistor count leaves out blackbox RAMs]
  local dir=$1 cells ffs ge tr cp lv
  # The last section of stat is the whole design (the hierarchy totals, or the only module).
  read -r cells ffs ge < <(awk '
    /^=== / { cells = 0; ffs = 0 }
    /Number of cells:/ { cells = $NF }
    /^ +DFF[A-Z]*_X[0-9]+ +[0-9]+$/ { ffs += $2 }
    /Chip area for (top )?module/ { ge = $NF }
    END { print cells, ffs, ge }' "$dir/area.rpt")
  tr=$(awk '/Estimated number of transistors:/ { t = $NF } END { print t }' "$dir/transistors.rpt")
  case "$tr" in *+)
    if [ "${2:-}" = macros ]; then tr=${tr%+}; else
      echo "run_synth: $dir: transistor count is not exact ($tr)" >&2; return 1; fi ;;
  esac
  # ABC runs once per module; the design's critical path is the longest of them (paths that
  # cross a module boundary are not timed: see synth/README.md).
  cp=$(awk '
    /Extracting gate netlist of module/ { m = $7; gsub(/[`'"'"']/, "", m); sub(/^\\?\$paramod\$[0-9a-f]+\\/, "", m); sub(/^\\/, "", m) }
    /Delay = / { for (i = 1; i <= NF; i++) if ($i == "Delay" && $(i+1) == "=") d = $(i+2) + 0;
                 if (d > best) { best = d; bm = m } }
    END { printf "%.0f %s\n", best, bm }' "$dir/timing.rpt")
  lv=$(awk -F'length=' '/Longest topological path/ { split($2, a, ")"); if (a[1] + 0 > l) l = a[1] + 0 } END { print l + 0 }' "$dir/levels.rpt")
  echo "$cells $ffs $ge $tr $cp $lv $(cat "$dir/seconds")"
}

# Area by module for hierarchical designs: module area x instances, grouped by RTL module.
breakdown() {  # dir
  awk '
    function base(m) { sub(/^\\/, "", m); sub(/^\$paramod\$[0-9a-f]+\\/, "", m); return m }
    /^=== design hierarchy ===/ { hier = 1; next }
    /^=== / { cur = $2; next }
    !hier && /Chip area for module/ { area[cur] = $NF }
    hier && NF == 2 && $2 ~ /^[0-9]+$/ && $1 !~ /_X[0-9]+$/ { count[$1] = $2 }
    END {
      for (m in area) { n = (m in count) ? count[m] : 1; b = base(m); sum[b] += area[m] * n; inst[b] += n; tot += area[m] * n }
      for (b in sum) printf "%s %d %.1f %.1f\n", b, inst[b], sum[b], 100 * sum[b] / tot
    }' "$1/area.rpt" | sort -k3,3nr
}

param_of() {  # name parameter
  echo "${job_params[$1]}" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == "-chparam" && $(i+1) == k) print $(i+2) }'
}

csv="$out/results.csv"
echo "design,top,kind,group_size,shifts_per_cycle,flow,cells,flip_flops,transistors,kge,levels,critical_path_ps,critical_module,implied_clock_mhz,slack_ps,kge_alumacc,kge_noalumacc,transistors_alumacc,transistors_noalumacc" > "$csv"
# Run times vary from run to run: they stay out of results.csv, which two runs must reproduce.
runtime="$out/runtime.csv"
echo "design,seconds_alumacc,seconds_noalumacc" > "$runtime"
declare -A res_kge res_tr
for name in "${names[@]}"; do
  top=${job_top[$name]}
  m=$(param_of "$name" GroupSize); spc=$(param_of "$name" ShiftsPerCycle)
  case "$top" in
    fxp_pe) kind=fxp; spc="" ;;
    swis_pe) kind=$([ "$spc" = 1 ] && echo ss || echo ds) ;;
    swis_array) kind=$([ "$spc" = 1 ] && echo ss_array || echo ds_array) ;;
    *) kind=$top ;;
  esac
  declare -A f_line=()
  best=""
  for flow in "${flows[@]}"; do
    f_line[$flow]=$(parse_flow "$out/$name/$flow" "$([ "$top" = swis_accel ] && echo macros)")
    ge=$(echo "${f_line[$flow]}" | awk '{ print $3 }')
    if [ -z "$best" ] || awk -v a="$ge" -v b="$best_ge" 'BEGIN { exit !(a < b) }'; then
      best=$flow; best_ge=$ge
    fi
  done
  read -r cells ffs ge tr cp cpm lv secs <<< "${f_line[$best]}"
  ge_a=$(echo "${f_line[alumacc]}" | awk '{ printf "%.3f", $3 / 1000 }')
  ge_n=$(echo "${f_line[noalumacc]}" | awk '{ printf "%.3f", $3 / 1000 }')
  tr_a=$(echo "${f_line[alumacc]}" | awk '{ print $4 }')
  tr_n=$(echo "${f_line[noalumacc]}" | awk '{ print $4 }')
  echo "$name,$(echo "${f_line[alumacc]}" | awk '{ print $8 }'),$(echo "${f_line[noalumacc]}" | awk '{ print $8 }')" >> "$runtime"
  read -r kge clk slack < <(awk -v ge="$ge" -v cp="$cp" -v o="$ff_overhead_ps" -v p="$period_ps" \
    'BEGIN { printf "%.3f %.0f %.0f\n", ge / 1000, 1e6 / (cp + o), p - (cp + o) }')
  res_kge[$name]=$kge; res_tr[$name]=$tr
  echo "$name,$top,$kind,$m,$spc,$best,$cells,$ffs,$tr,$kge,$lv,$cp,$cpm,$clk,$slack,$ge_a,$ge_n,$tr_a,$tr_n" >> "$csv"

  # Per-design report.
  {
    echo "# $name"
    echo
    echo "\`$top${job_params[$name]}\`, synthesised by Yosys (synth/synth.ys.in); clock ${period_ps} ps" \
         "(constraints/clock.sdc), cells from constraints/swis_cells.lib."
    echo
    echo "| flow | cells | flip-flops | transistors | kGE | levels | critical path (ps) | module | seconds |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for flow in "${flows[@]}"; do
      echo "${f_line[$flow]}" | awk -v f="$flow" -v b="$best" '{ printf "| %s%s | %d | %d | %d | %.3f | %d | %d | %s | %s |\n", f, (f == b ? " (reported)" : ""), $1, $2, $4, $3 / 1000, $7, $5, $6, $8 }'
    done
    echo
    echo "Implied clock: ${cp} ps of logic + ${ff_overhead_ps} ps clock-to-Q and setup = $((cp + ff_overhead_ps)) ps," \
         "${clk} MHz; slack against the ${period_ps} ps target: ${slack} ps."
    if [ "$top" = swis_array ]; then
      echo
      echo "Area by module ($best flow; instances x module area):"
      echo
      echo "| module | instances | kGE | share |"
      echo "| --- | --- | --- | --- |"
      breakdown "$out/$name/$best" | awk '{ printf "| %s | %d | %.1f | %.1f%% |\n", $1, $2, $3 / 1000, $4 }'
    fi
    echo
    echo "Logs and reports: $best/yosys.log, $best/area.rpt, $best/timing.rpt (ABC's critical path)," \
         "$best/transistors.rpt, $best/levels.rpt; the same for the other flow."
  } > "$out/$name/report.md"
  if [ "$top" = swis_array ]; then breakdown "$out/$name/$best" > "$out/$name/breakdown.txt"; fi
done

# --- Record: the areas the smoke test holds the RTL to ---------------------------------------
rec_out="$out/area_record.csv"
{
  echo "# design,kge,transistors: written by synth/run_synth.sh; copy to synth/area_record.csv to"
  echo "# accept a change that moves an area on purpose."
  awk -F, 'NR > 1 { print $1 "," $10 "," $9 }' "$csv"
} > "$rec_out"
status=0
warned=""
for name in "${names[@]}"; do
  for flow in "${flows[@]}"; do
    if [ -s "$out/$name/$flow/yosys.out" ]; then warned="$warned $name/$flow"; fi
  done
done
if [ -n "$warned" ]; then
  echo "run_synth: Yosys warned in:$warned"
  status=1
fi
if [ -n "$record" ]; then
  [ -f "$record" ] || { echo "run_synth: no record $record" >&2; exit 2; }
  echo "Against the record ($record, tolerance ${tolerance}%):"
  declare -A recorded=()
  moved=0
  while IFS=, read -r name kge tr; do
    case "$name" in ''|'#'*) continue ;; esac
    [ -n "${res_kge[$name]:-}" ] || continue
    recorded[$name]=1
    verdict=$(awk -v n="$name" -v k="${res_kge[$name]}" -v rk="$kge" -v t="${res_tr[$name]}" -v rt="$tr" -v tol="$tolerance" 'BEGIN {
      dk = 100 * (k - rk) / rk; dt = 100 * (t - rt) / rt;
      bad = (dk > tol || dk < -tol || dt > tol || dt < -tol);
      printf "  %-12s kGE %.3f (record %.3f, %+.1f%%)  transistors %d (record %d, %+.1f%%)  %s\n", n, k, rk, dk, t, rt, dt, bad ? "MOVED" : "ok" }')
    echo "$verdict"
    case "$verdict" in *MOVED) moved=1 ;; esac
  done < "$record"
  for name in "${names[@]}"; do
    [ -n "${recorded[$name]:-}" ] && continue
    echo "  $(printf '%-12s' "$name") has no record: MISSING"
    moved=1
  done
  if [ $moved -ne 0 ]; then
    status=1
    echo "run_synth: an area moved by more than ${tolerance}% from $record, or has no record there." \
         "If that is intended, copy $rec_out over it (or the lines that changed)."
  fi
fi

echo "total,$t_total," >> "$runtime"
if grep -q ' swis_accel ' <(for n in "${names[@]}"; do echo " ${job_top[$n]} "; done); then
  echo "+ python3 synth/sram_area.py --results $csv --jobs $jobs_file --out $out/accel.md"
  python3 "$root/synth/sram_area.py" --results "$csv" --jobs "$jobs_file" --out "$out/accel.md" >/dev/null
fi

if [ $plots -eq 1 ]; then
  bash "$root/synth/tabulate.sh" "$csv" "$out" "$period_ps" "$ff_overhead_ps"
fi
echo "run_synth: ${#names[@]} designs in ${t_total} s; table $out/results.md, CSV $csv"
if [ $check -eq 1 ] && [ $status -ne 0 ]; then exit 1; fi
exit 0
