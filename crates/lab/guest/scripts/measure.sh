# lab run / lab bench: every measurement in one boot, so that every comparison
# is within it. Set by the runner (src/pipeline.rs): WITH_HELLO and WITH_KERNEL
# (1 or 0), TRIALS, WARMUP, BLOCKS, BENCH_TIME_CAP, RACE_ITERATIONS, RACE_TRIALS,
# KERNEL_WORKERS, KERNEL_ITERATIONS, MATRIX_WORKERS, MATRIX_ITERATIONS,
# MATRIX_TRIALS, SEED_COUNTER (the seed's C program), the result paths
# HELLO_TXT, BENCH_JSON, RACE_JSON, KERNEL_JSON, KERNEL_ROUND_JSONS (the extra
# in-kernel bench rounds, space-separated), MISUSE_JSON, MISUSE_EXCLUSIVE_JSON,
# MATRIX_JSON, and the EXIT_* codes.
# Progress and cost: each phase header ("== ...") ends with the guest time
# since boot and how long the previous phase took.
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
	insmod /lab/modules/hello.ko || exit $EXIT_HELLO
	rmmod hello || exit $EXIT_HELLO
	dmesg | grep ' hello: ' > "$HELLO_TXT"
fi
echo "== parts 2/4: mymem bench (C and Rust drivers, $BLOCKS+ blocks, modules reloaded between blocks)"
insmod /lab/modules/mymem.ko || exit $EXIT_LOAD
insmod /lab/modules/mymem_c.ko || exit $EXIT_LOAD
# A fresh load per block: the wall-clock Rust/C ratio depends on where a load
# puts the buffers (docs/measurement.md), so verdicts come from the spread
# between loads. mymem bench closes the devices around this command.
reload='rmmod mymem_c && rmmod mymem && insmod /lab/modules/mymem.ko && insmod /lab/modules/mymem_c.ko'
mymem bench --trials "$TRIALS" --warmup "$WARMUP" --blocks "$BLOCKS" --time-cap "$BENCH_TIME_CAP" --between-blocks "$reload" --json "$BENCH_JSON" || exit $EXIT_BENCH
echo '== part 3: mymem race sweep'
mymem race --sweep --iterations "$RACE_ITERATIONS" --trials "$RACE_TRIALS" --json "$RACE_JSON" || exit $EXIT_RACE
echo '== part 3: misuse (closed fds, out of range, several processes)'
mymem misuse --json "$MISUSE_JSON" || exit $EXIT_MISUSE
echo "== part 4: C and Rust programs x C and Rust drivers (W=$MATRIX_WORKERS, N=$MATRIX_ITERATIONS)"
mymem matrix --c-program "$SEED_COUNTER" -w "$MATRIX_WORKERS" -n "$MATRIX_ITERATIONS" -t "$MATRIX_TRIALS" --json "$MATRIX_JSON" || exit $EXIT_MATRIX
if [ "$WITH_KERNEL" = 1 ]; then
	echo "== part 5: in-kernel mymem_test (W=$KERNEL_WORKERS, N=$KERNEL_ITERATIONS)"
	insmod /lab/modules/mymem_test.ko || exit $EXIT_KERNEL_LOAD
	echo "all workers=$KERNEL_WORKERS iterations=$KERNEL_ITERATIONS trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
	cat /dev/mymem_test > "$KERNEL_JSON" || exit $EXIT_KERNEL_READ
	# More bench rounds in this boot: how far the in-kernel series moves between rounds.
	for json in $KERNEL_ROUND_JSONS; do
		echo "== part 5: in-kernel bench round $json"
		echo "bench trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
		cat /dev/mymem_test > "$json" || exit $EXIT_KERNEL_READ
	done
	rmmod mymem_test || exit $EXIT_KERNEL_UNLOAD
fi
echo '== part 3: exclusive=1 refuses a second open'
rmmod mymem_c && rmmod mymem || exit $EXIT_EXCLUSIVE
insmod /lab/modules/mymem.ko exclusive=1 || exit $EXIT_EXCLUSIVE
insmod /lab/modules/mymem_c.ko exclusive=1 || exit $EXIT_EXCLUSIVE
mymem misuse --exclusive --json "$MISUSE_EXCLUSIVE_JSON" || exit $EXIT_EXCLUSIVE
