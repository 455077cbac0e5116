# lab run, second boot, with --clock icount (guest time = executed instructions):
# only the deterministic part, the user-space bench (C vs Rust) and the in-kernel
# bench. Few trials suffice: medians repeat to the nanosecond. Set by the runner
# (src/pipeline.rs): TRIALS, WARMUP, BENCH_JSON, KERNEL_JSON, KERNEL_ROUND_JSONS
# (more in-kernel rounds, as in the wall boot: they show the guest's work does
# not change between rounds), WITH_KERNEL, the EXIT_* codes and the modules of
# the run (modules.sh; someone's in-kernel module runs only in the wall boot).
. /lab/lib/modules.sh
echo '== parts 2/4 (icount): mymem bench (C and Rust drivers, interleaved)'
load_drivers || exit $EXIT_LOAD
run_phase "$BENCH_JSON" $EXIT_BENCH mymem bench --device "C=$C_DEV,Rust=$RUST_DEV" --trials "$TRIALS" --warmup "$WARMUP" --json "$BENCH_JSON"
if [ "$WITH_KERNEL" = 1 ] && [ "$TEST_KIT" = 1 ]; then
	echo '== part 5 (icount): in-kernel mymem_test bench'
	if load_module "$KERNEL_JSON" $EXIT_KERNEL_LOAD "$TEST_KO"; then
		record_api_provider
		echo "bench trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
		cat /dev/mymem_test > "$KERNEL_JSON" || exit $EXIT_KERNEL_READ
		for json in $KERNEL_ROUND_JSONS; do
			echo "bench trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
			cat /dev/mymem_test > "$json" || exit $EXIT_KERNEL_READ
		done
		rmmod "$TEST_MOD" || exit $EXIT_KERNEL_UNLOAD
	fi
fi
measured_something "$BENCH_JSON" "$KERNEL_JSON" || exit $EXIT_NOTHING
