#!/usr/bin/env bash
# Submit a sharded regression to Slurm: one job array of the shards and a merge job after it.
#
#   regress/slurm.sh SUITE N [--out DIR] [--build DIR] [--jobs J] [--throttle T] [--wait]
#                    [-- SBATCH_OPTION ...]
#
# The array (sbatch --array=0-(N-1)%T) runs `regress/regress.py run SUITE $SLURM_ARRAY_TASK_ID N`
# in this checkout, against the build tree DIR (default build/); the merge job
# (--dependency=afterany on the array) runs `regress/regress.py merge SUITE N` whatever the shards'
# exit codes. Checkout, build tree and --out must be on storage every node sees. Options after --
# go to both sbatch calls (--partition, --time, --mem, --account, ...); each shard asks for
# --cpus-per-task=J. With --wait the script prints "shards done k/N" as shards finish, then the
# merged report, and exits with the merge's code (0 pass, 1 fail).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: $0 SUITE N [--out DIR] [--build DIR] [--jobs J] [--throttle T] [--wait] [-- SBATCH_OPTION ...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
suite=$1; n=$2; shift 2
out=$root/build/regress; build=$root/build; jobs=1; throttle=0; wait=0; extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --throttle) throttle=$2; shift 2 ;;
    --wait) wait=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) usage ;;
  esac
done
case $n in ''|*[!0-9]*) echo "slurm.sh: N must be a positive integer, not '$n'" >&2; exit 2 ;; esac
case $jobs$throttle in *[!0-9]*) echo "slurm.sh: --jobs and --throttle take integers" >&2; exit 2 ;; esac
[ "$n" -ge 1 ] || { echo "slurm.sh: N must be at least 1" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "slurm.sh: sbatch not found (is this a Slurm submit host?)" >&2; exit 2; }
mkdir -p "$out"; out=$(cd "$out" && pwd); build=$(cd "$build" && pwd)
# Check the arguments once here rather than in N failed array tasks.
python3 "$root/regress/regress.py" progress "$suite" "$n" --out "$out" >/dev/null
rm -f "$out/$suite".*.json "$out/$suite".report.*

array=0-$((n - 1))
[ "$throttle" -gt 0 ] && array="$array%$throttle"
py="python3 $root/regress/regress.py"
array_id=$(sbatch --parsable --job-name="swis-$suite" --array="$array" --chdir="$root" \
  --cpus-per-task="$jobs" --output="$out/slurm-$suite-%A_%a.out" "${extra[@]}" \
  --wrap "$py run $suite \$SLURM_ARRAY_TASK_ID $n --out $out --build $build --jobs $jobs")
array_id=${array_id%%;*}
merge_id=$(sbatch --parsable --job-name="swis-$suite-merge" --dependency="afterany:$array_id" \
  --chdir="$root" --output="$out/slurm-$suite-merge-%j.out" "${extra[@]}" \
  --wrap "$py merge $suite $n --out $out")
merge_id=${merge_id%%;*}
echo "submitted: shards array $array_id ($n shards), merge job $merge_id; results in $out"
[ "$wait" = 1 ] || exit 0

last=""
while :; do
  now=$($py progress "$suite" "$n" --out "$out")
  [ "$now" != "$last" ] && { echo "$now"; last=$now; }
  if [ -f "$out/$suite.report.json" ] && ! squeue -h -j "$merge_id" 2>/dev/null | grep -q .; then break; fi
  if ! squeue -h -j "$merge_id" 2>/dev/null | grep -q . && [ ! -f "$out/$suite.report.json" ]; then
    sleep 2
    [ -f "$out/$suite.report.json" ] || { echo "slurm.sh: merge job $merge_id ended without a report (see $out/slurm-$suite-merge-$merge_id.out)" >&2; exit 1; }
  fi
  sleep 1
done
cat "$out/$suite.report.md"
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["ok"] else 1)' "$out/$suite.report.json"
