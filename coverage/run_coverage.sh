#!/usr/bin/env bash
# make coverage: builds the harnesses against a Verilated RTL with line, branch and toggle
# coverage (build tree BUILD, default build-coverage), runs the lock-step regressions with
# functional coverage on, and writes into BUILD/coverage/:
#   merged.dat      Verilator's coverage data, merged over every model of every run
#   annotated/      rtl/ annotated with hit counts (verilator_coverage --annotate)
#   coverage.info   the same as lcov tracefile, and html/ from genhtml
#   coverage.md     summary: per-file line/branch and toggle coverage, points never hit (with
#                   the waivers of coverage/waivers.txt), and every functional bin
# Exit status 1 when a line or branch of rtl/ that is not waived was never hit, or a functional
# bin is empty.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-coverage}
JOBS=${JOBS:-$(nproc)}
# Every PE configuration, and the arrays that the array regression needs to reach every
# corner: 1 x 1, 2 x 3 single- and double-shift, 4 x 4; the 2 x 3 accelerators.
CONFIGS='^(pe_.*|arr_ds_1x1|arr_ds_2x3|arr_ss_2x3|arr_fxp_2x3|arr_ds_4x4|acc_ds_2x3|acc_ss_4x3)$'
out=$BUILD/coverage
run() { echo "+ $*"; "$@"; }

run cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSWIS_COVERAGE=ON "-DSWIS_CONFIG_FILTER=$CONFIGS" >/dev/null
run cmake --build "$BUILD" -j "$JOBS" --target swis_tests swis
rm -rf "$out"
mkdir -p "$out/dat" "$out/fcov"
# SWIS_SEED=0: registers start at zero, so that a toggle counted is one the run made (from a
# random power-up value, reset alone would toggle half the bits). make seeds covers the rest.
export SWIS_COVERAGE_DIR=$PWD/$out/dat SWIS_FCOV_DIR=$PWD/$out/fcov SWIS_SEED=0
run "$BUILD/swis_tests" --gtest_filter='AllConfigs/*' --gtest_brief=1
run "$BUILD/swis" pe-regress --cycles 200000 --seed 11 >/dev/null
run verilator_coverage --write "$out/merged.dat" "$out"/dat/*.dat
run verilator_coverage --annotate "$out/annotated" --annotate-all --annotate-min 1 "$out/merged.dat" >/dev/null
run verilator_coverage --write-info "$out/coverage.info" "$out/merged.dat"
if command -v genhtml >/dev/null 2>&1; then
  run genhtml --quiet --output-directory "$out/html" "$out/coverage.info" >/dev/null
else
  echo "genhtml not found (Debian package lcov): no HTML report"
fi
run python3 coverage/report.py --dat "$out/merged.dat" --fcov "$out/fcov" \
  --waivers coverage/waivers.txt --out "$out/coverage.md"
