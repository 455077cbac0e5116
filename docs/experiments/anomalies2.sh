# Wall-clock repeats (docs/measurement.md, "Within-boot instability" and "Run-to-run flips"):
# in-kernel rounds alternating the buffers' memory, then eight user-space runs.
# The "aslr off" half meant to fix the user buffers' addresses; it turned out
# that this guest kernel does not randomise them anyway (same heap and stack in
# every process), so both halves are alike. Markers let the host read QEMU's
# CPU time (docs/experiments/stamp-console.sh).
R=/results
insmod /lab/modules/mymem_test.ko || exit 4
cat /proc/vmallocinfo > $R/vmallocinfo.txt
for r in 1 2 3 4 5 6; do
	mem=vmalloc; [ $((r % 2)) -eq 0 ] && mem=kmalloc
	echo "@@STEP k$r-$mem start"
	echo "bench sizes=65536,524288 trials=300 mem=$mem" > /dev/mymem_test || exit 5
	cat /dev/mymem_test > $R/k-$r-$mem.json || exit 6
	echo "@@STEP k$r-$mem end"
done
for aslr in on off; do
	if [ $aslr = off ]; then
		echo 0 > /proc/sys/kernel/randomize_va_space 2>/dev/null || PRE="setarch x86_64 -R"
	fi
	for r in 1 2 3 4; do
		echo "@@STEP u$r-aslr-$aslr start"
		$PRE mymem bench --sizes 524288 --trials 200 --warmup 20 --no-tmpfs --json $R/bench-aslr-$aslr-$r.json > /dev/null || exit 7
		echo "@@STEP u$r-aslr-$aslr end"
	done
done
exit 0
