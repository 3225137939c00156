#!/usr/bin/env bash
# Renders docs/waves.png: GTKWave, headless under Xvfb, showing the staggered feed on a 2 x 3
# double-shift array running the first tiles of the built-in layer's first filters.
# Usage: scripts/wave-screenshot.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "+ $build/swis sim --dir $out  (only for its W.npy and A.npy)"
"$build/swis" sim --dir "$out" > /dev/null
echo "+ $build/swis run ... --rows 2 --cols 3 --waves $out/feed.fst --waves-window 0:40"
"$build/swis" run --weights "$out/W.npy" --acts "$out/A.npy" --group 4 --pe ds --shifts 3 --pad 0 \
  --rows 2 --cols 3 --waves "$out/feed.fst" --waves-window 0:40 > /dev/null
cat > "$out/shot.tcl" <<TCL
gtkwave::setZoomRangeTimes 0 400
gtkwave::/File/Grab_To_File $(pwd)/docs/waves.png
gtkwave::/File/Quit
TCL
echo "+ xvfb-run -a gtkwave -S shot.tcl feed.fst feed.gtkw"
xvfb-run -a -s "-screen 0 1600x1400x24" gtkwave -S "$out/shot.tcl" "$out/feed.fst" "$out/feed.gtkw" > /dev/null 2>&1
echo "wrote docs/waves.png"
