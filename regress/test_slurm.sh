#!/usr/bin/env bash
# Test of the Slurm launcher against a real one-node Slurm (regress/slurm_cluster.sh) on this
# machine: four shards of the lock-step tests through regress/slurm.sh, whose merged count must
# equal what ctest selects for one machine; then two shards with shard 1 made to fail
# (SWIS_REGRESS_FAIL), whose merge must fail and name that shard. With SWIS_SLURM_MUTANTS set to a
# regular expression over mutant names, also two shards of those mutants (each shard builds its
# own mutation tree: minutes).
#
#   regress/test_slurm.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
tmp=$(mktemp -d /tmp/swis-slurm.XXXXXX)
cleanup() { bash "$root/regress/slurm_cluster.sh" stop "$tmp/cluster" || true; rm -rf "$tmp"; }
trap cleanup EXIT

fail() { echo "test_slurm: FAIL: $*" >&2; exit 1; }
field() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"r": r}))' "$@"; }

eval "$(bash "$root/regress/slurm_cluster.sh" start "$tmp/cluster")"
echo "cluster up: $(sinfo -h -o '%P %D %T' | head -n 1)"

# 1. Four shards of the lock-step tests.
bash "$root/regress/slurm.sh" lockstep 4 --out "$tmp/ok" --build "$build" --throttle 2 --wait \
  || fail "the lock-step regression on Slurm failed"
want=$(ctest --test-dir "$build" -N -R 'Pe|Array|Run|Waves' | sed -n 's/^Total Tests: //p')
got=$(field "$tmp/ok/lockstep.report.json" 'r["counts"]["passed"]')
found=$(field "$tmp/ok/lockstep.report.json" 'r["shards_found"]')
[ "$found" = 4 ] || fail "$found of 4 shards reported"
[ "$got" = "$want" ] || fail "the shards passed $got tests, one machine's ctest selects $want"
for k in 0 1 2 3; do
  n=$(field "$tmp/ok/lockstep.$k.json" 'len(r["items"])')
  [ "$n" -gt 0 ] || fail "shard $k ran nothing"
  [ -s "$(ls "$tmp/ok"/slurm-lockstep-*_$k.out)" ] || fail "shard $k has no Slurm output file"
done
echo "ok: 4 shards on Slurm, $got tests passed = ctest's $want"

# 2. A shard made to fail fails the merge, which names it.
set +e
SWIS_REGRESS_FAIL=1 bash "$root/regress/slurm.sh" lockstep 2 --out "$tmp/bad" --build "$build" --wait > "$tmp/bad.txt" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$tmp/bad.txt"; fail "a failing shard gave exit code $rc, not 1"; }
grep -q "shard 1: FAILED injected failure" "$tmp/bad/lockstep.report.md" || fail "the report does not name shard 1"
[ "$(field "$tmp/bad/lockstep.report.json" 'r["shards_found"]')" = 2 ] || fail "the failing run lost a shard"
echo "ok: a failing shard fails the merge (exit 1) and is named"

# 3. Mutants, on request.
if [ -n "${SWIS_SLURM_MUTANTS:-}" ]; then
  mkdir -p "$tmp/mbuild"
  SWIS_MUTANTS=$SWIS_SLURM_MUTANTS bash "$root/regress/slurm.sh" mutants 2 --out "$tmp/mut" \
    --build "$tmp/mbuild" --jobs 2 --wait || fail "the mutant shards on Slurm failed"
  echo "ok: $(field "$tmp/mut/mutants.report.json" 'r["counts"]["passed"]') mutants killed in 2 shards"
fi
echo "test_slurm: PASS"
