#!/usr/bin/env bash
# Installs the Debian packages the build, tests and tools need, if any is missing.
# Called by the Makefile before it configures; does nothing when everything is present.
set -euo pipefail

packages=(
  build-essential cmake make          # C++ toolchain
  verilator                           # RTL simulation and lint
  yosys                               # synthesis, lint, formal (yosys-smtbmc)
  z3                                  # SMT solver for yosys-smtbmc
  iverilog                            # second simulator for the speed comparison
  libsystemc-dev                      # SystemC testbench
  libgtest-dev                        # unit and lock-step tests
  libcli11-dev                        # command-line options (CLI11)
  nlohmann-json3-dev                  # JSON reports (nlohmann-json)
  libonnx-dev libprotobuf-dev         # ONNX model reader (lib/formats/onnx_model.cpp)
  libbenchmark-dev                    # make bench
  gtkwave xvfb                        # waveform viewing, headless screenshots
  gnuplot-nox                         # synthesis plots
  clang                               # libFuzzer targets (make fuzz)
  lcov                                # HTML coverage report (make coverage)
  python3                             # make mutate, make coverage reports
  python3-torch python3-torchvision   # the network tests' models (scripts/make_net_test_models.py)
  python3-onnx python3-numpy          # the ONNX reader's test models
  pybind11-dev python3-dev            # the Python module (python/)
  zlib1g-dev                          # gzip'd idx files (lib/formats/idx.cpp)
  dataset-fashion-mnist               # the accuracy study and its tests
  slurm-wlm munge                     # the Slurm launcher's test (regress/test_slurm.sh)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: not root and no sudo; install them with: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "+ apt-get update && apt-get install -y ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}"
