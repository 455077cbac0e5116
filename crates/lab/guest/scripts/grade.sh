# lab grade: the clauses of $GROUPS against one submitted driver ($MODULE
# from $MODDIR, device $DEVICE), one check at a time, each with its own
# timeout. Results go to $CHANNEL, a serial port of its own that the host
# stores in a file, one record a line (format and parser:
# crates/grade/src/channel.rs); the console stays the kernel log. Every
# record starts with the boot's secret, read from $SECRET_FILE and the file
# removed before the module is loaded, and is never exported: a module's
# printk reaches only the console, and it cannot write a valid record.
# Clauses in $SKIP already have their result (an earlier boot). Set by the
# runner (src/grading/boot.rs): GROUPS, MODULE, MODDIR, DEVICE, CHANNEL,
# SECRET_FILE, SKIP, HANGS_LEFT, HUNG_TASK_SECS, T_* (seconds), SEED_TRIALS,
# STRESS_OPS, CYCLES.
secret=$(cat "$SECRET_FILE")
rm -f "$SECRET_FILE"
export MYMEM_DEVICE=$DEVICE MYMEM_MODULE=$MODULE MYMEM_MODULES_DIR=$MODDIR
seq=0
stty -F "$CHANNEL" raw -echo 2>/dev/null
# The check markers below go to /dev/kmsg: unlimited, so none is dropped.
echo on > /proc/sys/kernel/printk_devkmsg
# A task stuck in D state is reported well before its check times out.
echo "$HUNG_TASK_SECS" > /proc/sys/kernel/hung_task_timeout_secs

# record KIND ARGS: one record. The port is opened and closed each time: the
# last close waits until the UART has sent the line, so it survives a panic.
record() {
	seq=$((seq + 1))
	echo "$secret $seq $*" > "$CHANNEL"
}

# hex TEXT: TEXT (at most 3000 bytes) as hex digits, "-" when empty.
hex() {
	h=$(printf '%s' "$1" | head -c 3000 | od -An -v -tx1 | tr -d ' \n')
	echo "${h:--}"
}

skip() {
	case " $SKIP " in *" $1 "*) return 0 ;; esac
	return 1
}

# begin ID: the check of clause ID starts. The kernel log gets a marker too,
# so the host can tell which check a kernel report came in.
begin() {
	record BEGIN "$1"
	echo "lab grade: check $1 (record $seq)" > /dev/kmsg
}

result() { record RESULT "$1" "$2" "$(hex "$3")"; }

