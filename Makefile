# Thin wrapper over CMake. Every target prints the commands it runs, so that a failure can be
# reproduced by hand. `make help` lists the targets.

BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
CTEST_FLAGS ?=
SOAK ?= 40

.PHONY: help deps configure build sim test lint synth bench regress waves clean

help:
	@echo "swis: SWIS bit-serial PEs and arrays, with a C++ golden model and Verilator harnesses"
	@echo ""
	@echo "  make sim     build, then run the built-in layer through the Verilated array in lock-step"
	@echo "  make sim-sc  build, then run the built-in layer through the SystemC testbench (the array"
	@echo "               verilated with --sc; random bubbles and backpressure, scoreboard)"
	@echo "  make test    build, then run every test (ctest); CI runs exactly this"
	@echo "  make lint    Verilator -Wall and Yosys hierarchy/proc on every configuration"
	@echo "  make synth   Yosys: area (kGE, transistors) and critical path of the PEs and 8x8 arrays,"
	@echo "               table and Figure 3 plots in $(BUILD)/synth/ (about 1.5 min on 2 cores)"
	@echo "  make waves   open the newest waveform (make sim WAVES=1 writes one) with its save file"
	@echo "  make regress long soaks: array GEMMs SOAK=$(SOAK) times over, 10^6 cycles per PE run"
	@echo "  make bench   Google Benchmark: quantizer speed, array simulation speed (checked,"
	@echo "               unchecked, Icarus Verilog)"
	@echo "  make build   configure and build only"
	@echo "  make deps    install missing Debian packages (apt-get; needs root or sudo)"
	@echo "  make clean   remove $(BUILD)/"
	@echo ""
	@echo "  variables: BUILD=$(BUILD) JOBS=$(JOBS) CTEST_FLAGS='-R <regex>' to pick tests"

deps:
	bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

sim: build
	$(BUILD)/swis sim --dir $(BUILD)/sim $(if $(WAVES),--waves $(BUILD)/sim/sim.fst)

.PHONY: sim-sc
sim-sc: build
	$(BUILD)/swis_sc

test: build
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure $(CTEST_FLAGS)

# The newest FST under the build tree (make sim WAVES=1, swis run --waves, SWIS_WAVES=dir).
WAVE ?= $(shell ls -t $$(find $(BUILD) . -maxdepth 3 -name '*.fst' 2>/dev/null) 2>/dev/null | head -n 1)
waves:
	@test -n "$(WAVE)" || { echo "no .fst found: run make sim WAVES=1 or swis run --waves F.fst first"; exit 1; }
	gtkwave $(WAVE) $(basename $(WAVE)).gtkw

regress: build
	SWIS_SOAK=$(SOAK) ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure -R 'Array|Pe'
	$(BUILD)/swis pe-regress --cycles 1000000 --seed 7

bench: configure
	cmake --build $(BUILD) -j $(JOBS) --target swis_bench
	$(BUILD)/swis_bench

lint: configure
	cmake --build $(BUILD) --target lint

synth: configure
	cmake --build $(BUILD) --target synth

clean:
	rm -rf $(BUILD)
