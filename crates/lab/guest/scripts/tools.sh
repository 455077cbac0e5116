# Suite tools: mymem bench and race with tiny settings.
# Set by the runner (src/suites/tools.rs): BENCH_JSON, RACE_JSON, EXIT_*.
mymem bench --trials 20 --warmup 2 --sizes 1,64,4096 --json "$BENCH_JSON" || exit $EXIT_BENCH
mymem race --quick --json "$RACE_JSON" || exit $EXIT_RACE
