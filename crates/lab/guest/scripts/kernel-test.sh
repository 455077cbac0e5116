# Suite kernel-test: mymem_test needs mymem's symbols, holds mymem loaded,
# runs quickly, reuses its bench buffers, and unloads in the middle of a long run.
# Set by the runner (src/suites/kernel_test.rs): KERNEL_JSON, KERNEL_REUSED_JSON,
# KERNEL_SKEWED_JSON, EXIT_*.
insmod /lab/modules/mymem_test.ko 2>/dev/null && { echo 'loaded without mymem'; exit $EXIT_LOADED_ALONE; }
dmesg | grep -q 'mymem_test: Unknown symbol mymem_' || { echo 'no Unknown symbol line'; exit $EXIT_NO_UNKNOWN_SYMBOL; }
insmod /lab/modules/mymem.ko || exit $EXIT_LOAD_MYMEM
insmod /lab/modules/mymem_test.ko || exit $EXIT_LOAD_TEST
rmmod mymem 2>/dev/null && { echo 'mymem unloaded under its user'; exit $EXIT_UNLOADED_UNDER_USER; }
echo 'all workers=8 iterations=20000 trials=20' > /dev/mymem_test || exit $EXIT_START
cat /dev/mymem_test > "$KERNEL_JSON" || exit $EXIT_READ
# The bench buffers: the same parameters reuse the first run's, another skew allocates anew.
echo 'bench trials=5' > /dev/mymem_test || exit $EXIT_START
cat /dev/mymem_test > "$KERNEL_REUSED_JSON" || exit $EXIT_READ
echo 'bench trials=5 skew=1' > /dev/mymem_test || exit $EXIT_START
cat /dev/mymem_test > "$KERNEL_SKEWED_JSON" || exit $EXIT_READ
echo 'race workers=8 iterations=100000000' > /dev/mymem_test || exit $EXIT_START_LONG
sleep 1
rmmod mymem_test || { echo 'cannot unload mid-run'; exit $EXIT_UNLOAD_MID_RUN; }
rmmod mymem || exit $EXIT_UNLOAD_MYMEM
lsmod | grep -q mymem && exit $EXIT_LEFT_LOADED
exit 0
