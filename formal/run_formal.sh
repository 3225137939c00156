#!/usr/bin/env bash
# Formal proofs of the SWIS RTL with Yosys 0.23, yosys-smtbmc + z3 and Yosys' ABC. One line per
# proof: PASS, FAIL (with a counterexample trace) or ERROR, and its time. See formal/README.md.
#
#   formal/run_formal.sh [--only NAME[,NAME...]] [--match REGEX] [--fast] [--list]
#                        [--out DIR] [--rtl DIR] [--engine z3|abc|bmc] [--timeout S] [-j N]
#
#   --only     run exactly these proofs (comma-separated names, see --list)
#   --match    run the proofs whose name matches REGEX (grep -E)
#   --fast     only the proofs registered in make test (each well under 30 s here)
#   --list     print the selected proofs' names (one a line) and exit
#   --out      logs, models and traces go to DIR/<proof>/ (default build/formal)
#   --rtl      the RTL directory to prove (default rtl/): point it at a mutated copy to check
#              that a proof fails
#   --engine   run every selected proof on this engine instead of its own (cross-checks):
#              z3 = yosys-smtbmc -s z3 BMC to the proof's depth (25 for the PDR proofs),
#              abc = ABC iprove on the proof's unrolled depth (z3 proofs only),
#              bmc = ABC bmc3 to the proof's depth (25 for the PDR proofs)
#   --timeout  per-proof limit in seconds (default 1800); a proof that hits it is an ERROR
#   -j N       proofs run in parallel (default 1)
#
# Exit status: 0 when every selected proof passed, 1 when one failed, 2 on a tool or usage
# error (a proof that could not be decided counts as an error).
#
# The proofs come from config/configs.txt, the one table of configurations:
#   DsEqualsTwoSs_M<M>     every double-shift swis_pe line (its GroupSize and AccWidth)
#   Eq7_<Ss|Ds>_M<M>       every swis_pe line
#   ArrayFeed_<Ss|Ds><R>x<C>  every swis_array line with Rows * Cols <= 64 (8x8: minutes each)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/formal"
rtl="$root/rtl"
only=""
match=""
fast=0
list=0
engine_override=""
timeout_s=1800
par=1

usage_error() { echo "run_formal: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || usage_error "--only needs a value"; only=$2; shift 2 ;;
    --match) [ $# -ge 2 ] || usage_error "--match needs a value"; match=$2; shift 2 ;;
    --fast) fast=1; shift ;;
    --list) list=1; shift ;;
    --out) [ $# -ge 2 ] || usage_error "--out needs a value"; out=$2; shift 2 ;;
    --rtl) [ $# -ge 2 ] || usage_error "--rtl needs a value"; rtl=$2; shift 2 ;;
    --engine) [ $# -ge 2 ] || usage_error "--engine needs a value"; engine_override=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage_error "--timeout needs a value"; timeout_s=$2; shift 2 ;;
    -j) [ $# -ge 2 ] || usage_error "-j needs a value"; par=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown argument '$1' (try --help)" ;;
  esac
done
case "$engine_override" in ''|z3|abc|bmc) ;; *) usage_error "--engine must be z3, abc or bmc" ;; esac
[[ "$par" =~ ^[1-9][0-9]*$ ]] || usage_error "-j needs a positive number"
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout needs a positive number of seconds"

configs="$root/config/configs.txt"
template="$root/formal/formal.ys.in"
[ -f "$configs" ] || usage_error "no $configs"
[ -d "$rtl" ] || usage_error "no RTL directory $rtl"
rtl=$(cd "$rtl" && pwd)

