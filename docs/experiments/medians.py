#!/usr/bin/env python3
"""Medians (ns) of a bench.json, Rust-minus-C per cell, and in-kernel k-*.json rows.
usage: medians.py RESULTS_DIR"""
import glob, json, os, sys

d = sys.argv[1]
for name in sorted(glob.glob(os.path.join(d, "bench*.json"))):
    b = json.load(open(name))
    print(f"== {os.path.basename(name)} (clock {b['env'].get('clock', '?')})")
    med = {(s["label"], s["op"], s["size"]): s["stats"]["median_ns"] for s in b["series"]}
    print(f"{'size':>7} {'op':>6} {'C':>9} {'Rust':>9} {'R-C':>6} {'tmpfs':>9} {'memcpy':>9}")
    for size in b["config"]["sizes"]:
        for op in ("pwrite", "pread"):
            c, r = med.get(("C", op, size)), med.get(("Rust", op, size))
            t, m = med.get(("tmpfs", op, size), 0), med.get(("memcpy", "copy", size), 0)
            print(f"{size:>7} {op:>6} {c:>9.0f} {r:>9.0f} {r - c:>+6.0f} {t:>9.0f} {m:>9.0f}")
for name in sorted(glob.glob(os.path.join(d, "k-*.json"))):
    k = json.load(open(name))
    rows = " ".join(f"{b['op'][0]}{b['size']}={b['median_ns']}" for b in k["bench"])
    print(f"{os.path.basename(name):>22} mem={k['params'].get('mem', '?')}: {rows}")
