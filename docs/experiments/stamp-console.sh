#!/bin/sh
# Reads `lab` output on stdin; prefixes each line with host time and, on @@STEP
# marker lines, with the CPU time (clock ticks, utime+stime of all threads) of
# the QEMU whose command line contains $1.
pat=$1
while IFS= read -r l; do
	case "$l" in
	*@@STEP*)
		pid=$(pgrep -f -- "qemu-system-x86_64.*$pat" | head -1)
		ticks=$(awk '{print $14+$15}' /proc/$pid/stat 2>/dev/null)
		printf '%s ticks=%s load=%s %s\n' "$(date +%s.%N)" "$ticks" "$(cut -d' ' -f1 /proc/loadavg)" "$l" ;;
	*) printf '%s %s\n' "$(date +%s.%N)" "$l" ;;
	esac
done
