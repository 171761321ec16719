# sonde — one static tracing binary.
#
#   make            build ./sonde (static)
#   sudo make run   install build packages if missing, build, run `sonde snoop exec`
#   sudo make test  install packages if missing, build, run every test (unit,
#                   command line, integration on this kernel and under qemu)
#   make install    PREFIX=/usr/local DESTDIR=
#   make asan       sonde-asan and the unit tests under ASan+UBSan (dynamic;
#                   the test suite runs the bad-input table with it)
#   make fuzz       run each libFuzzer target for FUZZ_TIME seconds
#   sudo make bench sonde next to bcc, bpftrace, libbpf-tools, perf, trace-cmd
#                   and strace (installs them; not part of make test; results
#                   in Documentation/performance.md)
#   sudo make bench-qemu  sonde's mechanisms compared inside the qemu guests

VERSION := 0.1.0
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
OUT     := .build

# SAN: sanitizer flags for instrumented builds (make asan, make fuzz).
SAN     ?=
BIN     ?= sonde
CFLAGS  ?= -O2 -g
override CFLAGS += $(SAN) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation
CPPFLAGS += -Iinclude -I$(OUT) -I/usr/include/tracefs -I/usr/include/traceevent \
	    -DSONDE_VERSION='"$(VERSION)"' -D_GNU_SOURCE
LDFLAGS ?=
# syscall() and epoll_wait() wrapped: bpf(2), perf_event_open(2) and the
# waits of libbpf's ring and perf buffers pass lib/fault.c
override LDFLAGS += $(SAN) -Wl,--wrap=syscall -Wl,--wrap=epoll_wait
STATIC  ?= -static
LDLIBS  := -ltracefs -ltraceevent -lbpf -ldw -lelf -lzstd -llzma -lbz2 -lz -lpthread

