# mymem lab: thin entry points; the work is done by the host runner (crates/lab).
# Run `make help` for the list. Every target sets up what it needs by itself.

CARGO ?= cargo
LAB := $(CARGO) run --quiet --release -p lab --
# Extra runner options, e.g. make run ARGS="--race-iterations 150000"
ARGS ?=
# Guest clock for every boot: wall (default) or icount (deterministic instruction time).
ifdef CLOCK
export LAB_CLOCK := $(CLOCK)
endif
# make run FULL=1: the C-vs-Rust matrix at the seed's N = 150 000 (about 25 min more under TCG)
FULL ?=
FULL_ARG := $(if $(filter 1,$(FULL)),--full)
# Your modules instead of ours (module source directories, built as lab grade builds them):
# make run DRIVER=path/to/driver (DRIVER="c_dir rust_dir": both yours), TEST_MODULE=dir (part 5),
# HELLO=dir (part 1), DEVICE=/dev/node (a driver's node, when it is not the one that appears).
# For run, bench, shell, gdb and test (which then runs the conformance suites on your driver).
DRIVER ?=
TEST_MODULE ?=
HELLO ?=
DEVICE ?=
MODULE_ARGS := $(foreach d,$(DRIVER),--driver $(d)) $(foreach d,$(DEVICE),--device $(d)) \
	$(if $(TEST_MODULE),--test-module $(TEST_MODULE)) $(if $(HELLO),--hello $(HELLO))

.PHONY: help check-cargo run test test-debug test-host test-guest test-grade test-grade-quick test-handout handout lint shell gdb ide setup bench report clean

help:
	@echo "make run     set up everything, run the whole lab (a wall-clock boot and a short icount boot), write results/<run-id>/"
	@echo "             (FULL=1: seed's N in the C/Rust matrix; CLOCK=wall or CLOCK=icount: only that boot)"
	@echo "             DRIVER=dir (TEST_MODULE=dir, HELLO=dir): measure your module against ours (also bench, shell, test)"
	@echo "make test    set up everything, run host unit tests, lint and the guest test suites"
	@echo "make test-grade  lab grade self-tests: both drivers full marks, each seeded bug loses exactly its clauses"
	@echo "make handout DIR=...  write a course handout (student repository, starters, no answers)"
	@echo "make test-handout  a fresh handout scores its floor; with our modules copied in, full marks (both profiles)"
	@echo "make test-debug  guest suites on a debug kernel (lockdep, KASAN, kmemleak; LLVM build)"
	@echo "make shell   boot the lab kernel with our modules loaded, interactive busybox shell"
	@echo "make gdb     the same shell with QEMU's gdb stub; attach with: gdb -x results/latest-shell/gdb/lab.gdb"
	@echo "make ide     write kernel/rust-project.json for rust-analyzer (kernel:: items resolve)"
	@echo "make bench   measurements only (bench, race, in-kernel) + report, one boot"
	@echo "             CLOCK=icount: deterministic guest time (1 ns per instruction) for that boot"
	@echo "make report  re-render the report of RUN=results/<run-id> (default: latest), no VM"
	@echo "make setup   install toolchain, build kernel (cached), modules and guest binaries"
	@echo "make lint    cargo fmt --check, clippy -D warnings, kernel Rust vs the kernel's rustfmt config"
	@echo "make clean   remove target/ and results/ (the kernel cache stays in ~/.cache/mymem)"
	@echo "More: $(LAB) --help"

check-cargo:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust (rustup or Debian's cargo) first" >&2; exit 1; }

run: check-cargo
	$(LAB) run $(FULL_ARG) $(MODULE_ARGS) $(ARGS)

test: check-cargo test-host lint test-guest test-grade-quick

test-debug: check-cargo
	$(LAB) --profile debug test $(ARGS)

test-host:
	$(CARGO) test --workspace --exclude conformance

# JUNIT=file.xml also writes JUnit XML for CI.
test-guest:
	$(LAB) test $(if $(JUNIT),--junit $(JUNIT)) $(MODULE_ARGS) $(ARGS)

# lab grade's self-tests (tests/grade/*/expect.toml say what each variant loses).
# Both skeletons (lab skeleton) must score exactly their minimum too (tests/grade-skeleton-*.toml),
# and so must the C starter that prints forged result lines in every call
# (tests/grade-forged-skeleton-c.patch). chatty_c is graded a second time, in a run of its own:
# the same input must give the same grade (its expect.toml, both times).
test-grade: check-cargo
	rm -rf target/skeleton-c target/skeleton-rust target/skeleton-c-forged
	$(LAB) skeleton --lang c target/skeleton-c
	cp tests/grade-skeleton-c.toml target/skeleton-c/expect.toml
	mkdir -p target/skeleton-c-forged
	printf 'base = "../skeleton-c"\npatch = "../../tests/grade-forged-skeleton-c.patch"\n' > target/skeleton-c-forged/variant.toml
	cp tests/grade-skeleton-c.toml target/skeleton-c-forged/expect.toml
	$(LAB) skeleton --lang rust target/skeleton-rust
	cp tests/grade-skeleton-rust.toml target/skeleton-rust/expect.toml
	$(LAB) grade --expect kernel/mymem kernel/mymem_c target/skeleton-c target/skeleton-c-forged target/skeleton-rust --batch tests/grade $(ARGS)
	$(LAB) grade --expect tests/grade/chatty_c $(ARGS)
	# lab run --driver end to end: a renamed copy of the C twin, a seeded-bug variant (about 6 min).
	$(LAB) test your-modules

# A course handout for students (lab handout --help: parts, languages, profile).
DIR ?= target/handout
handout: check-cargo
	$(LAB) handout $(DIR) $(ARGS)

# lab handout's self-test: a fresh handout scores each starter's floor (tests/handout-floor.toml);
# with the reference modules copied into its part directories, full marks on both profiles.
test-handout: check-cargo
	rm -rf target/handout-floor target/handout-ref
	$(LAB) handout --no-git target/handout-floor
	cp tests/handout-floor.toml target/handout-floor/expect.toml
	$(LAB) handout --no-git target/handout-ref
	cp kernel/hello/* target/handout-ref/part1-hello/
	cp kernel/mymem_c/* target/handout-ref/part2-driver-c/
	cp kernel/mymem/* target/handout-ref/part4-driver-rust/
	cp kernel/mymem_test/* target/handout-ref/part5-kernel-test/
	# Both on the handouts' own profile (seed; no expect.toml in handout-ref: full marks), then
	# the reference on the full contract.
	$(LAB) grade --expect target/handout-floor target/handout-ref $(ARGS)
	$(LAB) grade --expect --assignment full target/handout-ref $(ARGS)

# The quick part that make test runs: the Rust driver through every group but the long ones.
test-grade-quick: check-cargo
	$(LAB) grade --expect --groups seed,race,cycling kernel/mymem

lint: check-cargo
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings
	$(LAB) lint

shell: check-cargo
	$(LAB) shell $(MODULE_ARGS)

gdb: check-cargo
	$(LAB) shell --gdb $(MODULE_ARGS) $(ARGS)

ide: check-cargo
	$(LAB) ide

bench: check-cargo
	$(LAB) bench $(FULL_ARG) $(MODULE_ARGS) $(ARGS)

report: check-cargo
	$(LAB) report $(RUN)

setup: check-cargo
	$(LAB) setup

clean:
	rm -rf target results
