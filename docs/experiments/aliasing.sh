# Wall clock: the in-kernel bench with kmalloc and vmalloc buffers, moved by
# `skew` pages against the device buffer (docs/measurement.md, "TLB aliasing").
R=/results
insmod /lab/modules/mymem_test.ko || exit 4
i=0
for spec in "kmalloc 0" "kmalloc 1" "kmalloc 128" "vmalloc 0" "vmalloc 128" "kmalloc 0" "kmalloc 1" "kmalloc 128"; do
	set -- $spec
	i=$((i + 1))
	echo "@@STEP a$i-$1-$2 start"
	echo "bench sizes=65536,524288 trials=200 mem=$1 skew=$2" > /dev/mymem_test || exit 5
	cat /dev/mymem_test > $R/k-a$i-$1-skew$2.json || exit 6
	echo "@@STEP a$i-$1-$2 end"
done
dmesg | grep 'bench buffers' > $R/buffers.txt
exit 0
