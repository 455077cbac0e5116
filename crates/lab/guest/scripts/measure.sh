# lab run / lab bench: every measurement in one boot, so that every comparison
# is within it. Set by the runner (src/pipeline.rs): WITH_HELLO and WITH_KERNEL
# (1 or 0), TRIALS, WARMUP, BLOCKS, BENCH_TIME_CAP, RACE_ITERATIONS, RACE_TRIALS,
# KERNEL_WORKERS, KERNEL_ITERATIONS, MATRIX_WORKERS, MATRIX_ITERATIONS,
# MATRIX_TRIALS, SEED_COUNTER (the seed's C program), the result paths
# HELLO_TXT, BENCH_JSON, RACE_JSON, KERNEL_JSON, KERNEL_ROUND_JSONS (the extra
# in-kernel bench rounds, space-separated), MISUSE_JSON, MISUSE_EXCLUSIVE_JSON,
# MATRIX_JSON, and the EXIT_* codes; the modules of the run (modules.sh).
# Progress and cost: each phase header ("== ...") ends with the guest time
# since boot and how long the previous phase took.
. /lab/lib/modules.sh
phase_cs=
echo() {
	case "$*" in
	"== "*)
		up=$(cut -d' ' -f1 "${UPTIME_FILE:-/proc/uptime}")
		cs=${up%.*}${up#*.}
		# Centiseconds without leading zeros: "0.95" would be octal 095 to $(( )).
		cs=${cs#"${cs%%[!0]*}"}
		cs=${cs:-0}
		prev=
		[ -n "$phase_cs" ] && prev=", previous phase $(((cs - phase_cs) / 100)).$(((cs - phase_cs) % 100 / 10)) s"
		command echo "$* [at $up s$prev]"
		phase_cs=$cs
		;;
	*) command echo "$@" ;;
	esac
}
if [ "$WITH_HELLO" = 1 ]; then
	echo '== part 1: hello'
	if [ "$HELLO_KIT" = 1 ]; then
		insmod "$HELLO_KO" || exit $EXIT_HELLO
		rmmod "$HELLO_MOD" || exit $EXIT_HELLO
		dmesg | grep ' hello: ' > "$HELLO_TXT"
	else
		# Someone's hello module: what the kernel printed between its load and its unload.
		since=$(kmsg_mark)
		if load_module "$HELLO_TXT" $EXIT_HELLO "$HELLO_KO"; then
			run_phase "$HELLO_TXT" $EXIT_HELLO rmmod "$HELLO_MOD" && kmsg_since "$since" > "$HELLO_TXT"
		fi
	fi
fi
echo "== parts 2/4: mymem bench (C and Rust drivers, $BLOCKS+ blocks, modules reloaded between blocks)"
load_drivers || exit $EXIT_LOAD
# A fresh load per block: the wall-clock Rust/C ratio depends on where a load
# puts the buffers (docs/measurement.md), so verdicts come from the spread
# between loads. mymem bench closes the devices around this command.
reload="rmmod $C_MOD && rmmod $RUST_MOD && insmod $RUST_KO && insmod $C_KO"
run_phase "$BENCH_JSON" $EXIT_BENCH mymem bench --device "C=$C_DEV,Rust=$RUST_DEV" --trials "$TRIALS" --warmup "$WARMUP" --blocks "$BLOCKS" --time-cap "$BENCH_TIME_CAP" --between-blocks "$reload" --json "$BENCH_JSON"
# A failed reload leaves a driver unloaded: load what is missing for the next phases.
load_drivers || exit $EXIT_LOAD
echo '== part 3: mymem race sweep'
run_phase "$RACE_JSON" $EXIT_RACE mymem race --device "$RUST_DEV" --sweep --iterations "$RACE_ITERATIONS" --trials "$RACE_TRIALS" --json "$RACE_JSON"
echo '== part 3: misuse (closed fds, out of range, several processes)'
run_phase "$MISUSE_JSON" $EXIT_MISUSE mymem misuse --device "$C_DEV,$RUST_DEV" --json "$MISUSE_JSON"
echo "== part 4: C and Rust programs x C and Rust drivers (W=$MATRIX_WORKERS, N=$MATRIX_ITERATIONS)"
run_phase "$MATRIX_JSON" $EXIT_MATRIX mymem matrix --device "$C_DEV,$RUST_DEV" --c-program "$SEED_COUNTER" -w "$MATRIX_WORKERS" -n "$MATRIX_ITERATIONS" -t "$MATRIX_TRIALS" --json "$MATRIX_JSON"
if [ "$WITH_KERNEL" = 1 ]; then
	echo "== part 5: in-kernel $TEST_MOD (W=$KERNEL_WORKERS, N=$KERNEL_ITERATIONS)"
	if [ "$TEST_KIT" = 1 ]; then
		if load_module "$KERNEL_JSON" $EXIT_KERNEL_LOAD "$TEST_KO"; then
			record_api_provider
			echo "all workers=$KERNEL_WORKERS iterations=$KERNEL_ITERATIONS trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
			cat /dev/mymem_test > "$KERNEL_JSON" || exit $EXIT_KERNEL_READ
			# More bench rounds in this boot: how far the in-kernel series moves between rounds.
			for json in $KERNEL_ROUND_JSONS; do
				echo "== part 5: in-kernel bench round $json"
				echo "bench trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
				cat /dev/mymem_test > "$json" || exit $EXIT_KERNEL_READ
			done
			rmmod "$TEST_MOD" || exit $EXIT_KERNEL_UNLOAD
		fi
	else
		# Someone's in-kernel test module: it runs in its init; its kernel log is the result.
		since=$(kmsg_mark)
		if load_module "$KERNEL_LOG_TXT" $EXIT_KERNEL_LOAD "$TEST_KO"; then
			run_phase "$KERNEL_LOG_TXT" $EXIT_KERNEL_UNLOAD rmmod "$TEST_MOD"
			kmsg_since "$since" > "$KERNEL_LOG_TXT"
		fi
	fi
fi
echo '== part 3: exclusive=1 refuses a second open'
if run_phase "$MISUSE_EXCLUSIVE_JSON" $EXIT_EXCLUSIVE rmmod "$C_MOD" "$RUST_MOD" &&
	load_module "$MISUSE_EXCLUSIVE_JSON" $EXIT_EXCLUSIVE "$RUST_KO" exclusive=1 &&
	load_module "$MISUSE_EXCLUSIVE_JSON" $EXIT_EXCLUSIVE "$C_KO" exclusive=1; then
	run_phase "$MISUSE_EXCLUSIVE_JSON" $EXIT_EXCLUSIVE mymem misuse --exclusive --device "$C_DEV,$RUST_DEV" --json "$MISUSE_EXCLUSIVE_JSON"
fi
measured_something "$BENCH_JSON" "$RACE_JSON" "$MISUSE_JSON" "$MATRIX_JSON" "$KERNEL_JSON" "$KERNEL_LOG_TXT" || exit $EXIT_NOTHING