# --- The proofs ------------------------------------------------------------------------------
# name|harness|top|chparam|engine|class
#   engine: z3:K (yosys-smtbmc BMC of K steps), abc-prove:K (ABC iprove on K unrolled frames),
#           abc-pdr (ABC property-directed reachability: unbounded)
#   class:  fast (registered in make test) or slow
ds_ss=()
eq7=()
feed=()
cfg_param() {  # params-string key -> value
  local kv
  for kv in $1; do
    [ "${kv%%=*}" = "$2" ] && { echo "${kv#*=}"; return 0; }
  done
  return 1
}
while read -r name rest; do
  case "$name" in ''|'#'*) continue ;; esac
  top=""
  params=""
  for f in $rest; do
    case "$f" in
      top=*) top=${f#top=} ;;
      *=*) params="$params $f" ;;
    esac
  done
  case "$top" in
    swis_pe)
      m=$(cfg_param "$params" GroupSize) || usage_error "$configs: $name has no GroupSize"
      s=$(cfg_param "$params" ShiftsPerCycle) || usage_error "$configs: $name has no ShiftsPerCycle"
      a=$(cfg_param "$params" AccWidth) || usage_error "$configs: $name has no AccWidth"
      kind=$([ "$s" = 2 ] && echo Ds || echo Ss)
      if [ "$s" = 2 ]; then
        ds_ss+=("DsEqualsTwoSs_M$m|pe_ds_ss.sv|pe_ds_ss|-set GroupSize $m -set AccWidth $a|z3:3|fast")
      fi
      chp="-set GroupSize $m -set ShiftsPerCycle $s -set AccWidth $a"
      eq7+=("Eq7_${kind}_M$m|pe_eq7.sv|pe_eq7|$chp|abc-prove:2|fast")
      ;;
    swis_array)
      rows=$(cfg_param "$params" Rows) || usage_error "$configs: $name has no Rows"
      cols=$(cfg_param "$params" Cols) || usage_error "$configs: $name has no Cols"
      [ $((rows * cols)) -le 64 ] || continue  # 16x16: not attempted
      # The feed harness drives and checks SWIS tokens; a fixed-point array has the same
      # controller and skew but other token fields: the lock-step tests check it.
      fp=$(cfg_param "$params" FixedPoint) && [ "$fp" != 0 ] && continue
      m=$(cfg_param "$params" GroupSize) || usage_error "$configs: $name has no GroupSize"
      s=$(cfg_param "$params" ShiftsPerCycle) || usage_error "$configs: $name has no ShiftsPerCycle"
      a=$(cfg_param "$params" AccWidth) || usage_error "$configs: $name has no AccWidth"
      g=$(cfg_param "$params" GroupsWidth) || usage_error "$configs: $name has no GroupsWidth"
      kind=$([ "$s" = 2 ] && echo Ds || echo Ss)
      class=$([ $((rows * cols)) -le 6 ] && echo fast || echo slow)
      chp="-set Rows $rows -set Cols $cols -set GroupSize $m -set ShiftsPerCycle $s"
      chp="$chp -set AccWidth $a -set GroupsWidth $g"
      feed+=("ArrayFeed_${kind}${rows}x${cols}|array_feed.sv|array_feed|$chp|abc-pdr|$class")
      ;;
  esac
done < "$configs"
proofs=("${ds_ss[@]}" "${eq7[@]}" "${feed[@]}")

selected=()
if [ -n "$only" ]; then
  IFS=',' read -r -a wanted <<< "$only"
  for w in "${wanted[@]}"; do
    found=0
    for p in "${proofs[@]}"; do
      [ "${p%%|*}" = "$w" ] && { selected+=("$p"); found=1; }
    done
    [ $found = 1 ] || usage_error "no proof named '$w' (try --list)"
  done
else
  selected=("${proofs[@]}")
fi
filtered=()
for p in "${selected[@]}"; do
  IFS='|' read -r name _ _ _ _ class <<< "$p"
  [ -z "$match" ] || echo "$name" | grep -Eq -- "$match" || continue
  [ $fast = 0 ] || [ "$class" = fast ] || continue
  filtered+=("$p")
