# Suite cycling: every module loaded and unloaded N times, odd rounds with
# files opened and closed in between and each device mapped (rmmod refused
# while only the mapping holds it, the store through it then read back); then
# rmmod must be refused while a file is open. Set by the runner (src/suites/cycling.rs): N, EXIT_*.
i=0
while [ $i -lt $N ]; do
	insmod /lab/modules/hello.ko || exit $EXIT_LOAD_HELLO
	insmod /lab/modules/mymem.ko || exit $EXIT_LOAD_MYMEM
	insmod /lab/modules/mymem_c.ko || exit $EXIT_LOAD_MYMEM_C
	insmod /lab/modules/mymem_test.ko || exit $EXIT_LOAD_MYMEM_TEST
	if [ $((i % 2)) -eq 1 ]; then
		echo round $i | dd of=/dev/mymem 2>/dev/null || exit $EXIT_WRITE
		echo round $i | dd of=/dev/mymem_c 2>/dev/null || exit $EXIT_WRITE
		head -c 8 /dev/mymem > /dev/null || exit $EXIT_READ
		head -c 8 /dev/mymem_c > /dev/null || exit $EXIT_READ
		for m in mymem mymem_c; do
			mark="mapped $m $i"
			mymem map-hold --device /dev/$m --store "$mark" -- sh -c "! rmmod $m 2>/dev/null" || exit $EXIT_RMMOD_WHILE_MAPPED
			[ "$(head -c ${#mark} /dev/$m)" = "$mark" ] || { echo "/dev/$m: the store through the mapping is not in the buffer"; exit $EXIT_MAP_STORE; }
		done
	fi
	rmmod mymem_test || exit $EXIT_UNLOAD_MYMEM_TEST
	rmmod mymem_c || exit $EXIT_UNLOAD_MYMEM_C
	rmmod mymem || exit $EXIT_UNLOAD_MYMEM
	rmmod hello || exit $EXIT_UNLOAD_HELLO
	i=$((i + 1))
	[ $((i % 100)) -eq 0 ] && echo "cycling: $i of $N"
done
echo "cycling: $N rounds done"
for m in mymem mymem_c; do
	insmod /lab/modules/$m.ko || exit $EXIT_RELOAD
	exec 3<>/dev/$m
	rmmod $m 2>/dev/null && { echo "rmmod $m succeeded with a file open"; exit $EXIT_RMMOD_WHILE_OPEN; }
	echo still-works | dd of=/dev/$m 2>/dev/null || exit $EXIT_WRITE_AFTER_REFUSAL
	[ "$(head -c 11 /dev/$m)" = still-works ] || { echo "/dev/$m broken after refused rmmod"; exit $EXIT_READ_AFTER_REFUSAL; }
	exec 3<&-
	rmmod $m || exit $EXIT_FINAL_UNLOAD
done
[ -s /proc/modules ] && { echo "modules left loaded:"; cat /proc/modules; exit $EXIT_LEFT_LOADED; }
exit 0
