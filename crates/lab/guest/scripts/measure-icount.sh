# lab run, second boot, with --clock icount (guest time = executed instructions):
# only the deterministic part, the user-space bench (C vs Rust) and the in-kernel
# bench. Few trials suffice: medians repeat to the nanosecond. Set by the runner
# (src/pipeline.rs): TRIALS, WARMUP, BENCH_JSON, KERNEL_JSON, KERNEL_ROUND_JSONS
# (more in-kernel rounds, as in the wall boot: they show the guest's work does
# not change between rounds) and the EXIT_* codes.
echo '== parts 2/4 (icount): mymem bench (C and Rust drivers, interleaved)'
insmod /lab/modules/mymem.ko || exit $EXIT_LOAD
insmod /lab/modules/mymem_c.ko || exit $EXIT_LOAD
mymem bench --trials "$TRIALS" --warmup "$WARMUP" --json "$BENCH_JSON" || exit $EXIT_BENCH
echo '== part 5 (icount): in-kernel mymem_test bench'
insmod /lab/modules/mymem_test.ko || exit $EXIT_KERNEL_LOAD
echo "bench trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
cat /dev/mymem_test > "$KERNEL_JSON" || exit $EXIT_KERNEL_READ
for json in $KERNEL_ROUND_JSONS; do
	echo "bench trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
	cat /dev/mymem_test > "$json" || exit $EXIT_KERNEL_READ
done
rmmod mymem_test || exit $EXIT_KERNEL_UNLOAD
