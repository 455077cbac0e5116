# Suite seed-compat: the seed lab's C programs, unchanged, on both drivers.
# Set by the runner (src/suites/seed_compat.rs): RESULTS, EXIT_*.
for d in /dev/mymem /dev/mymem_c; do
	seed_timing $d 20 > "$RESULTS/timing-${d#/dev/}.txt" || exit $EXIT_TIMING
	seed_counter $d 1 2000 > "$RESULTS/counter1-${d#/dev/}.txt" || exit $EXIT_COUNTER1
	seed_counter $d 4 20000 > "$RESULTS/counter4-${d#/dev/}.txt" || exit $EXIT_COUNTER4
done
