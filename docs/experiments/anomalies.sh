# Guest script of the docs/measurement.md experiments (run with both clocks):
#   cargo run --release -p lab -- [--clock icount] exec --load mymem,mymem_c \
#       --file docs/experiments/anomalies.sh:/lab/anomalies.sh -- sh /lab/anomalies.sh
# Every step prints a marker line, so a host-side timestamp of the console
# (see docs/measurement.md) places it in host time.
R=/results
S=1,1024,65536,524288
grep -m1 '^flags' /proc/cpuinfo > $R/cpuflags.txt
# Which buffers are vmalloc memory (a kmalloc'd KVVec does not appear here).
grep -E 'mymem|vzalloc' /proc/vmallocinfo > $R/vmallocinfo.txt
echo "@@STEP user-bench start"
mymem bench --sizes $S --trials 200 --warmup 20 --json $R/bench.json > $R/bench.txt || exit 3
echo "@@STEP user-bench end"
insmod /lab/modules/mymem_test.ko || exit 4
for r in 1 2 3; do
	for mem in vmalloc kmalloc; do
		echo "@@STEP kernel-$r-$mem start"
		echo "bench sizes=$S trials=300 mem=$mem" > /dev/mymem_test || exit 5
		cat /dev/mymem_test > $R/k-$r-$mem.json || exit 6
		echo "@@STEP kernel-$r-$mem end"
	done
done
# Unbound work items (the in-kernel bench) on CPU 0 only; user bench pinned too.
echo 1 > /sys/devices/virtual/workqueue/cpumask && echo pinned > $R/wq-pinned.txt
echo "@@STEP kernel-pinned start"
echo "bench sizes=$S trials=300 mem=vmalloc" > /dev/mymem_test || exit 7
cat /dev/mymem_test > $R/k-pinned-vmalloc.json || exit 8
echo "@@STEP kernel-pinned end"
echo "@@STEP user-pinned start"
taskset -c 0 mymem bench --sizes 65536,524288 --trials 200 --warmup 20 --json $R/bench-pinned.json > $R/bench-pinned.txt || exit 9
echo "@@STEP user-pinned end"
dmesg | grep mymem_test > $R/dmesg.txt
exit 0
