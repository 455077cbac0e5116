# Suites conformance-*: every conformance test binary against one driver.
# Set by the runner (src/suites/conformance.rs): MODULE, DEVICE (its node; ""
# for someone's driver: loaded here, the node that appears is the device), EXIT_*.
if [ -z "$DEVICE" ]; then
	. /lab/lib/modules.sh
RUST_MOD=$MODULE
RUST_KO=/lab/modules/$MODULE.ko
RUST_DEV=
MODULES_TXT=/tmp/modules.txt
	load_driver RUST || exit $EXIT_LOAD
	DEVICE=$RUST_DEV
fi
export MYMEM_DEVICE=$DEVICE MYMEM_MODULE=$MODULE
rc=0
for t in /lab/tests/*; do
	echo "== $t"
	"$t" --test-threads=1 --include-ignored || rc=$EXIT_TESTS_FAILED
done
exit $rc
