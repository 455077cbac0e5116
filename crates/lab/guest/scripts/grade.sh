# lab grade: the clause groups in $GROUPS against one submitted driver
# ($MODULE from $MODDIR, device $DEVICE). Results go to the console as
# @@GRADE-...@@ markers (crates/grade/src/markers.rs), so they survive a
# panic. Set by the runner (src/grading/boot.rs): GROUPS, MODULE, MODDIR,
# DEVICE, SEED_TRIALS, STRESS_OPS, CYCLES, EXIT_*.
export MYMEM_DEVICE=$DEVICE MYMEM_MODULE=$MODULE MYMEM_MODULES_DIR=$MODDIR

# clause ID VERDICT DETAIL: one marker; DETAIL squeezed to one short line.
clause() {
	echo "@@GRADE-CLAUSE $1 $2 $(printf '%s' "$3" | tr '\n\r' '  ' | cut -c1-400)@@"
}

loaded() { grep -q "^$MODULE " /proc/modules; }

# The submission loaded, its device node present (it may appear just after insmod).
ensure_loaded() {
	if ! loaded; then
		out=$(insmod "$MODDIR/$MODULE.ko" 2>&1) || {
			echo "@@GRADE-LOAD-FAILED $(echo "$out" | tr '\n' ' ')@@"
			exit $EXIT_LOAD
		}
		# Let the module's load message reach the console before the next
		# marker (the host also mends a marker a kernel message cut).
		sleep 0.2
	fi
	i=0
	while [ ! -c "$DEVICE" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c "$DEVICE" ] || {
		echo "@@GRADE-LOAD-FAILED $MODULE loaded but $DEVICE did not appear@@"
		exit $EXIT_LOAD
	}
}

group_conformance() {
	for t in /lab/tests/*; do
		echo "== $t"
		"$t" --test-threads=1 --include-ignored
		ensure_loaded
	done
}

group_seed() {
	if out=$(seed_timing "$DEVICE" "$SEED_TRIALS" 2>&1); then
		clause seed.timing pass ""
	else
		clause seed.timing fail "seed_timing $DEVICE $SEED_TRIALS (write then read back 1, 64, 1024, 65536, 524288 bytes at offset 0) failed: $(echo "$out" | tail -n 3)"
	fi
	out=$(seed_counter "$DEVICE" 1 2000 2>&1)
	if [ "$out" = "expected 2000 actual 2000 error 0.000%" ]; then
		clause seed.counter-one-thread pass ""
	else
		clause seed.counter-one-thread fail "seed_counter $DEVICE 1 2000: expected 'expected 2000 actual 2000 error 0.000%', got: $out"
	fi
	if out=$(seed_counter "$DEVICE" 4 5000 2>&1); then
		clause seed.counter-threads pass ""
	else
		clause seed.counter-threads fail "seed_counter $DEVICE 4 5000 (lost updates are expected, errors are not): $out"
	fi
}

group_race() {
	for s in none user-mutex kernel-lock fetch-add; do
		if ! out=$(mymem race --quick --device "$DEVICE" --strategy $s 2>&1); then
			case "$out" in
			*"os error 25"*) clause race.$s notimpl "$(echo "$out" | grep 'error' | tail -n 1)" ;;
			*) clause race.$s fail "mymem race --quick --strategy $s: $(echo "$out" | grep '^mymem: error' | tail -n 1)" ;;
			esac
			continue
		fi
		[ $s = none ] && { clause race.$s pass ""; continue; }
		# Table rows: W | strategy | mean ± sd | min..max %err | ...
		lost=$(echo "$out" | awk -F'|' -v s=$s '{ g = $2; gsub(/ /, "", g) }
			g == s { split($4, m, /\.\./); gsub(/ /, "", m[2]); gsub(/ /, "", $1)
				if (m[2] + 0 > 0) { print "workers " $1 " x 2000 increments: expected " $1 * 2000 ", lost up to " m[2] "% of them"; exit } }')
		if [ -z "$lost" ] && echo "$out" | grep -q "| *$s *|"; then
			clause race.$s pass ""
		else
			clause race.$s fail "${lost:-no result row for $s}"
		fi
	done
}

group_stress() {
	if out=$(mymem stress --device "$DEVICE" --ops "$STRESS_OPS" --timeout 240 --lock-patience 10 2>&1); then
		clause stress.contract pass ""
	else
		echo "$out" | tail -n 30
		clause stress.contract fail "$(echo "$out" | grep -A2 -m1 '^DEVIATION') $(echo "$out" | grep -E '^mymem: error' | head -n 1)"
	fi
}

group_cycling() {
	i=0 why=""
	while [ $i -lt "$CYCLES" ] && [ -z "$why" ]; do
		if loaded; then rmmod "$MODULE" 2>&1 || why="rmmod $MODULE failed in round $i"; fi
		[ -z "$why" ] && { insmod "$MODDIR/$MODULE.ko" 2>&1 || why="insmod failed in round $i"; }
		sleep 0.05
		[ -z "$why" ] && { echo round $i | dd of="$DEVICE" 2>/dev/null || why="write after load failed in round $i"; }
		[ -z "$why" ] && { head -c 8 "$DEVICE" > /dev/null || why="read after load failed in round $i"; }
		i=$((i + 1))
	done
	if [ -z "$why" ]; then clause cycling.load-unload pass ""; else clause cycling.load-unload fail "$why"; fi
	ensure_loaded
}

ensure_loaded
for g in $GROUPS; do
	echo "@@GRADE-GROUP $g@@"
	ensure_loaded
	group_$g
	echo "@@GRADE-END $g@@"
done
exit 0
