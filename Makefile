# Thin wrapper over CMake. Every target prints the commands it runs, so that a failure can be
# reproduced by hand. `make help` lists the targets.

BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
CTEST_FLAGS ?=
SOAK ?= 40
SEEDS ?= 1 2 3 4 5
FUZZ_SECONDS ?= 60
SANITIZE_BUILD ?= build-sanitize
# The sanitizer build verilates the PEs and the arrays the tests name (the 16 x 16 array
# would only add build time there).
SANITIZE_CONFIGS ?= ^(pe_.*|arr_ds_1x1|arr_ds_2x3|arr_ss_2x3|arr_fxp_2x3|arr_ds_4x4|arr_(ss|ds)_8x8)$$

.PHONY: help deps configure build sim test check lint synth bench regress seeds waves clean \
        regress-local regress-slurm regress-slurm-test
.PHONY: coverage mutate sanitize fuzz formal

help:
	@echo "swis: SWIS bit-serial PEs and arrays, with a C++ golden model and Verilator harnesses"
	@echo ""
	@echo "  make sim     build, then run the built-in layer through the Verilated array in lock-step"
	@echo "  make sim-sc  build, then run the built-in layer through the SystemC testbench (the array"
	@echo "               verilated with --sc; random bubbles and backpressure, scoreboard)"
	@echo "  make test    build, run every test (ctest), then make sanitize; CI runs exactly this"
	@echo "  make check   build, then run every test (ctest) of the main build only"
	@echo "  make lint    Verilator -Wall and Yosys hierarchy/proc on every configuration"
	@echo "  make synth   Yosys: area (kGE, transistors) and critical path of the PEs, 8x8 arrays and"
	@echo "               8x8 accelerators; table and Figure 3 plots in $(BUILD)/synth/ (about 6 min)"
	@echo "  make table4  make synth, then Table 4 in kind: frames/s and frames/s per kGE of"
	@echo "               ResNet-18 and MobileNet-v2 on the SS, DS and fixed-point arrays"
	@echo "  make traffic memory traffic of ResNet-18 and MobileNet-v2 on the 8x8 accelerator by"
	@echo "               operand, SWIS and SWIS-C against 8-bit fixed point ($(BUILD)/traffic/)"
	@echo "  make accel-8x8  verilate the 8x8 accelerator (build-accel/) and run the built-in layer"
	@echo "               through it, memory in the loop (about 5 min)"
	@echo "  make waves   open the newest waveform (make sim WAVES=1 writes one) with its save file"
	@echo "  make regress long soaks: array GEMMs SOAK=$(SOAK) times over, 10^6 cycles per PE run"
	@echo "  make seeds   the lock-step tests once per seed of the models' random initial state"
	@echo "               (SEEDS='$(SEEDS)')"
	@echo "  make sanitize  AddressSanitizer + UndefinedBehaviorSanitizer build ($(SANITIZE_BUILD)/)"
	@echo "               of model, Verilated models, harness and tests; runs the tests"
	@echo "  make coverage  Verilator line/branch/toggle coverage of rtl/ and functional bins"
	@echo "               (build-coverage/coverage/coverage.md, html/)"
	@echo "  make formal  formal proofs (Yosys, z3, ABC): DS = 2 x SS, Equation 7, array feed"
	@echo "               (formal/README.md); the fast ones also run in make check"
	@echo "  make fuzz    libFuzzer + ASan + UBSan on the .npy and packed-format readers"
	@echo "               (FUZZ_SECONDS=$(FUZZ_SECONDS) each; findings in $(BUILD)/fuzz/findings/)"
	@echo "  make mutate  inject every fault of mutate/mutants.ini into a copy of rtl/ and check"
	@echo "               that the regression kills it (build-mutate/mutants.md)"
	@echo "  make regress-local  a sharded regression on this machine: SUITE=$(SUITE) (tests, lockstep,"
	@echo "               seeds, formal, mutants) in SHARDS=$(SHARDS) shards, merged ($(BUILD)/regress/)"
	@echo "  make regress-slurm  the same as a Slurm job array and a merge job (SLURM_OPTS='-p part"
	@echo "               --time=1:00:00 --mem=4G' go to sbatch); make regress-slurm-test starts a"
	@echo "               one-node Slurm here and checks the launcher on it (with two mutant shards)"
	@echo "  make bench   Google Benchmark: quantizer speed, array simulation speed (checked,"
	@echo "               unchecked, Icarus Verilog), networks, accuracy on 10 000 images; the"
	@echo "               Python quantizer against the CLI"
	@echo "  make accuracy  top-1 of the Fashion-MNIST networks under every quantization of the"
	@echo "               paper's Tables 2, 3, 5 ($(BUILD)/accuracy/: CSV, tables, plot; ~1 h)"
	@echo "  make train   retrain the two reference networks into models/ (~10 min)"
	@echo "  make python  the swis Python module only (PYTHONPATH=$(BUILD)/python)"
	@echo "  make build   configure and build only"
	@echo "  make deps    install missing Debian packages (apt-get; needs root or sudo)"
	@echo "  make clean   remove $(BUILD)/ and the variant build trees ($(SANITIZE_BUILD)/, build-coverage/,"
	@echo "               build-mutate/)"
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

check: build
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure $(CTEST_FLAGS)

test: check
	$(MAKE) --no-print-directory sanitize

