# ember - a minimal KVM microVM monitor.
#
#   make            build build/ember and build/ember-jailer (static)
#   make run        boot a demo microVM (inside the test host when /dev/kvm is unusable)
#   make test       unit tests (ASan/UBSan) + integration tests booting real guests
#   make guest      guest kernel (vmlinux, bzImage) + guest initramfs, cached in build/guest
#   make testhost   the nested test host (Debian kernel + kvm modules), cached in build/testhost
#   make bench-boot boot benchmark: ember against QEMU microvm
#   make bench-api  API benchmark: start-up to a listening socket, one-request boot
#   make bench-jailer  what the jailer adds to ember's start-up (root)
#   make bench-io   block and network benchmark: ember against QEMU microvm
#   make bench-memory  private memory per microVM (direct, jailed, QEMU microvm; idle, after I/O)
#   make bench-vsock  vsock throughput and round trips: ember against QEMU microvm vhost-vsock
#   make bench-density  N microVMs at once: memory per VM, balloon inflated, free page reporting
#   make bench-snapshot snapshot create/restore against cold boot and QEMU -incoming; clones
#   make soak       the API under abuse against build/ember (no guest; bounded, ~25 s)
#   make fuzz       libFuzzer runs over the API parser, descriptor chains, block requests,
#                   the virtio-mmio register block, virtio-net and --seccomp-filter files,
#                   custom CPU templates
#                   (FUZZ_SECONDS each, default 20)
#   make deps       install missing Debian packages

CC      ?= gcc
BUILD   := build
VERSION := 1.0.0

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -DEMBER_VERSION='"$(VERSION)"' -Ivmm -Iapi \
	   -I$(BUILD)/gen -MMD -MP
LDLIBS  := -ljansson -luring -lpthread

