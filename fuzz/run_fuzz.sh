#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets for the two file readers (npy::parse, unpack) under
# ASan and UBSan, seeds each from fuzz/corpus/<name>/, runs each for a bounded time and fails
# on any finding (crash, sanitizer report, timeout, oversized allocation), keeping the input.
#
# usage: fuzz/run_fuzz.sh [OUT_DIR [SECONDS]]   defaults: build/fuzz, $FUZZ_SECONDS or 60 each
#   FUZZ_CXX      clang++ to build with (default clang++, else clang++-14)
#   FUZZ_TARGETS  targets to run (default "npy packed")
#
# OUT_DIR/fuzz_<name>          the fuzzer; OUT_DIR/fuzz_<name> FILE replays one input
# OUT_DIR/corpus/<name>/       inputs found so far (kept between runs; the seeds stay read-only)
# OUT_DIR/findings/<name>/     crash-*, timeout-*, oom-* files of a failed run
# OUT_DIR/<name>.log           the fuzzer's full output
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/build/fuzz}
seconds=${2:-${FUZZ_SECONDS:-60}}
targets=${FUZZ_TARGETS:-npy packed}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "run_fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2
  exit 2
fi
cxx=${FUZZ_CXX:-}
if [[ -z $cxx ]]; then
  for c in clang++ clang++-14; do
    if command -v "$c" >/dev/null; then cxx=$c; break; fi
  done
fi
if [[ -z $cxx ]]; then
  echo "run_fuzz.sh: no clang++ found (apt-get install clang-14, or set FUZZ_CXX)" >&2
  exit 2
fi

# Each target compiles only the library sources its reader needs: no Verilator, no CMake build.
npy_sources="lib/common/layer_shape.cpp lib/formats/npy.cpp lib/formats/npy_header.cpp
  lib/formats/npy_read.cpp lib/formats/npy_write.cpp lib/formats/output_files.cpp"
declare -A sources=(
  [npy]="$npy_sources"
  [packed]="lib/compiler/packed.cpp lib/compiler/quantize.cpp lib/common/layer_shape.cpp"
)
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -I "$root"
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -pthread)

show() { echo "+ $*"; "$@"; }

mkdir -p "$out"
out=$(cd "$out" && pwd)  # the replay hints and artifact paths must not depend on the cwd
for t in $targets; do
  [[ -n ${sources[$t]:-} ]] || { echo "run_fuzz.sh: unknown target '$t'" >&2; exit 2; }
  bin=$out/fuzz_$t
  srcs=("$root/fuzz/fuzz_$t.cpp")
  for s in ${sources[$t]}; do srcs+=("$root/$s"); done
  # Rebuilt when a source, a library header or this script (the flags) is newer than the binary.
  if [[ -x $bin ]] && [[ -z $(find "${srcs[@]}" "$root/lib" "${BASH_SOURCE[0]}" -newer "$bin" \
                                   \( -name '*.cpp' -o -name '*.h' -o -name '*.sh' \) | head -n 1) ]]; then
    echo "fuzz_$t is up to date"
  else
    show "$cxx" "${flags[@]}" "${srcs[@]}" -o "$bin"
  fi
done

failed=()
summary=()
for t in $targets; do
  bin=$out/fuzz_$t
  corpus=$out/corpus/$t
  findings=$out/findings/$t
  log=$out/$t.log
  mkdir -p "$corpus" "$findings"
  dict=()
  [[ -f $root/fuzz/$t.dict ]] && dict=(-dict="$root/fuzz/$t.dict")
  # New inputs go to the first directory; the checked-in seeds are read, never written.
  cmd=("$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 -use_value_profile=1
       -print_final_stats=1 -artifact_prefix="$findings/" "${dict[@]}"
       "$corpus" "$root/fuzz/corpus/$t")
  echo "+ ${cmd[*]} > $log 2>&1"
  rc=0
  "${cmd[@]}" >"$log" 2>&1 || rc=$?

  edges=$(sed -n 's/.*Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -n 1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  [[ -n $done_line ]] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
  files=$(find "$corpus" -type f | wc -l)
  line=$(printf '%-7s %12s execs in %4ss (%s/s), cov %s of %s edges, ft %s, corpus %s files, peak rss %s MB' \
    "$t" "${runs:-?}" "${secs:-?}" "${rate:-?}" "${cov:-?}" "${edges:-?}" "${ft:-?}" "$files" "${rss:-?}")
  if [[ $rc -ne 0 ]]; then
    failed+=("$t")
    line+=" FINDING (exit $rc)"
    echo "--- fuzz_$t failed (exit $rc); the report:"
    grep -E -A30 '^==[0-9]+==ERROR|runtime error|^fuzz_|ALARM|out-of-memory|malloc\(' "$log" | head -n 60 || tail -n 40 "$log"
    for f in "$findings"/*; do
      [[ -e $f ]] && echo "kept $f; replay with: $bin $f"
    done
  fi
  summary+=("$line")
done

echo "--- fuzz summary (seconds per target: $seconds; logs in $out)"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAIL: findings in ${failed[*]}"
  exit 1
fi
echo "PASS: no findings"
