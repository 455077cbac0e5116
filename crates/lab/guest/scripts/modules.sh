# Loading the modules of a measurement boot and recording what could not be
# measured; sourced by measure.sh and measure-icount.sh (shipped in as
# /lab/lib/modules.sh). Set by the runner (src/pipeline.rs), per role: C_MOD,
# C_KO, C_DEV (the C slot: the reference of every comparison) and RUST_MOD,
# RUST_KO, RUST_DEV (the driver compared with it): module name, .ko in the
# guest, device node ("" = the character device that appears when the module
# is loaded). HELLO_MOD/HELLO_KO/HELLO_KIT and TEST_MOD/TEST_KO/TEST_KIT (1:
# our own module). STRICT: 1 for our own drivers (a failing phase ends the boot
# with its exit code); 0 for someone's (it leaves FILE.hole, the reason, and
# the boot goes on: the report marks the hole). MODULES_TXT: where the modules
# and devices of the boot are written ("ROLE MODULE DEVICE" per line).

# A mark of the kernel log now, for kmsg_since.
kmsg_mark() { dmesg | wc -l; }
# The kernel log lines after mark $1.
kmsg_since() { dmesg | tail -n +$(($1 + 1)); }

# hole FILE LINE...: FILE was not produced, and why (the report quotes it).
hole() {
	hole_file=$1
	shift
	printf '%s\n' "$@" > "$hole_file.hole"
	command echo "lab: not measured (${hole_file##*/}): $*" >&2
}

# run_phase FILE CODE COMMAND...: runs COMMAND, which writes FILE. On failure:
# exit CODE (STRICT=1) or a hole with the command's error lines.
run_phase() {
	rp_file=$1 rp_code=$2
	shift 2
	if [ "$STRICT" = 1 ]; then
		"$@" || exit "$rp_code"
		return 0
	fi
	"$@" 2> /tmp/phase.err
	rp_status=$?
	cat /tmp/phase.err >&2
	[ "$rp_status" = 0 ] && return 0
	rp_why=$(grep -i 'error' /tmp/phase.err | tail -n 3)
	[ -n "$rp_why" ] || rp_why=$(tail -n 3 /tmp/phase.err)
	hole "$rp_file" "\`$1 $2\` failed (exit status $rp_status): $rp_why"
	return 1
}

# load_module FILE CODE KO [PARAM=VALUE...]: insmod; on failure exit CODE
# (STRICT=1) or a hole quoting insmod and the kernel's lines (or saying KO was
# not built).
load_module() {
	lm_file=$1 lm_code=$2
	shift 2
	if [ ! -e "$1" ]; then
		# Not shipped in: someone's module that did not build on the host.
		[ "$STRICT" = 1 ] && exit "$lm_code"
		hole "$lm_file" "${1##*/} was not built: its sources did not compile on the host (the run's build-*.log says why)"
		return 1
	fi
	lm_mark=$(kmsg_mark)
	insmod "$@" 2> /tmp/insmod.err && return 0
	cat /tmp/insmod.err >&2
	[ "$STRICT" = 1 ] && exit "$lm_code"
	hole "$lm_file" "insmod ${1##*/}${2:+ $2} failed: $(cat /tmp/insmod.err)" "kernel: $(kmsg_since "$lm_mark" | tail -n 3)"
	return 1
}

# The character device nodes under /dev, one per line.
char_devs() {
	for d in /dev/* /dev/*/*; do
		[ -c "$d" ] && command echo "$d"
	done
}

# load_driver C|RUST: loads that role's module unless it is loaded; finds its
# device node the first time (the one that appeared) unless it was given.
load_driver() {
	eval "ld_mod=\$${1}_MOD ld_ko=\$${1}_KO ld_dev=\$${1}_DEV"
	[ -d "/sys/module/$ld_mod" ] && return 0
	[ -n "$ld_dev" ] || char_devs > /tmp/devs.before
	ld_mark=$(kmsg_mark)
	if ! insmod "$ld_ko"; then
		command echo "lab: loading $ld_mod failed; the kernel said:" >&2
		kmsg_since "$ld_mark" | tail -n 5 >&2
		return 1
	fi
	if [ -z "$ld_dev" ]; then
		ld_dev=$(char_devs | grep -vxF -f /tmp/devs.before | head -n 1)
		if [ -z "$ld_dev" ]; then
			command echo "lab: $ld_mod created no device node under /dev: name it with --device" >&2
			return 1
		fi
		eval "${1}_DEV=\$ld_dev"
		command echo "lab: $ld_mod provides $ld_dev"
	fi
	grep -q "^$1 " "$MODULES_TXT" 2> /dev/null || command echo "$1 $ld_mod $ld_dev" >> "$MODULES_TXT"
}

# Which module's in-kernel API the loaded $TEST_MOD was linked against: the
# module it holds (its /sys/module/*/holders entry).
record_api_provider() {
	for h in /sys/module/*/holders/"$TEST_MOD"; do
		[ -e "$h" ] || continue
		h=${h#/sys/module/}
		command echo "API ${h%%/*}" >> "$MODULES_TXT"
	done
}

# Both drivers, the Rust slot first (the order of our own modules).
load_drivers() { load_driver RUST && load_driver C; }

# Whether any measurement of the boot was written.
measured_something() {
	for f in "$@"; do
		[ -e "$f" ] && return 0
	done
	command echo "lab: nothing could be measured on these drivers" >&2
	return 1
}