# ASan + UBSan: any report aborts the test that caused it. The Verilated models are built
# with the sanitizers too; the SystemC, synthesis and Python tests are left to the main build.
sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Release -DSWIS_SANITIZE=ON \
	  '-DSWIS_CONFIG_FILTER=$(SANITIZE_CONFIGS)'
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target swis_tests swis
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZE_BUILD) -j $(JOBS) --output-on-failure -E '^(SystemC|Synth|Formal|Python|Regress)\.'

seeds: build
	for s in $(SEEDS); do \
	  echo "+ SWIS_SEED=$$s ctest -R 'Pe|Array|Run|Waves'"; \
	  SWIS_SEED=$$s ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure -R 'Pe|Array|Run|Waves' \
	    > $(BUILD)/seed_$$s.log || { tail -n 40 $(BUILD)/seed_$$s.log; exit 1; }; \
	  grep 'tests passed' $(BUILD)/seed_$$s.log; \
	  $(BUILD)/swis_sc --seed $$s | tail -n 1 || exit 1; \
	done

coverage: deps
	BUILD=build-coverage JOBS=$(JOBS) bash coverage/run_coverage.sh

formal: configure
	cmake --build $(BUILD) --target formal

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run_fuzz.sh $(BUILD)/fuzz

mutate: deps
	python3 mutate/run_mutants.py --build build-mutate --jobs $(JOBS)

# The newest FST under the build tree (make sim WAVES=1, swis run --waves, SWIS_WAVES=dir).
WAVE ?= $(shell ls -t $$(find $(BUILD) . -maxdepth 3 -name '*.fst' 2>/dev/null) 2>/dev/null | head -n 1)
waves:
	@test -n "$(WAVE)" || { echo "no .fst found: run make sim WAVES=1 or swis run --waves F.fst first"; exit 1; }
	gtkwave $(WAVE) $(basename $(WAVE)).gtkw

# Sharded regressions (regress/regress.py; README, "Regressions on a cluster"): SUITE is one of
# tests, lockstep, seeds, formal, mutants; SHARDS its number of shards; SLURM_OPTS go to sbatch.
SUITE ?= lockstep
SHARDS ?= 4
SHARD_JOBS ?= 1
SLURM_OPTS ?=
regress-local: build
	python3 regress/regress.py local $(SUITE) $(SHARDS) --out $(BUILD)/regress --jobs $(SHARD_JOBS) --parallel $(JOBS)

regress-slurm: build
	bash regress/slurm.sh $(SUITE) $(SHARDS) --out $(BUILD)/regress --jobs $(SHARD_JOBS) --wait -- $(SLURM_OPTS)

# The Slurm launcher on a one-node Slurm started here, with two shards of two mutants as well.
regress-slurm-test: build
	SWIS_SLURM_MUTANTS='^(pe_shift_plus_one|pe_first_dropped)$$' bash regress/test_slurm.sh $(BUILD)

regress: build
	SWIS_SOAK=$(SOAK) ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure -R 'Array|Pe'
	$(BUILD)/swis pe-regress --cycles 1000000 --seed 7

bench: configure
	cmake --build $(BUILD) -j $(JOBS) --target swis_bench swis swis_python
	$(BUILD)/swis_bench
	/usr/bin/python3 bench/bench_python.py --build $(BUILD)

# The accuracy study (scripts/accuracy_study.py; about an hour on 2 cores): build/accuracy/.
.PHONY: accuracy train python
accuracy: build
	/usr/bin/python3 scripts/accuracy_study.py --swis $(BUILD)/swis --out $(BUILD)/accuracy

# Retrains the two reference networks into models/ (scripts/train_fashion.py; about 10 min).
train: deps
	/usr/bin/python3 scripts/train_fashion.py --out models

# The Python module alone (it is also part of make build): $(BUILD)/python/swis.
python: configure
	cmake --build $(BUILD) -j $(JOBS) --target swis_python

lint: configure
	cmake --build $(BUILD) --target lint

synth: configure
	cmake --build $(BUILD) --target synth

# Table 4 in kind (scripts/table4.py): frames per second and per kGE of ResNet-18 and
# MobileNet-v2 on the synthesised 8 x 8 arrays, in $(BUILD)/table4/.
.PHONY: table4
table4: build synth
	python3 scripts/table4.py --swis $(BUILD)/swis --synth $(BUILD)/synth/results.csv --topologies topologies --out $(BUILD)/table4

# Memory traffic on the 8 x 8 accelerator (scripts/accel_traffic.py, docs/accel.md), from the
# traffic model the accelerator's lock-step tests hold the RTL's AXI traffic to.
.PHONY: traffic accel-8x8
traffic: build
	python3 scripts/accel_traffic.py --swis $(BUILD)/swis --topologies topologies --out $(BUILD)/traffic

# The 8 x 8 accelerator is not verilated by the main build (cmake/SwisConfigs.cmake,
# SWIS_CONFIG_SKIP): this builds it alone and runs make sim's layer through it.
accel-8x8: build
	$(BUILD)/swis sim --dir $(BUILD)/sim-out > /dev/null
	cmake -S . -B build-accel -DCMAKE_BUILD_TYPE=Release '-DSWIS_CONFIG_FILTER=^acc_ds_8x8$$' -DSWIS_CONFIG_SKIP=
	cmake --build build-accel -j $(JOBS) --target swis
	build-accel/swis run --weights $(BUILD)/sim-out/W.npy --acts $(BUILD)/sim-out/A.npy --group 4 --pe ds --target 3 --metric mse++ --pad 1 --engine accel --json build-accel/accel-8x8.json

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) build-coverage build-mutate build-mutate-shards build-accel
