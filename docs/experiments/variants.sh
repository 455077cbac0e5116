# icount: the C twin against scratch builds of the Rust driver (see docs/measurement.md),
# e.g. lab --clock icount exec --load mymem_c --file <build>/mymem.ko:/lab/scratch/inline3.ko \
#   --file docs/experiments/variants.sh:/lab/variants.sh -- sh /lab/variants.sh
S=1,1024,65536,524288
for v in base inline3; do
	if [ $v = base ]; then insmod /lab/modules/mymem.ko || exit 2; else insmod /lab/scratch/$v.ko || exit 2; fi
	mymem bench --sizes $S --trials 50 --warmup 5 --no-tmpfs --json /results/bench-$v.json > /dev/null || exit 3
	rmmod mymem || exit 4
done
