# vmgate - see README.md. Needs GNU make; `make deps` installs the rest.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
PKG_CONFIG ?= pkg-config
# Where libpam looks for modules named without a path: the build machine's
# own, from libpam's pkg-config libdir (/lib/x86_64-linux-gnu/security on
# Debian amd64), else from the compiler's multiarch triplet. Not under
# PREFIX: a module installed elsewhere is named by its path in pam.d.
PAMDIR    ?= $(or $(addsuffix /security,$(shell $(PKG_CONFIG) \
             --variable=libdir pam 2>/dev/null)),$(addprefix /lib/,$(addsuffix \
             /security,$(shell $(CC) -print-multiarch 2>/dev/null))),/lib/security)
PKGS      := libvirt libssh inih libsodium libxml-2.0 libpng
FUZZ_SECONDS ?= 30

WARN      := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla \
             -Wmissing-prototypes -Wstrict-prototypes
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
             -fstack-clash-protection
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Iinclude \
             -DVMGATE_VERSION='"$(VERSION)"'
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# The binary loads libvirt and libssh itself on first use
# (include/vmgate/dl.h); the two small libraries are linked in statically,
# so the loader has fewer objects to search for every symbol libvirt's
# sixty libraries look up.
EXE_LIBS   = -Wl,-Bstatic -linih -lsodium -Wl,-Bdynamic -pthread -ldl
CFLAGS    ?=
LDFLAGS   ?=
ALL_CFLAGS = $(BASE_CFLAGS) $(HARDEN) $(PKG_CFLAGS) $(CFLAGS)
EXE_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack

LIB_SRC   := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
# the PAM module reuses the pure core, built position-independent
PAM_CORE  := util verb config policy
PAM_OBJ   := $(PAM_CORE:%=$(BUILD)/pic/%.o) $(BUILD)/pic/pam_vmgate.o
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
E2E_SRC   := $(wildcard tests/e2e/test_*.c)
E2E_BIN   := $(E2E_SRC:tests/e2e/%.c=$(BUILD)/e2e/%)
E2E_LIB   := $(wildcard tests/e2e/e2e.c)
# make bench's own programs; make check builds them so they cannot rot
BENCH_BIN := $(addprefix $(BUILD)/bench/,runner mini guest flood)
BENCH_CFLAGS := -O2 -Wall -Wextra -Werror

.PHONY: all deps check check-unit unit-binaries bench-binaries check-e2e \
        check-sanitize demo demo-stop bench fuzz install clean

all: $(BUILD)/vmgate $(BUILD)/pam_vmgate.so

deps:
	@sh contrib/deps.sh