# stacks PID: the kernel stacks of PID, its children and every task in D state.
stacks() {
	for d in /proc/[0-9]*; do
		read -r st < "$d/stat" 2>/dev/null || continue
		rest=${st##*) }
		state=${rest%% *}
		ppid=${rest#* }
		ppid=${ppid%% *}
		[ "${d#/proc/}" = "$1" ] || [ "$ppid" = "$1" ] || [ "$state" = D ] || continue
		for t in "$d"/task/*; do
			echo "task ${t##*/} ($(cat "$t/comm" 2>/dev/null)) state $(sed -n 's/^State:[[:space:]]*//p' "$t/status" 2>/dev/null):"
			cat "$t/stack" 2>/dev/null
		done
	done
}

# cpu_ticks PID: the CPU time PID and its reaped children used, in ticks.
cpu_ticks() {
	{ read -r st < /proc/$1/stat; } 2>/dev/null || { echo 0; return; }
	set -- ${st##*) }
	echo $((${12} + ${13} + ${14} + ${15}))
}

# alive PID: a thread of PID is still there and not a zombie.
alive() {
	for st in /proc/$1/task/*/stat; do
		[ -e "$st" ] && ! grep -q ') Z' "$st" 2>/dev/null && return 0
	done
	return 1
}

# timed SECS OUT CMD...: CMD (output to OUT) for at most SECS seconds (more
# while it keeps using CPU); its status, or 124 when it ran out
# of time. Then $stacks says where it was and
# $stuck=1 when it could not be killed (it sleeps uninterruptibly in the
# kernel). The shell never waits for a stuck process: a trapped signal from
# the watcher ends the wait.
trap 'expired=1' USR1
timed() {
	secs=$1 out=$2
	shift 2
	stuck=0 stacks="" waited=0
	# A process group of its own (setsid execs, it does not fork here), so
	# the check and its children are killed without scanning /proc.
	setsid "$@" > "$out" 2>&1 < /dev/null &
	cpid=$!
	while :; do
		expired=0
		(sleep "$secs"; kill -USR1 $$) 2>/dev/null &
		wpid=$!
		wait $cpid
		rc=$?
		if [ $expired = 0 ]; then
			kill $wpid 2>/dev/null
			return $rc
		fi
		# Still using CPU (a loaded host): slow, not hung, so it gets more
		# time, up to 3 x SECS and SECS + 60 s; a task asleep in the kernel
		# uses none.
		waited=$((waited + secs))
		c1=$(cpu_ticks $cpid)
		sleep 1
		# It ended during that second: back to the wait, which reaps it.
		alive $cpid || continue
		[ "$(cpu_ticks $cpid)" -gt "$c1" ] && [ $waited -lt $((secs * 3)) ] &&
			[ $waited -lt $((secs + 60)) ] || break
	done
	stacks=$(stacks $cpid)
	echo w > /proc/sysrq-trigger
	kill -KILL -- -$cpid 2>/dev/null
	sleep 1
	# Never wait for the check here: a zombie leader is not reaped while a
	# thread sleeps on.
	alive $cpid && stuck=1
	return 124
}

# after_timeout ID SECS CHECK: the check of ID timed out. Ends the boot when
# the hang budget is spent or the device no longer answers (a fresh boot
# goes on with the next clause).
after_timeout() {
	record TIMEOUT "$1" "$2" "$(hex "$3")" "$(hex "$stacks")"
	HANGS_LEFT=$((HANGS_LEFT - 1))
	if [ $HANGS_LEFT -le 0 ]; then
		record STOP hangs
		exit 0
	fi
	wedged=$stuck
	if [ $wedged = 0 ]; then
		timed "$T_PROBE" /tmp/probe dd if="$DEVICE" of=/dev/null bs=1 count=1
		[ $? = 124 ] && wedged=1
	fi
	if [ $wedged = 1 ]; then
		record WEDGED "$1"
		exit 0
	fi
	after_check "$1"
}

loaded() { grep -q "^$MODULE " /proc/modules; }

# load: insmod the submission unless it is loaded; then wait for its node.
# Fails with why in /tmp/loadmsg; $how is "timeout" when insmod ran out of
# time. (Not run in a $(...) subshell: timed's trap must stay this shell's.)
load() {
	how=refused
	: > /tmp/loadmsg
	if ! loaded; then
		timed "$T_INSMOD" /tmp/insmod insmod "$MODDIR/$MODULE.ko"
		r=$?
		if [ $r = 124 ]; then
			how=timeout
			{
				echo "insmod $MODDIR/$MODULE.ko did not return within $T_INSMOD s (module init blocked):"
				echo "$stacks"
			} > /tmp/loadmsg
			return 1
		elif [ $r != 0 ]; then
			cp /tmp/insmod /tmp/loadmsg
			return 1
		fi
	fi
	i=0
	while [ ! -c "$DEVICE" ] && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -c "$DEVICE" ] || {
		echo "$MODULE loaded but $DEVICE did not appear" > /tmp/loadmsg
		return 1
	}
}

# after_check ID: a check ended. A kernel that tainted itself (a WARN or BUG
# that did not panic) or a module that cannot be loaded again ends the boot.
after_check() {
	now=$(cat /proc/sys/kernel/tainted)
	if [ "$now" != "$taint" ]; then
		record TAINT "$1" "$now"
		exit 0
	fi
	if ! load; then
		record RELOADFAIL "$1" "$(hex "$(cat /tmp/loadmsg)")"
		exit 0
	fi
}

# check ID SECS CMD...: runs the check of clause ID unless it is skipped.
# Succeeds when the check ended (status in $rc, output in /tmp/out).
check() {
	skip "$1" && return 1
	id=$1 secs=$2
	shift 2
	begin "$id"
	timed "$secs" /tmp/out "$@"
	rc=$?
	if [ $rc = 124 ]; then
		after_timeout "$id" "$waited" "$*"
		return 1
	fi
	return 0
}

# The failure message of libtest test $1 in /tmp/out (exit status $2).
test_failure() {
	msg=$(sed -n "/^---- $1 stdout ----\$/,/^failures:\$/p" /tmp/out | sed '1d;$d')
	[ -n "$msg" ] || msg="exit status $2 without a test result: $(tail -n 15 /tmp/out)"
	printf '%s' "$msg"
}

group_conformance() {
	# (Functions share this shell's variables: the loop's are named apart.)
	for bin in /lab/tests/*; do
		b=${bin##*/}
		timed "$T_TEST" /tmp/list "$bin" --list
		for name in $(sed -n 's/: test$//p' /tmp/list); do
			check "$b::$name" "$T_TEST" "$bin" --exact "$name" --include-ignored --test-threads=1 || continue
			if [ $rc = 0 ] && grep -q '^test result: ok. 1 passed' /tmp/out; then
				result "$id" pass ""
			else
				result "$id" fail "$(test_failure "$name" $rc)"
			fi
			after_check "$id"
		done
	done
}

group_seed() {
	if check seed.timing "$T_SEED" seed_timing "$DEVICE" "$SEED_TRIALS"; then
		if [ $rc = 0 ]; then
			result $id pass ""
		else
			result $id fail "seed_timing $DEVICE $SEED_TRIALS (write then read back 1, 64, 1024, 65536, 524288 bytes at offset 0) failed: $(tail -n 3 /tmp/out)"
		fi
		after_check $id
	fi
	if check seed.counter-one-thread "$T_SEED" seed_counter "$DEVICE" 1 2000; then
		out=$(cat /tmp/out)
		if [ "$out" = "expected 2000 actual 2000 error 0.000%" ]; then
			result $id pass ""
		else
			result $id fail "seed_counter $DEVICE 1 2000: expected 'expected 2000 actual 2000 error 0.000%', got: $out"
		fi
		after_check $id
	fi
	if check seed.counter-threads "$T_SEED" seed_counter "$DEVICE" 4 5000; then
		if [ $rc = 0 ]; then
			result $id pass ""
		else
			result $id fail "seed_counter $DEVICE 4 5000 (lost updates are expected, errors are not): $(cat /tmp/out)"
		fi
		after_check $id
	fi
}

group_race() {
	for s in none user-mutex kernel-lock fetch-add; do
		check race.$s "$T_RACE" mymem race --quick --device "$DEVICE" --strategy $s || continue
		out=$(cat /tmp/out)
		if [ $rc != 0 ]; then
			case "$out" in
			*"os error 25"*) result $id notimpl "$(echo "$out" | grep 'error' | tail -n 1)" ;;
			*) result $id fail "mymem race --quick --strategy $s: $(echo "$out" | grep '^mymem: error' | tail -n 1)" ;;
			esac
		elif [ $s = none ]; then
			result $id pass ""
		else
			# Table rows: W | strategy | mean ± sd | min..max %err | ...
			lost=$(echo "$out" | awk -F'|' -v s=$s '{ g = $2; gsub(/ /, "", g) }
				g == s { split($4, m, /\.\./); gsub(/ /, "", m[2]); gsub(/ /, "", $1)
					if (m[2] + 0 > 0) { print "workers " $1 " x 2000 increments: expected " $1 * 2000 ", lost up to " m[2] "% of them"; exit } }')
			if [ -z "$lost" ] && echo "$out" | grep -q "| *$s *|"; then
				result $id pass ""
			else
				result $id fail "${lost:-no result row for $s}"
			fi
		fi
		after_check $id
	done
}