done
[ ${#filtered[@]} -gt 0 ] || usage_error "no proof selected"

if [ $list = 1 ]; then
  for p in "${filtered[@]}"; do echo "${p%%|*}"; done
  exit 0
fi

for tool in yosys yosys-smtbmc yosys-abc z3 timeout; do
  command -v "$tool" >/dev/null || usage_error "$tool not found (Debian: yosys, z3)"
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- One proof -------------------------------------------------------------------------------
# Writes <dir>/result: "<PASS|FAIL|ERROR> <name> <seconds> <what>".
write_probes() {  # rows cols file: the array harness's hierconn probes (see array_feed.sv)
  local rows=$1 cols=$2 file=$3 r c i
  {
    echo "// Generated by formal/run_formal.sh for a ${rows} x ${cols} array. Do not edit."
    for ((r = 0; r < rows; r++)); do
      for ((c = 0; c < cols; c++)); do
        i=$((r * cols + c))
        echo "(* hierconn *) wire [ActWidth:0]   \\u_arr.gen_row[$r].gen_col[$c].act_in ;"
        echo "(* hierconn *) wire [TokWidth-1:0] \\u_arr.gen_row[$r].gen_col[$c].tok_in ;"
        echo "assign pe_act[(ActWidth+1)*$i +: ActWidth+1] = \\u_arr.gen_row[$r].gen_col[$c].act_in ;"
        echo "assign pe_tok[TokWidth*$i +: TokWidth] = \\u_arr.gen_row[$r].gen_col[$c].tok_in ;"
      done
    done
  } > "$file"
}

# smtbmc log -> "harness.sv:line ..." of the failed assertions. Yosys locates an assertion as
# file:L1.C1-L2.C2 from the end of the statement before it: L2 is the assertion's own line.
failing_asserts() {
  grep -o 'Assert failed in [^:]*: [^ ]*' "$1" \
    | sed 's/.*formal\///; s/:[0-9]*\.[0-9]*-\([0-9]*\)\..*$/:\1/' | sort -u | tr '\n' ' ' || true
}

run_proof() {
  local spec=$1
  local name harness top params engine class dir sources backend t0 verdict what
  IFS='|' read -r name harness top params engine class <<< "$spec"
  dir="$out/$name"
  rm -rf "$dir"
  mkdir -p "$dir"

  # An override swaps the engine, keeping the proof's depth.
  case "$engine_override:$engine" in
    z3:abc-prove:*) engine="z3:${engine#abc-prove:}" ;;
    z3:abc-pdr) engine="z3:25" ;;
    abc:z3:*) engine="abc-prove:${engine#z3:}" ;;
    bmc:abc-pdr) engine="abc-bmc:25" ;;
    bmc:*:*) engine="abc-bmc:${engine##*:}" ;;
  esac

  sources="$rtl/swis_pe.v"
  if [ "$top" = array_feed ]; then
    sources="$rtl/swis_delay.v $rtl/swis_pe.v $rtl/fxp_pe.v $rtl/swis_array.v"
    local rows cols
    rows=$(echo "$params" | sed -n 's/.*-set Rows \([0-9]*\).*/\1/p')
    cols=$(echo "$params" | sed -n 's/.*-set Cols \([0-9]*\).*/\1/p')
    write_probes "$rows" "$cols" "$dir/array_probes.vh"
  fi
  sources="$sources $root/formal/$harness"

  if [ "${engine%%:*}" = z3 ]; then
    backend=""
  else
    # Word-level opt only: gate-level opt_merge took 6 s of 14 at M = 16; ABC does that job.
    backend=$(printf '%s\n' "memory_map" "opt -full" "techmap" "opt_clean" "dffunmap" \
      "abc -g AND -fast" "opt_clean" "write_aiger -I -B -zinit -map $dir/model.aim $dir/model.aig")
  fi
  awk -v dir="$dir" -v sources="$sources" -v params="$params" -v top="$top" -v backend="$backend" '
    { gsub(/@DIR@/, dir); gsub(/@SOURCES@/, sources); gsub(/@PARAMS@/, params); gsub(/@TOP@/, top)
      if ($0 == "@BACKEND@") $0 = backend
      print }' "$template" > "$dir/model.ys"

  t0=$(date +%s.%N)
  verdict=ERROR
  what=""
  local yosys_rc=0
  timeout "$timeout_s" yosys -q -l "$dir/yosys.log" -s "$dir/model.ys" > /dev/null 2>&1 \
    || yosys_rc=$?
  if [ $yosys_rc = 124 ]; then
    what="yosys timed out after $timeout_s s"
  elif [ $yosys_rc != 0 ]; then
    what="yosys failed: see $dir/yosys.log"
  else
    case "$engine" in
      z3:*)
        local depth=${engine#z3:}
        what="yosys-smtbmc -s z3, BMC $depth steps"
        echo "yosys-smtbmc --unroll -s z3 -t $depth --dump-vcd $dir/trace.vcd $dir/model.smt2" \
          > "$dir/engine.cmd"
        timeout "$timeout_s" yosys-smtbmc --unroll -s z3 -t "$depth" --dump-vcd "$dir/trace.vcd" \
          "$dir/model.smt2" > "$dir/engine.log" 2>&1 || true
        if grep -q 'Status: PASSED' "$dir/engine.log"; then
          verdict=PASS
        elif grep -q 'Status: FAILED' "$dir/engine.log"; then
          verdict=FAIL
          what="$what; counterexample $dir/trace.vcd, failing: $(failing_asserts "$dir/engine.log")"
        else
          what="$what: no verdict (timeout or tool error), see $dir/engine.log"
        fi
        ;;
      abc-prove:*|abc-pdr|abc-bmc:*)
        local depth abc_cmd
        if [ "${engine%%:*}" = abc-bmc ]; then
          depth=${engine#abc-bmc:}
          what="ABC bmc3, $depth cycles"
          abc_cmd="read_aiger $dir/model.aig; fold; strash; bmc3 -F $depth"
        elif [ "$engine" = abc-pdr ]; then
          depth=25  # only for the counterexample run below
          what="ABC pdr, unbounded"
          # scorr (signal correspondence, a property-preserving reduction) first: 2x3 array in
          # 5 s instead of 15 s, 4x4 in 25 s instead of 60-120 s.
          abc_cmd="read_aiger $dir/model.aig; fold; strash; scorr; pdr -T $timeout_s"
        else
          depth=${engine#abc-prove:}
          what="ABC iprove, all $depth cycles"
          abc_cmd="read_aiger $dir/model.aig; fold; strash; frames -F $depth -i; strash; orpos"
          abc_cmd="$abc_cmd; iprove"
        fi
        echo "yosys-abc -c \"$abc_cmd\"" > "$dir/engine.cmd"
        timeout "$timeout_s" yosys-abc -c "$abc_cmd" > "$dir/engine.log" 2>&1 || true
        if grep -Eq "^UNSATISFIABLE|Property proved|^No output asserted in $depth frames" \
            "$dir/engine.log"; then
          verdict=PASS
        elif grep -Eq '^SATISFIABLE|was asserted in frame' "$dir/engine.log"; then
          verdict=FAIL
          # Counterexample: ABC's BMC to the failing depth writes a witness; yosys-smtbmc replays
          # it on the word-level model (with its assumptions), confirming the failure and
          # writing a VCD. An ABC failure that z3 cannot replay is reported as an ERROR.
          local frames
          frames=$(sed -n 's/.*was asserted in frame \([0-9]*\).*/\1/p' "$dir/engine.log" | head -n 1)
          [ -z "$frames" ] || depth=$((frames + 1))
          timeout "$timeout_s" yosys-abc \
            -c "read_aiger $dir/model.aig; fold; strash; bmc3 -F $depth; write_cex -a $dir/cex.aiw" \
            > "$dir/cex.log" 2>&1 || true
          timeout "$timeout_s" yosys-smtbmc --unroll -s z3 -t "$depth" \
            --aig "$dir/model.aim:$dir/cex.aiw" --aig-noheader --dump-vcd "$dir/trace.vcd" \
            "$dir/model.smt2" > "$dir/replay.log" 2>&1 || true
          if [ -s "$dir/cex.aiw" ] && grep -q 'Status: FAILED' "$dir/replay.log"; then
            what="$what; counterexample $dir/trace.vcd, failing: $(failing_asserts "$dir/replay.log")"
          else
            verdict=ERROR
            what="$what; z3 could not replay ABC's counterexample: see $dir/cex.log, $dir/replay.log"
          fi
        else
          what="$what: no verdict (timeout or tool error), see $dir/engine.log"
        fi
        ;;
      *) what="unknown engine $engine" ;;
    esac
  fi
  local secs
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "$verdict $name $secs $what" > "$dir/result"
}

