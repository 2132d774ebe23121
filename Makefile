# ember - a minimal KVM microVM monitor.
#
#   make            build build/ember (static)
#   make run        boot a demo microVM (inside the test host when /dev/kvm is unusable)
#   make test       unit tests (ASan/UBSan) + fuzzing + integration tests booting real guests
#   make fuzz       libFuzzer targets, FUZZ_SECONDS (default 60) each
#   make guest      guest kernel (vmlinux, bzImage) + guest initramfs, cached in build/guest
#   make testhost   the nested test host (Debian kernel + kvm modules), cached in build/testhost
#   make bench-boot boot benchmark: ember against QEMU microvm
#   make bench-io   block and network benchmark: ember against QEMU microvm
#   make deps       install missing Debian packages

CC      ?= gcc
BUILD   := build
VERSION := 0.1.0

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -DEMBER_VERSION='"$(VERSION)"' -Ivmm -Iapi -MMD -MP
LDLIBS  := -ljansson -luring -lpthread

VMM_SRC  := $(wildcard vmm/*.c) $(wildcard api/*.c)
LIB_SRC  := $(filter-out vmm/main.c,$(VMM_SRC))
OBJ      := $(VMM_SRC:%.c=$(BUILD)/obj/%.o)

SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

# libFuzzer targets: clang, each linked with only the code it exercises.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -std=gnu11 -D_GNU_SOURCE -g -O1 $(WARN) -Ivmm \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BIN     := $(BUILD)/fuzz/fuzz_virtqueue $(BUILD)/fuzz/fuzz_blk_req
FUZZ_COMMON  := tests/fuzz/fuzz_common.h vmm/virtqueue.c vmm/guest_mem.c vmm/err.c

.PHONY: all run test unit fuzz integration guest testhost install clean deps bench-boot bench-io \
	format

all: $(BUILD)/ember

$(BUILD)/ember: $(OBJ)
	$(CC) -static -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -Itests/unit -o $@ $< $(ASAN_OBJ) -lcmocka $(LDLIBS)

$(BUILD)/fuzz/fuzz_virtqueue: tests/fuzz/fuzz_virtqueue.c $(FUZZ_COMMON)
$(BUILD)/fuzz/fuzz_blk_req: tests/fuzz/fuzz_blk_req.c vmm/blk_req.c $(FUZZ_COMMON)
$(BUILD)/fuzz/%:
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^)

deps:
	@bash .ci/install-deps.sh

unit: $(UNIT_BIN)
	@bash tests/run-unit.sh $(UNIT_BIN)
	@bash perf/test-vmmstat.sh

fuzz: $(FUZZ_BIN)
	@bash tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

guest: $(BUILD)/ember
	@bash guest-kernel-config/build.sh

testhost:
	@bash tests/testhost/build.sh

integration: $(BUILD)/ember guest
	@bash tests/run-integration.sh

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory integration

run: deps
	@$(MAKE) --no-print-directory all guest
	@bash tests/run-demo.sh

bench-boot: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-boot.sh

bench-io: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-io.sh

install: $(BUILD)/ember
	install -D -m 0755 $(BUILD)/ember $(DESTDIR)/usr/local/bin/ember

format:
	clang-format -i vmm/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch]

clean:
	rm -rf $(BUILD)/obj $(BUILD)/asan $(BUILD)/unit $(BUILD)/fuzz $(BUILD)/bench $(BUILD)/ember

.SECONDARY:

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d)
