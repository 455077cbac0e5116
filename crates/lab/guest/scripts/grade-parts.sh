# lab grade on a handout: the clauses of part 1 (PART=hello: $HELLO_MOD) or
# part 5 (PART=kernel-test: $TEST_MOD against the handout's Rust driver
# $DRIVER_MOD), modules from $MODDIR. Results go to $CHANNEL in the records of
# grade.sh (format and parser: crates/grade/src/channel.rs; the host reads
# them with grading/boot.rs): every record starts with the boot's secret,
# read from $SECRET_FILE and the file removed before any module is loaded.
# Each check is marked in the kernel log, so a kernel report costs the clause
# whose check was running. Set by the runner (src/handout/grade.rs): PART,
# MODDIR, HELLO_MOD, TEST_MOD, DRIVER_MOD, CHANNEL, SECRET_FILE, T_INSMOD,
# T_RUN (seconds), RACE, BENCH (the commands written to /dev/$TEST_MOD).
secret=$(cat "$SECRET_FILE")
rm -f "$SECRET_FILE"
seq=0
stty -F "$CHANNEL" raw -echo 2>/dev/null
echo on > /proc/sys/kernel/printk_devkmsg

# The protocol of grade.sh: record KIND ARGS, one record a line.
record() {
	seq=$((seq + 1))
	echo "$secret $seq $*" > "$CHANNEL"
}

# hex TEXT: TEXT as hex digits ("-" when empty); at most $2 bytes (3000).
hex() {
	h=$(printf '%s' "$1" | head -c "${2:-3000}" | od -An -v -tx1 | tr -d ' \n')
	echo "${h:--}"
}

begin() {
	record BEGIN "$1"
	echo "lab grade: check $1 (record $seq)" > /dev/kmsg
}

result() { record RESULT "$1" "$2" "$(hex "$3" "${4:-3000}")"; }

# verdict ID STATUS DETAIL: pass when STATUS is 0, else fail with DETAIL.
verdict() {
	if [ "$2" = 0 ]; then result "$1" pass ""; else result "$1" fail "$3"; fi
}

# run ID SECS CMD...: CMD (output in /tmp/out) for at most SECS seconds; its
# status. When it runs out of time: a TIMEOUT record for ID, and the boot
# ends (a module that hangs one check hangs the next).
run() {
	r_id=$1 r_secs=$2
	shift 2
	timeout -s KILL "$r_secs" "$@" > /tmp/out 2>&1
	r=$?
	if [ $r = 137 ] || [ $r = 124 ]; then
		record TIMEOUT "$r_id" "$r_secs" "$(hex "$*")" -
		record STOP hangs
		exit 0
	fi
	return $r
}

# The kernel log since mark $1 (a line count of dmesg).
mark() { dmesg | wc -l; }
since() { dmesg | tail -n +$(($1 + 1)); }

part_hello() {
	ko=$MODDIR/$HELLO_MOD.ko
	begin hello.loads
	m=$(mark)
	run hello.loads "$T_INSMOD" insmod "$ko" times=3
	loaded=$?
	verdict hello.loads $loaded "insmod $HELLO_MOD.ko times=3 failed: $(cat /tmp/out)"
	begin hello.greets
	since "$m" > /tmp/log
	missing=""
	for i in 1 2 3; do
		grep -qF "hello: Hello, kernel! (greeting $i of 3)" /tmp/log || missing="$missing $i"
	done
	n=$(grep -cF "Hello, kernel!" /tmp/log)
	if [ -n "$missing" ]; then
		result hello.greets fail "the kernel log lacks \"hello: Hello, kernel! (greeting i of 3)\" for i =$missing"
	else
		verdict hello.greets $([ "$n" = 3 ]; echo $?) "$n greetings in the kernel log, expected 3"
	fi
	begin hello.unloads
	m=$(mark)
	if [ $loaded = 0 ]; then
		run hello.unloads "$T_INSMOD" rmmod "$HELLO_MOD"
		verdict hello.unloads $? "rmmod $HELLO_MOD failed: $(cat /tmp/out)"
	else
		result hello.unloads fail "not loaded, so not unloaded"
	fi
	begin hello.says-goodbye
	bye="hello: Goodbye, kernel! (greeted 3 times)"
	since "$m" | grep -qF "$bye"
	verdict hello.says-goodbye $? "the kernel log lacks \"$bye\""
	begin hello.refuses-bad-times
	m=$(mark)
	if run hello.refuses-bad-times "$T_INSMOD" insmod "$ko" times=0; then
		rmmod "$HELLO_MOD" 2>/dev/null
		result hello.refuses-bad-times fail "insmod $HELLO_MOD.ko times=0 succeeded; it must fail (EINVAL)"
	else
		since "$m" | grep -qF "hello: times=0 is out of range 1-10"
		verdict hello.refuses-bad-times $? "insmod times=0 failed, but the kernel log lacks \"hello: times=0 is out of range 1-10\""
	fi
}

# The rest of part 5's clauses fail with $1 (nothing to run them on).
kt_rest_fail() {
	for id in kernel-test.workers-complete kernel-test.reports-timings kernel-test.unloads; do
		result $id fail "$1"
	done
}

part_kernel_test() {
	dev=/dev/$TEST_MOD
	begin kernel-test.refused-without-driver
	m=$(mark)
	if run kernel-test.refused-without-driver "$T_INSMOD" insmod "$MODDIR/$TEST_MOD.ko"; then
		rmmod "$TEST_MOD"
		result kernel-test.refused-without-driver fail "insmod $TEST_MOD.ko succeeded without the driver loaded"
	else
		why=$(cat /tmp/out)
		since "$m" | grep -q "Unknown symbol"
		verdict kernel-test.refused-without-driver $? "refused, but not for an unknown symbol: $why"
	fi
	begin kernel-test.loads-after-driver
	if ! run kernel-test.loads-after-driver "$T_INSMOD" insmod "$MODDIR/$DRIVER_MOD.ko"; then
		why="the driver $DRIVER_MOD did not load: $(cat /tmp/out)"
		result kernel-test.loads-after-driver fail "$why"
		kt_rest_fail "$why"
		return
	fi
	m=$(mark)
	if ! run kernel-test.loads-after-driver "$T_INSMOD" insmod "$MODDIR/$TEST_MOD.ko"; then
		why="insmod $TEST_MOD.ko after the driver failed: $(cat /tmp/out) $(since "$m" | tail -n 3)"
		result kernel-test.loads-after-driver fail "$why"
		kt_rest_fail "$why"
		return
	fi
	result kernel-test.loads-after-driver pass ""
	# The reports are data for the host (src/handout/grade.rs), which scores the
	# workers, lock, fetch-add and timing clauses from them.
	begin kernel-test.workers-complete
	run kernel-test.workers-complete "$T_RUN" sh -c "echo '$RACE' > $dev && cat $dev"
	result kernel-test.race-report pass "$(cat /tmp/out)" 60000
	begin kernel-test.reports-timings
	run kernel-test.reports-timings "$T_RUN" sh -c "echo '$BENCH' > $dev && cat $dev"
	result kernel-test.bench-report pass "$(cat /tmp/out)" 60000
	begin kernel-test.unloads
	run kernel-test.unloads "$T_INSMOD" sh -c "rmmod $TEST_MOD && rmmod $DRIVER_MOD"
	verdict kernel-test.unloads $? "rmmod $TEST_MOD, then rmmod $DRIVER_MOD, failed: $(cat /tmp/out)"
}

record CPU $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -x -e smep -e smap)
case $PART in
hello) part_hello ;;
kernel-test) part_kernel_test ;;
esac
record DONE
exit 0