$(BUILD)/obj/%.o: src/%.c $(wildcard include/vmgate/*.h src/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -fPIE -c -o $@ $<

$(BUILD)/pic/%.o: src/%.c $(wildcard include/vmgate/*.h src/*.h) | $(BUILD)/pic
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/pic/pam_vmgate.o: pam/pam_vmgate.c $(wildcard include/vmgate/*.h) | $(BUILD)/pic
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/libvmgate.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/vmgate: $(BUILD)/obj/main.o $(BUILD)/libvmgate.a
	$(CC) $(ALL_CFLAGS) $(EXE_LDFLAGS) $(LDFLAGS) -o $@ $^ $(EXE_LIBS)

$(BUILD)/pam_vmgate.so: $(PAM_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-z,relro,-z,now -Wl,--no-undefined \
	  $(LDFLAGS) -o $@ $^ -linih -lpam

# it makes vmgate's own thread creation fail (libvirt's is untouched)
$(BUILD)/tests/test_hypervisor_threads: UNIT_LDFLAGS = -Wl,--wrap=pthread_create

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libvmgate.a | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -fPIE $(EXE_LDFLAGS) $(UNIT_LDFLAGS) \
	  -DTEST_DATA='"$(CURDIR)/tests/unit/data"' -DBUILD_DIR='"$(CURDIR)/$(BUILD)"' \
	  -o $@ $< $(BUILD)/libvmgate.a $(PKG_LIBS) -lcmocka -lpam -lpamtest

$(BUILD)/e2e/%: tests/e2e/%.c $(E2E_LIB) $(wildcard tests/e2e/*.h) $(BUILD)/libvmgate.a | $(BUILD)/e2e
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -fPIE $(EXE_LDFLAGS) \
	  -DE2E_DIR='"$(CURDIR)/tests/e2e"' -DBUILD_DIR='"$(CURDIR)/$(BUILD)"' \
	  -o $@ $< $(E2E_LIB) $(BUILD)/libvmgate.a $(PKG_LIBS) -lcmocka -lutil

$(BUILD)/bench/runner $(BUILD)/bench/flood: $(BUILD)/bench/%: tests/bench/%.c | $(BUILD)/bench
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BUILD)/bench/mini: tests/bench/mini.c | $(BUILD)/bench
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(shell $(PKG_CONFIG) --cflags --libs libvirt)

$(BUILD)/bench/guest: tests/bench/guest.c $(E2E_LIB) $(wildcard tests/e2e/*.h) | $(BUILD)/bench
	$(CC) $(BENCH_CFLAGS) -Itests/e2e -Iinclude -DE2E_DIR='"$(CURDIR)/tests/e2e"' \
	  -o $@ $< $(E2E_LIB) $(shell $(PKG_CONFIG) --cflags --libs libvirt cmocka) -lutil

$(BUILD)/obj $(BUILD)/pic $(BUILD)/tests $(BUILD)/e2e $(BUILD)/bench:
	mkdir -p $@

# the last line of make check is the end-to-end summary (or, not root,
# what did not run): no "Leaving directory" after it
check: deps
	$(MAKE) all
	$(MAKE) check-unit
	@$(MAKE) --no-print-directory check-e2e

check-unit: unit-binaries bench-binaries
	@sh tests/unit/pamtester.sh $(BUILD)/pam_vmgate.so
	@MAKE=$(MAKE) sh tests/unit/install.sh

# the cmocka programs alone (the sanitizer build cannot be loaded by the
# system's pamtester, which is not built with ASan)
unit-binaries: $(UNIT_BIN) $(BUILD)/vmgate $(BUILD)/pam_vmgate.so
	@sh tests/unit/run.sh $(UNIT_BIN)

bench-binaries: $(BENCH_BIN)

check-e2e: $(BUILD)/vmgate $(BUILD)/pam_vmgate.so $(E2E_BIN)
	@sh tests/e2e/run.sh $(E2E_BIN)

check-sanitize:
	$(MAKE) BUILD=build/sanitize \
	  CFLAGS='-O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' \
	  LDFLAGS='-fsanitize=address,undefined' unit-binaries

demo: deps
	$(MAKE) all
	@sh contrib/demo.sh start

demo-stop:
	@sh contrib/demo.sh stop

bench: all bench-binaries
	@BENCH_BIN=$(CURDIR)/$(BUILD)/bench sh tests/bench/run.sh

fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/vmgate \
	  $(DESTDIR)$(PAMDIR)
	install -m 0755 $(BUILD)/vmgate $(DESTDIR)$(PREFIX)/bin/vmgate
	install -m 0644 $(BUILD)/pam_vmgate.so $(DESTDIR)$(PAMDIR)/pam_vmgate.so
	install -m 0644 man/vmgate.8 man/pam_vmgate.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 man/vmgate.ini.5 $(DESTDIR)$(PREFIX)/share/man/man5/vmgate.ini.5
	install -m 0644 conf/vmgate.ini.example conf/domain-example.xml \
	  $(DESTDIR)$(PREFIX)/share/vmgate/
	install -m 0644 contrib/sshd_config.vmgate contrib/pam.d-sshd \
	  $(DESTDIR)$(PREFIX)/share/vmgate/
	install -m 0755 contrib/vmgate-viewer $(DESTDIR)$(PREFIX)/share/vmgate/vmgate-viewer
	# session slots (vmgate(8), Sessions): now, and at every boot
	install -d -m 0755 $(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	install -m 0644 contrib/tmpfiles.d-vmgate.conf $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/vmgate.conf
	install -d -m 0755 $(DESTDIR)/run/vmgate
	install -d -m 1733 $(DESTDIR)/run/vmgate/sessions
	install -m 0644 contrib/nwfilter/vmgate-clean-traffic.xml \
	  $(DESTDIR)$(PREFIX)/share/vmgate/vmgate-clean-traffic.xml

clean:
	rm -rf build