group_stress() {
	check stress.contract "$T_STRESS" mymem stress --device "$DEVICE" --ops "$STRESS_OPS" --timeout 240 --lock-patience 10 || return
	if [ $rc = 0 ]; then
		result $id pass ""
	else
		result $id fail "$(grep -A2 -m1 '^DEVIATION' /tmp/out) $(grep -E '^mymem: error' /tmp/out | head -n 1)"
	fi
	after_check $id
}

# Unload and load the module $CYCLES times, using the device each time: a
# script of its own, so that timed runs it in its own process group.
cat > /tmp/cycle.sh <<'EOF'
module=$1 ko=$2 device=$3 cycles=$4 secs=$5
i=0
while [ $i -lt "$cycles" ]; do
	if grep -q "^$module " /proc/modules; then
		timeout -s KILL "$secs" rmmod "$module" || { echo "rmmod $module failed in round $i"; exit 1; }
	fi
	timeout -s KILL "$secs" insmod "$ko" || { echo "insmod failed in round $i"; exit 1; }
	sleep 0.05
	echo round $i | dd of="$device" 2>/dev/null || { echo "write after load failed in round $i"; exit 1; }
	head -c 8 "$device" > /dev/null || { echo "read after load failed in round $i"; exit 1; }
	i=$((i + 1))
done
EOF

group_cycling() {
	check cycling.load-unload "$T_CYCLING" sh /tmp/cycle.sh "$MODULE" "$MODDIR/$MODULE.ko" "$DEVICE" "$CYCLES" "$T_INSMOD" || return
	if [ $rc = 0 ]; then
		result $id pass ""
	else
		result $id fail "$(tail -n 5 /tmp/out)"
	fi
	after_check $id
}

record CPU $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -x -e smep -e smap)
if ! load; then
	record LOADFAIL $how "$T_INSMOD" "$(hex "$(cat /tmp/loadmsg)")"
	exit 0
fi
taint=$(cat /proc/sys/kernel/tainted)
for g in $GROUPS; do
	group_$g
done
record DONE
exit 0
