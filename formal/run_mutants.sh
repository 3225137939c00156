#!/usr/bin/env bash
# Shows that every proof can fail: each mutant below is a copy of rtl/ (in a temporary
# directory, never rtl/ itself) with one single-point fault, and the proofs listed with it must
# FAIL on it with a counterexample. One line per (mutant, proof): CAUGHT or MISSED.
#
#   formal/run_mutants.sh [--out DIR] [--only ID[,ID...]]
#
#   --out   logs and counterexample traces go to DIR/<mutant>/<proof>/ (default
#           build/formal_mutants)
#   --only  run only these mutants
#
# Exit status: 0 when every mutant was caught by every proof listed with it, 1 otherwise.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/formal_mutants"
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "run_mutants: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

# id | file | exact text | replacement | proofs that must fail | the fault
mutants=(
  "ds_slot1_shift|swis_pe.v|shift = tok_shift_i[3*s +: 3]|shift = tok_shift_i[0 +: 3]|DsEqualsTwoSs_M4,Eq7_Ds_M4|slot 1 uses slot 0's bit position (DS only)"
  "ds_drop_slot1|swis_pe.v|slot < ShiftsPerCycle|slot < 1|DsEqualsTwoSs_M1,DsEqualsTwoSs_M16,Eq7_Ds_M2|the accumulator adds slot 0 only (DS only)"
  "sign_no_plus1|swis_pe.v|(~act_ext + 1'b1)|(~act_ext)|Eq7_Ss_M4,Eq7_Ds_M4|sign inversion is one's complement (drops the + 1)"
  "shift_plus1|swis_pe.v|sum} << shift|sum} << (shift + 3'd1)|Eq7_Ss_M1,Eq7_Ds_M8|shift off by one"
  "unsigned_always|swis_pe.v|{act_signed_i & act_raw[7], act_raw}|{1'b0, act_raw}|Eq7_Ss_M4|int8 activations read as uint8"
  "first_ignored|swis_pe.v|(tok_first_i ? {AccWidth{1'b0}} : acc_q)|acc_q|Eq7_Ds_M4|first does not clear the accumulator"
  "sum_one_bit_short|swis_pe.v|LaneWidth + \$clog2(GroupSize);|LaneWidth + \$clog2(GroupSize) - 1;|Eq7_Ds_M16,Eq7_Ss_M4|lane sum one bit too narrow (overflows)"
  "tree_pair|swis_pe.v|node[SumWidth*(k + w) +: SumWidth];|node[SumWidth*((k + 2 * w) % GroupSize) +: SumWidth];|Eq7_Ss_M8,Eq7_Ds_M4|the lane tree adds the wrong pair of nodes"
  "row_skew|swis_array.v|.Width(ActWidth + 1), .Depth(r))|.Width(ActWidth + 1), .Depth(r == Rows - 1 ? r + 1 : r))|ArrayFeed_Ds2x3,ArrayFeed_Ss2x3|bottom row's activation one cycle late"
  "col_skew|swis_array.v|.Width(TokWidth), .Depth(c))|.Width(TokWidth), .Depth(c == 2 ? 1 : c))|ArrayFeed_Ds2x3|column 2's token one cycle early"
  "hold_floor|swis_array.v|((cur_shifts_q + 4'd1) >> 1)|(cur_shifts_q >> 1)|ArrayFeed_Ds2x3|DS group held floor(N/2) steps instead of ceil(N/2)"
  "hold_reload|swis_array.v|if (fire && group_start) act_hold_q <= act_i;|if (fire) act_hold_q <= act_i;|ArrayFeed_Ss2x3|held activation reloaded from the bus on every step"
  "first_every_group|swis_array.v|fire && group_start && group_q == 0,|fire && group_start,|ArrayFeed_Ds2x3|first on every group instead of the tile's first"
)

mkdir -p "$out"
out=$(cd "$out" && pwd)
scratch=$(mktemp -d /tmp/swis_mutants.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

missed=0
for m in "${mutants[@]}"; do
  IFS='|' read -r id file from to proofs what <<< "$m"
  if [ -n "$only" ] && ! echo ",$only," | grep -q ",$id,"; then continue; fi
  dir="$scratch/$id"
  cp -r "$root/rtl" "$dir"
  # Exactly one occurrence, replaced literally.
  if ! FROM=$from TO=$to python3 - "$dir/$file" <<'EOF'
import os, sys
path, old, new = sys.argv[1], os.environ["FROM"], os.environ["TO"]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"{path}: '{old}' occurs {text.count(old)} times, expected once")
open(path, "w").write(text.replace(old, new))
EOF
  then
    echo "ERROR  $id: the fault no longer applies to rtl/$file"
    missed=$((missed + 1))
    continue
  fi
  diff -u "$root/rtl/$file" "$dir/$file" > "$out/$id.diff" || true
  IFS=',' read -r -a plist <<< "$proofs"
  for p in "${plist[@]}"; do
    log="$out/$id/$p.log"
    mkdir -p "$out/$id"
    set +e
    bash "$root/formal/run_formal.sh" --rtl "$dir" --only "$p" --out "$out/$id" > "$log" 2>&1
    rc=$?
    set -e
    line=$(grep -E "^(PASS|FAIL|ERROR) " "$log" | head -n 1 || true)
    if [ $rc = 1 ] && echo "$line" | grep -q '^FAIL'; then
      printf 'CAUGHT  %-18s %-18s %s\n' "$id" "$p" "$(echo "$line" | awk '{ print $3 " s" }')"
    else
      printf 'MISSED  %-18s %-18s %s\n' "$id" "$p" "${line:-no verdict, see $log}"
      missed=$((missed + 1))
    fi
  done
  echo "        ($what)"
done
[ $missed = 0 ] || { echo "run_mutants: $missed mutant/proof pair(s) not caught"; exit 1; }
echo "run_mutants: every mutant caught"
