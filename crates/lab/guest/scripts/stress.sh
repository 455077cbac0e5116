# Suite stress: random operations against both drivers, checked against the
# contract; the tool's status is the scenario's.
# Set by the runner (src/suites/stress.rs): OPS, STRESS_JSON.
mymem stress --ops "$OPS" --json "$STRESS_JSON"