# vmm/syscall_rules.c (the seccomp rule table, compiled with libseccomp) is
# built into the generator and the unit tests, not into ember.
SC_RULES := vmm/syscall_rules.c
VMM_SRC  := $(filter-out $(SC_RULES),$(wildcard vmm/*.c)) $(wildcard api/*.c)
LIB_SRC  := $(filter-out vmm/main.c,$(VMM_SRC))
OBJ      := $(VMM_SRC:%.c=$(BUILD)/obj/%.o)

SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

# The jailer: its own sources plus the errbuf helper; its unit tests
# (tests/unit/test_jailer_*.c) link the jailer's objects, not the VMM's.
JAILER_SRC      := $(wildcard jailer/*.c)
JAILER_OBJ      := $(JAILER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/vmm/err.o
JAILER_ASAN_OBJ := $(filter-out $(BUILD)/asan/jailer/main.o,$(JAILER_SRC:%.c=$(BUILD)/asan/%.o)) \
		   $(BUILD)/asan/vmm/err.o
JAILER_UNIT_BIN := $(filter $(BUILD)/unit/test_jailer%,$(UNIT_BIN))
VMM_UNIT_BIN    := $(filter-out $(JAILER_UNIT_BIN),$(UNIT_BIN))

# libFuzzer targets: the HTTP parser, the router and the config parsers;
# virtqueue descriptor chains; virtio-blk requests; the virtio-mmio register
# block; virtio-net headers and frames (tests/fuzz/).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
SOAK_SECONDS ?= 20
FUZZ_SRC     := api/http.c api/router.c vmm/api_request.c vmm/config.c vmm/config_json.c vmm/err.c vmm/log.c \
		vmm/config_mmds.c vmm/snapshot_req.c
FUZZ_SRC     += vmm/config_balloon.c vmm/config_vsock.c
FUZZ_SRC     += vmm/cpu_config.c
FUZZ_FLAGS   := -std=gnu11 -D_GNU_SOURCE -Ivmm -Iapi -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_VQ      := tests/fuzz/fuzz_common.h vmm/virtqueue.c vmm/virtqueue.h vmm/guest_mem.c \
		vmm/guest_mem.h vmm/err.c
FUZZ_BIN     := $(BUILD)/fuzz/fuzz_api $(BUILD)/fuzz/fuzz_virtqueue $(BUILD)/fuzz/fuzz_blk_req \
		$(BUILD)/fuzz/fuzz_mmio $(BUILD)/fuzz/fuzz_net $(BUILD)/fuzz/fuzz_rng
# The --seccomp-filter file parser.
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_seccomp_file
# The balloon's queue handlers.
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_balloon
# The MMDS network stack (guest frames to the MMDS address).
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_mmds_net
# The metadata service's guest-facing HTTP and its store.
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_mmds_http
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_vsock
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_snapshot
# The snapshot state checks (vCPU, VM, legacy devices).
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_snap_state
# Custom CPU templates (PUT /cpu-config, the config file's cpu-config).
FUZZ_BIN     += $(BUILD)/fuzz/fuzz_cpu_config
FUZZ_SNAP    := vmm/vcpu_state.c vmm/vm_state.c vmm/uart.c vmm/i8042.c vmm/boot_timer.c \
		vmm/log.c vmm/err.c
# The device targets (virtio-mmio register block, virtio-net) drive whole
# devices, so they link the VMM's objects built for fuzzing.
FUZZ_DEV_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzzobj/%.o)
FUZZ_OBJ_FLAGS := -std=gnu11 -D_GNU_SOURCE -DEMBER_VERSION='"$(VERSION)"' -Ivmm -Iapi -I$(BUILD)/gen \
		-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all -MMD -MP -Wno-gnu-variable-sized-type-not-at-end

.PHONY: all run test unit soak integration guest testhost install clean deps bench-boot bench-api \
	bench-jailer bench-io bench-memory bench-snapshot fuzz format bench-vsock bench-density

all: $(BUILD)/ember $(BUILD)/ember-jailer

$(BUILD)/ember: $(OBJ)
	$(CC) -static -o $@ $^ $(LDLIBS)

# ember with the seccomp fault-injection hook (vmm/test_hook.h) compiled in;
# used only by the integration tests, never installed.
$(BUILD)/ember-test: $(filter-out $(BUILD)/obj/vmm/test_hook.o,$(OBJ)) $(BUILD)/obj/vmm/test_hook_on.o
	$(CC) -static -o $@ $^ $(LDLIBS)

# Static helpers for the integration tests (a tap owned by a uid, a pty, a
# client that never reads, the API soak under abuse).
TEST_HELPERS := $(BUILD)/test-mktap $(BUILD)/test-ptyrun $(BUILD)/test-apiflood \
		$(BUILD)/test-apisoak $(BUILD)/test-uffdhandler
# The vsock test tool, for the host and (packed into the initramfs) the guest.
TEST_HELPERS += $(BUILD)/test-vsockt
$(BUILD)/test-%: tests/integration/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -D_GNU_SOURCE -static -o $@ $<

$(BUILD)/obj/vmm/test_hook_on.o: vmm/test_hook.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DEMBER_TEST_HOOKS -c -o $@ $<

# System call names for the SIGSYS log line, from the installed kernel headers.
$(BUILD)/gen/syscall_names.h:
	@mkdir -p $(dir $@)
	echo '#include <sys/syscall.h>' | $(CC) -E -dM -x c - | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$$/\t[\2] = "\1",/p' | sort -t'[' -k2 -n >$@.tmp
	@test -s $@.tmp || { echo "no __NR_ names found" >&2; exit 1; }
	mv $@.tmp $@

$(BUILD)/obj/vmm/syscall_trap.o $(BUILD)/asan/vmm/syscall_trap.o: $(BUILD)/gen/syscall_names.h

# The seccomp filters, compiled when ember is built: a host program linked
# with libseccomp turns the rule table into BPF programs (tools/seccomp_gen.c).
$(BUILD)/tools/seccomp_gen: tools/seccomp_gen.c $(SC_RULES) vmm/syscall_rules.h vmm/syscall_filter.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ tools/seccomp_gen.c $(SC_RULES) -lseccomp

$(BUILD)/gen/sc_programs.h: $(BUILD)/tools/seccomp_gen
	@mkdir -p $(dir $@)
	$< >$@.tmp
	mv $@.tmp $@

$(BUILD)/obj/vmm/syscall_filter.o $(BUILD)/asan/vmm/syscall_filter.o: $(BUILD)/gen/sc_programs.h

$(BUILD)/ember-jailer: $(JAILER_OBJ)
	$(CC) -static -o $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -c -o $@ $<

$(VMM_UNIT_BIN): $(BUILD)/unit/%: tests/unit/%.c $(ASAN_OBJ) $(BUILD)/asan/vmm/syscall_rules.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -Itests/unit -o $@ $< $(ASAN_OBJ) $(BUILD)/asan/vmm/syscall_rules.o \
		-lcmocka $(LDLIBS) -lseccomp

$(JAILER_UNIT_BIN): $(BUILD)/unit/%: tests/unit/%.c $(JAILER_ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -Ijailer -Itests/unit -o $@ $< $(JAILER_ASAN_OBJ) -lcmocka

$(BUILD)/fuzz/fuzz_api: tests/fuzz/fuzz_api.c $(FUZZ_SRC) $(wildcard api/*.h vmm/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_api.c $(FUZZ_SRC) $(LDLIBS)

$(BUILD)/fuzz/fuzz_virtqueue: tests/fuzz/fuzz_virtqueue.c $(FUZZ_VQ)
$(BUILD)/fuzz/fuzz_blk_req: tests/fuzz/fuzz_blk_req.c vmm/blk_req.c vmm/blk_req.h $(FUZZ_VQ)
$(BUILD)/fuzz/fuzz_virtqueue $(BUILD)/fuzz/fuzz_blk_req:
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_seccomp_file: tests/fuzz/fuzz_seccomp_file.c vmm/sc_file.c vmm/sc_file.h vmm/err.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_mmds_net: tests/fuzz/fuzz_mmds_net.c vmm/mmds_net.c vmm/mmds_tcp.c vmm/mmds_net.h \
		vmm/mmds_tcp.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_mmds_http: tests/fuzz/fuzz_mmds_http.c vmm/mmds_http.c vmm/mmds_store.c \
		vmm/mmds_http.h vmm/mmds_store.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -o $@ $(filter %.c,$^) $(LDLIBS)
$(BUILD)/fuzz/fuzz_snapshot: tests/fuzz/fuzz_snapshot.c vmm/snapshot_file.c vmm/snapshot_file.h vmm/err.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz_snap_state: tests/fuzz/fuzz_snap_state.c $(FUZZ_SNAP) $(wildcard vmm/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Wno-gnu-variable-sized-type-not-at-end -o $@ \
		tests/fuzz/fuzz_snap_state.c $(FUZZ_SNAP) -lpthread

$(BUILD)/fuzz/fuzz_cpu_config: tests/fuzz/fuzz_cpu_config.c vmm/cpu_config.c vmm/cpu_config_apply.c \
		vmm/cpuid.c vmm/err.c vmm/cpu_config.h vmm/cpuid.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Wno-gnu-variable-sized-type-not-at-end -o $@ \
		$(filter %.c,$^) $(LDLIBS)

# (Without $(WARN): gcc checks these sources' warnings in the normal build.)
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_OBJ_FLAGS) -c -o $@ $<

$(BUILD)/fuzzobj/vmm/syscall_trap.o: $(BUILD)/gen/syscall_names.h

$(BUILD)/fuzz/fuzz_mmio $(BUILD)/fuzz/fuzz_net $(BUILD)/fuzz/fuzz_balloon \
		$(BUILD)/fuzz/fuzz_rng $(BUILD)/fuzz/fuzz_vsock: $(BUILD)/fuzz/%: tests/fuzz/%.c \
		$(FUZZ_DEV_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Wno-gnu-variable-sized-type-not-at-end -o $@ $< $(FUZZ_DEV_OBJ) $(LDLIBS)

deps:
	@bash .ci/install-deps.sh

unit: $(UNIT_BIN) $(BUILD)/ember $(BUILD)/ember-jailer
	@bash tests/run-unit.sh $(UNIT_BIN)
	@OBJDIR=$(BUILD)/asan bash tests/check-layering.sh
	@bash perf/test-vmmstat.sh
	@bash tests/unit/dropin.sh $(BUILD)/ember $(BUILD)/ember-jailer

guest: $(BUILD)/ember
	@bash guest-kernel-config/build.sh

testhost:
	@bash tests/testhost/build.sh

integration: $(BUILD)/ember $(BUILD)/ember-jailer $(BUILD)/ember-test $(TEST_HELPERS) guest
	@bash tests/run-integration.sh

soak: $(BUILD)/ember $(BUILD)/test-apisoak
	@bash tests/run-api-soak.sh $(SOAK_SECONDS)

fuzz: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_api tests/fuzz/corpus/api $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_virtqueue tests/fuzz/corpus/virtqueue $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_blk_req tests/fuzz/corpus/blk_req $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_seccomp_file tests/fuzz/corpus/seccomp_file $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_mmio tests/fuzz/corpus/mmio $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_net tests/fuzz/corpus/net $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_balloon tests/fuzz/corpus/balloon $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_rng tests/fuzz/corpus/rng $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_mmds_net tests/fuzz/corpus/mmds_net $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_mmds_http tests/fuzz/corpus/mmds_http $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_vsock tests/fuzz/corpus/vsock $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_snapshot tests/fuzz/corpus/snapshot $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_snap_state tests/fuzz/corpus/snap_state $(FUZZ_SECONDS)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_cpu_config tests/fuzz/corpus/cpu_config $(FUZZ_SECONDS)

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory soak
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory integration

run: deps
	@$(MAKE) --no-print-directory all guest
	@bash tests/run-demo.sh

bench-boot: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-boot.sh

bench-api: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-api.sh

bench-jailer: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-jailer.sh

bench-io: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-io.sh

bench-memory: deps
	@$(MAKE) --no-print-directory all $(BUILD)/test-mktap guest
	@bash perf/bench-memory.sh

bench-snapshot: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-snapshot.sh

bench-vsock: deps
	@$(MAKE) --no-print-directory all $(BUILD)/test-vsockt guest
	@bash perf/bench-vsock.sh
bench-density: deps
	@$(MAKE) --no-print-directory all guest
	@bash perf/bench-density.sh

install: $(BUILD)/ember $(BUILD)/ember-jailer
	install -D -m 0755 $(BUILD)/ember $(DESTDIR)/usr/local/bin/ember
	install -D -m 0755 $(BUILD)/ember-jailer $(DESTDIR)/usr/local/bin/ember-jailer

format:
	clang-format -i vmm/*.[ch] api/*.[ch] jailer/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] \
		tests/integration/*.c

clean:
	rm -rf $(BUILD)/obj $(BUILD)/asan $(BUILD)/unit $(BUILD)/bench $(BUILD)/fuzz $(BUILD)/fuzzobj \
		$(BUILD)/ember $(BUILD)/ember-jailer $(BUILD)/ember-test $(TEST_HELPERS) $(BUILD)/gen \
		$(BUILD)/tools

.SECONDARY:

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(FUZZ_DEV_OBJ:.o=.d) $(JAILER_OBJ:.o=.d) $(JAILER_ASAN_OBJ:.o=.d)