# --- Run ---------------------------------------------------------------------------------------
echo "run_formal: ${#filtered[@]} proof(s) of $rtl, logs in $out (-j $par)"
print_result() {
  local verdict name secs what
  if [ ! -f "$out/$1/result" ]; then
    printf '%-5s %-24s %7s s  %s\n' ERROR "$1" "-" "no result (the runner died)"
    return
  fi
  read -r verdict name secs what < "$out/$1/result"
  printf '%-5s %-24s %7s s  %s\n' "$verdict" "$name" "$secs" "$what"
}
names=()
for p in "${filtered[@]}"; do names+=("${p%%|*}"); done
if [ "$par" = 1 ]; then
  for p in "${filtered[@]}"; do
    run_proof "$p" || true
    print_result "${p%%|*}"
  done
else
  for p in "${filtered[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do wait -n || true; done
    { run_proof "$p" || true; } &
  done
  wait
fi

fails=0
errors=0
[ "$par" = 1 ] || echo "---"
for name in "${names[@]}"; do
  [ "$par" = 1 ] || print_result "$name"
  case "$(cut -d' ' -f1 "$out/$name/result" 2>/dev/null)" in
    PASS) ;;
    FAIL) fails=$((fails + 1)) ;;
    *) errors=$((errors + 1)) ;;
  esac
done
echo "run_formal: $((${#names[@]} - fails - errors)) passed, $fails failed, $errors error(s)"
[ $errors = 0 ] || exit 2
[ $fails = 0 ] || exit 1
exit 0