BPF_SRC   := $(wildcard bpf/*.bpf.c)
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRC))
LIB_SRC   := $(wildcard lib/*.c)
CMD_SRC   := $(wildcard cmd/*.c)
LIB_OBJ   := $(patsubst %.c,$(OUT)/%.o,$(LIB_SRC))
CMD_OBJ   := $(patsubst %.c,$(OUT)/%.o,$(CMD_SRC))
UNIT_SRC  := $(wildcard tests/unit/*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(patsubst tests/helpers/%.c,tests/helpers/bin/%,$(HELPER_SRC))

# Debian packages the build and the tests need.
BUILD_PKGS := gcc make clang llvm bpftool libbpf-dev libelf-dev libdw-dev \
	      libtraceevent-dev libtracefs-dev zlib1g-dev libzstd-dev \
	      liblzma-dev libbz2-dev pkg-config systemtap-sdt-dev
TEST_PKGS  := qemu-system-x86 busybox-static cpio util-linux file libclang-rt-dev \
	      linux-perf tmux zsh fish man-db

.PHONY: all run test deps test-deps unit test-helpers install clean \
	asan asan-build fuzz fuzz-build fuzz-smoke bench bench-qemu

all: $(BIN)

$(BIN): $(OUT)/main.o $(CMD_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) $(STATIC) -o $@ $^ $(LDLIBS)

$(OUT)/%.o: %.c $(BPF_SKELS) $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# BPF objects: CO-RE, built against the checked-in bpf/vmlinux_min.h, never
# against the build machine's kernel.
$(OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	@mkdir -p $(OUT)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ibpf -Iinclude \
		-I/usr/include/$(shell $(CLANG) -print-multiarch) \
		-c $< -o $@.tmp
	$(BPFTOOL) gen object $@ $@.tmp
	@rm -f $@.tmp

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Static helper programs the integration tests exec (they also run inside
# the qemu guests, so they are static too).
tests/helpers/bin/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -Wall -o $@ $<

# uprobe targets: a PIE linked to a shared library (found through
# $ORIGIN), and the same code static and non-PIE.
UPROBE_DIR := tests/helpers/uprobe
tests/helpers/bin/libsondetarget.so: $(UPROBE_DIR)/lib.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -shared -fPIC -o $@ $<
tests/helpers/bin/utarget_pie: $(UPROBE_DIR)/target.c tests/helpers/bin/libsondetarget.so
	$(CC) -O2 -g -fPIE -pie -o $@ $< -Ltests/helpers/bin -lsondetarget '-Wl,-rpath,$$ORIGIN'
tests/helpers/bin/utarget_static: $(UPROBE_DIR)/target.c $(UPROBE_DIR)/lib.c
	$(CC) -O2 -g -static -no-pie -o $@ $^

# CPU burners for profile: non-PIE static, PIE, PIE with one function in
# a shared library, and stripped; known stacks for stack; with frame
# pointers (stacks are walked by them).
BURN_DIR := tests/helpers/profburn
BURN_CFLAGS := -O2 -g -fno-omit-frame-pointer -Wall
BURN_BINS := $(addprefix tests/helpers/bin/,libsondeburn.so profburn_static \
	profburn_pie profburn_lib profburn_stripped stackprog jitburn \
	profburn_inline profburn_bid profburn_dlink)
tests/helpers/bin/libsondeburn.so: $(BURN_DIR)/lib.c $(BURN_DIR)/burn.h
	@mkdir -p $(dir $@)
	$(CC) $(BURN_CFLAGS) -shared -fPIC -o $@ $<
tests/helpers/bin/profburn_static: $(BURN_DIR)/burn.c $(BURN_DIR)/lib.c $(BURN_DIR)/burn.h
	$(CC) $(BURN_CFLAGS) -static -no-pie -o $@ $(BURN_DIR)/burn.c $(BURN_DIR)/lib.c
tests/helpers/bin/profburn_pie: $(BURN_DIR)/burn.c $(BURN_DIR)/lib.c $(BURN_DIR)/burn.h
	$(CC) $(BURN_CFLAGS) -fPIE -pie -o $@ $(BURN_DIR)/burn.c $(BURN_DIR)/lib.c
tests/helpers/bin/profburn_lib: $(BURN_DIR)/burn.c tests/helpers/bin/libsondeburn.so
	$(CC) $(BURN_CFLAGS) -fPIE -pie -o $@ $< -Ltests/helpers/bin -lsondeburn '-Wl,-rpath,$$ORIGIN'
tests/helpers/bin/profburn_stripped: tests/helpers/bin/profburn_static
	strip -s -o $@ $<
tests/helpers/bin/stackprog: $(BURN_DIR)/stackprog.c
	$(CC) $(BURN_CFLAGS) -static -o $@ $<
tests/helpers/bin/jitburn: $(BURN_DIR)/jitburn.c
	$(CC) $(BURN_CFLAGS) -static -o $@ $<
tests/helpers/bin/profburn_inline: $(BURN_DIR)/inline.c $(BURN_DIR)/burn.h
	$(CC) $(BURN_CFLAGS) -static -o $@ $<
# Stripped, with the symbols in a separate debug file (made here: the
# guests have no objcopy): found by build-id (the test puts NAME.debug at
# DEBUG/.build-id/NN/REST.debug, REST from NAME.id) or by .gnu_debuglink.
tests/helpers/bin/profburn_bid: tests/helpers/bin/profburn_static
	objcopy --only-keep-debug $< $@.debug
	objcopy --strip-all $< $@
	readelf -n $@ | sed -n 's/.*Build ID: *//p' >$@.id
	test -s $@.id
tests/helpers/bin/profburn_dlink: tests/helpers/bin/profburn_static
	objcopy --only-keep-debug $< $@.debug
	objcopy --strip-all --add-gnu-debuglink=$@.debug $< $@

# snoop dns: a program linked with the system's C library (probed there)
tests/helpers/bin/dnslookup: tests/helpers/dns/lookup.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -o $@ $<

test-helpers: $(HELPER_BIN) tests/helpers/bin/utarget_pie tests/helpers/bin/utarget_static \
	tests/helpers/bin/dnslookup \
	$(BURN_BINS)

$(OUT)/unit-tests: $(UNIT_SRC) $(LIB_OBJ) $(wildcard tests/unit/*.h)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(STATIC) -Itests/unit -o $@ \
		$(UNIT_SRC) $(LIB_OBJ) $(LDLIBS)

unit: $(OUT)/unit-tests
	./$(OUT)/unit-tests

# Install missing packages when root on Debian/Ubuntu; otherwise say what
# is missing.
deps:
	@PKGS="$(BUILD_PKGS)" sh tests/install-packages.sh
test-deps:
	@PKGS="$(BUILD_PKGS) $(TEST_PKGS)" sh tests/install-packages.sh

run: deps
	$(MAKE) sonde
	./sonde snoop exec

test: test-deps
	$(MAKE) sonde test-helpers $(OUT)/unit-tests fuzz-build asan-build
	sh tests/run-all.sh

# Sanitizer build: clang, dynamic (ASan cannot run static binaries), its
# own object directory so it never mixes with the shipped build.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	     -fno-omit-frame-pointer
asan-build:
	$(MAKE) OUT=.build-asan CC=$(CLANG) STATIC= CFLAGS="-O1 -g -Wno-unknown-warning-option" \
		SAN="$(SAN_FLAGS)" BIN=sonde-asan sonde-asan .build-asan/unit-tests
asan: asan-build
	ASAN_OPTIONS=detect_leaks=0 ./.build-asan/unit-tests

# libFuzzer targets (tests/fuzz/fuzz_*.c), one binary each, linked with
# the library objects built under ASan+UBSan and fuzzer instrumentation.
FUZZ_OUT  := .build-fuzz
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_MAIN := $(filter-out tests/fuzz/fuzz_file.c,$(FUZZ_SRC))
FUZZ_BIN  := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_MAIN))
FUZZ_TIME ?= 60

fuzz-build:
	$(MAKE) OUT=$(FUZZ_OUT) CC=$(CLANG) STATIC= CFLAGS="-O1 -g -Wno-unknown-warning-option" \
		SAN="$(SAN_FLAGS) -fsanitize=fuzzer-no-link" fuzz-bins
fuzz-bins: $(FUZZ_BIN)
$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_file.c tests/fuzz/fuzz.h $(LIB_OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< \
		tests/fuzz/fuzz_file.c $(LIB_OBJ) $(LDLIBS)

# Each target for FUZZ_TIME seconds; new corpus entries stay in
# $(FUZZ_OUT)/corpus, crashes in $(FUZZ_OUT)/crash-* (copy them into
# tests/fuzz/regressions/NAME/ once fixed).
fuzz: fuzz-build
	FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh $(FUZZ_OUT)

# A short run of each target plus every recorded regression input (part
# of `make test`).
fuzz-smoke: fuzz-build
	FUZZ_TIME=$${FUZZ_TIME:-5} sh tests/fuzz/run.sh $(FUZZ_OUT)

# The peers and what the benchmark itself runs (bench/run.sh).
BENCH_PKGS := bpftrace bpfcc-tools libbpf-tools trace-cmd linux-perf strace time
bench/bin/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -fno-omit-frame-pointer -Wall -o $@ $<

bench:
	@PKGS="$(BUILD_PKGS) $(BENCH_PKGS)" sh tests/install-packages.sh
	$(MAKE) sonde bench/bin/session bench/bin/storm
	sh bench/run.sh

bench-qemu: sonde bench/bin/session bench/bin/storm
	sh bench/qemu.sh

PREFIX  ?= /usr/local
# Binary, applet links (APPLETS=0: none), man pages, and completion for
# bash, zsh and fish; the applet names come from the binary.
APPLETS ?= 1
install: sonde
	install -D -m 0755 sonde $(DESTDIR)$(PREFIX)/bin/sonde
	if [ "$(APPLETS)" = 1 ]; then for a in $$(./sonde --install-list); do \
		ln -sf sonde $(DESTDIR)$(PREFIX)/bin/$$a; done; fi
	for m in Documentation/*.1; do \
		install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename $$m); done
	install -D -m 0644 completions/sonde.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/sonde
	for a in $$(./sonde --install-list); do \
		ln -sf sonde $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$a; done
	install -d $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	sed "1s/.*/#compdef sonde $$(./sonde --install-list | tr '\n' ' ')/" completions/_sonde \
		> $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_sonde
	install -D -m 0644 completions/sonde.fish \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sonde.fish
	for a in $$(./sonde --install-list); do \
		printf 'source (status dirname)/sonde.fish\ncomplete -c %s -f -a "(__sonde_complete)"\n' $$a \
		> $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$a.fish; done

clean:
	rm -rf $(OUT) .build-asan $(FUZZ_OUT) sonde sonde-asan tests/helpers/bin
