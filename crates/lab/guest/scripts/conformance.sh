# Suites conformance-*: every conformance test binary against one driver.
# Set by the runner (src/suites/conformance.rs): MODULE, EXIT_*.
export MYMEM_DEVICE=/dev/$MODULE MYMEM_MODULE=$MODULE
rc=0
for t in /lab/tests/*; do
	echo "== $t"
	"$t" --test-threads=1 --include-ignored || rc=$EXIT_TESTS_FAILED
done
exit $rc
