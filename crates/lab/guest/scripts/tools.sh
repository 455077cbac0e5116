# Suite tools: mymem bench, race, misuse and matrix with tiny settings.
# Set by the runner (src/suites/tools.rs): BENCH_JSON, RACE_JSON, MISUSE_JSON,
# MISUSE_EXCLUSIVE_JSON, MATRIX_JSON, SEED_COUNTER, BENCH_UNLABELLED_JSON, EXIT_*.
mymem bench --device C=/dev/mymem_c,Rust=/dev/mymem --trials 20 --warmup 2 --sizes 1,64,4096 --json "$BENCH_JSON" || exit $EXIT_BENCH
mymem bench --trials 2 --warmup 0 --sizes 1 --no-tmpfs --json "$BENCH_UNLABELLED_JSON" || exit $EXIT_BENCH
mymem race --quick --json "$RACE_JSON" || exit $EXIT_RACE
mymem misuse -n 2000 --json "$MISUSE_JSON" || exit $EXIT_MISUSE
mymem matrix --c-program "$SEED_COUNTER" -w 2 -n 500 -t 1 --json "$MATRIX_JSON" || exit $EXIT_MATRIX
rmmod mymem_c && rmmod mymem || exit $EXIT_EXCLUSIVE
insmod /lab/modules/mymem.ko exclusive=1 || exit $EXIT_EXCLUSIVE
insmod /lab/modules/mymem_c.ko exclusive=1 || exit $EXIT_EXCLUSIVE
mymem misuse --exclusive --json "$MISUSE_EXCLUSIVE_JSON" || exit $EXIT_EXCLUSIVE
