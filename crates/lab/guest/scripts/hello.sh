# Suite hello: part 1's module, loaded and unloaded, refused with times=0.
# Set by the runner (src/suites/hello.rs): TIMES0_RC, MODINFO_TXT, EXIT_*.
insmod /lab/modules/hello.ko times=3 || exit $EXIT_HELLO
rmmod hello || exit $EXIT_HELLO
insmod /lab/modules/hello.ko times=0; echo $? > "$TIMES0_RC"
modinfo /lab/modules/hello.ko > "$MODINFO_TXT"
