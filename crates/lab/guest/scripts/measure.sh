# lab run / lab bench: every measurement in one boot, so that every comparison
# is within it. Set by the runner (src/pipeline.rs): WITH_HELLO and WITH_KERNEL
# (1 or 0), TRIALS, RACE_ITERATIONS, RACE_TRIALS, KERNEL_WORKERS,
# KERNEL_ITERATIONS, the result paths HELLO_TXT, BENCH_JSON, RACE_JSON,
# KERNEL_JSON, and the EXIT_* codes.
if [ "$WITH_HELLO" = 1 ]; then
	echo '== part 1: hello'
	insmod /lab/modules/hello.ko || exit $EXIT_HELLO
	rmmod hello || exit $EXIT_HELLO
	dmesg | grep ' hello: ' > "$HELLO_TXT"
fi
echo '== parts 2/4: mymem bench (C and Rust drivers, interleaved)'
insmod /lab/modules/mymem.ko || exit $EXIT_LOAD
insmod /lab/modules/mymem_c.ko || exit $EXIT_LOAD
mymem bench --trials "$TRIALS" --json "$BENCH_JSON" || exit $EXIT_BENCH
echo '== part 3: mymem race sweep'
mymem race --sweep --iterations "$RACE_ITERATIONS" --trials "$RACE_TRIALS" --json "$RACE_JSON" || exit $EXIT_RACE
if [ "$WITH_KERNEL" = 1 ]; then
	echo "== part 5: in-kernel mymem_test (W=$KERNEL_WORKERS, N=$KERNEL_ITERATIONS)"
	insmod /lab/modules/mymem_test.ko || exit $EXIT_KERNEL_LOAD
	echo "all workers=$KERNEL_WORKERS iterations=$KERNEL_ITERATIONS trials=$TRIALS" > /dev/mymem_test || exit $EXIT_KERNEL_START
	cat /dev/mymem_test > "$KERNEL_JSON" || exit $EXIT_KERNEL_READ
	rmmod mymem_test || exit $EXIT_KERNEL_UNLOAD
fi
