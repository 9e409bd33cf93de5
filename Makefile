# lakehouse build. `make` builds build/lakehouse (optimized).
#   make                  optimized build in build/
#   make asan             ASan+UBSan build at -O1 in build-asan/ (crash points on)
#   make unit             build and run the unit tests (optimized)
#   make unit-asan        the same under the sanitizers
#   make fuzz             libFuzzer targets in build-fuzz/ (clang)
#   make format / format-check / lint
CC      ?= cc
PKGS    := libuv jansson yaml-0.1 sqlite3 openssl libcurl zlib libpcre2-8 libedit libutf8proc \
           snappy libzstd liblz4 libbrotlienc libbrotlidec rdkafka
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lpthread -lm

WARN    := -std=c11 -Wall -Wextra -Wshadow -Wundef -Wwrite-strings \
           -Wmissing-prototypes -Werror -Wno-unused-parameter
DEFS    := -D_GNU_SOURCE -DLH_VERSION=\"$(shell cat VERSION)\"
INCS    := -Isrc

BUILD   ?= build
MODE    ?= release
ifeq ($(MODE),asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
         -fno-sanitize-recover=undefined -DLH_TEST_HOOKS=1
  LDOPT := -fsanitize=address,undefined
else
  OPT := -O2 -g
  LDOPT :=
endif
CFLAGS_ALL := $(WARN) $(OPT) $(DEFS) $(INCS) $(PKG_CFLAGS) $(CFLAGS)

# every .c under src/<module>/ at any depth (src/sql/exec/*.c too); main.c links last
LIB_SRCS  := $(sort $(shell find src -mindepth 2 -name '*.c'))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/src/main.o
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all asan unit unit-asan fuzz fuzz-replay clean format format-check lint docs
all: $(BUILD)/lakehouse

$(BUILD)/lakehouse: $(MAIN_OBJ) $(BUILD)/liblh.a
	$(CC) $(LDOPT) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/liblh.a: $(LIB_OBJS)
	rm -f $@; ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

# the example pipeline is built into the binary (src/demo/embed.c, .incbin)
EXAMPLE_FILES := $(wildcard examples/medallion/*)
$(BUILD)/obj/src/demo/embed.o build-fuzz/obj/src/demo/embed.o: $(EXAMPLE_FILES)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/test.h tests/unit/tmpdir.h tests/unit/store_fixture.h tests/unit/server_fixture.h $(BUILD)/liblh.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(TEST_EXTRA) $(BUILD)/liblh.a $(LDOPT) $(PKG_LIBS)
$(BUILD)/tests/parquet_meta_test: tests/unit/parquet_sample.h
$(BUILD)/tests/objstore_test: tests/unit/objstore_cases.h tests/unit/objstore_remote_cases.h
$(BUILD)/tests/stream_batch_test $(BUILD)/tests/stream_log_test $(BUILD)/tests/stream_recovery_test: tests/unit/stream_enc.h
# the bench-only bulk loader is not in the shipped library; the engine test links it
$(BUILD)/tests/engine_test: TEST_EXTRA = bench/engine_bulk.c
$(BUILD)/tests/engine_test: bench/engine_bulk.c
$(BUILD)/tests/flow_exec_test $(BUILD)/tests/flow_launcher_test: tests/unit/flow_exec_fixture.h

# not a test: writes the Parquet files tests/integration/test_parquet_write.py reads
PQ_MATRIX := $(BUILD)/tests/parquet_write_matrix
# not a test either: writes the Delta table tests/integration/test_delta_duckdb.py reconstructs
DELTA_EXPORT := $(BUILD)/tests/delta_table_export
unit: $(UNIT_BINS) $(PQ_MATRIX) $(DELTA_EXPORT) $(BUILD)/lakehouse
	@tests/unit/run.sh $(UNIT_BINS)

asan:
	$(MAKE) BUILD=build-asan MODE=asan all
unit-asan:
	$(MAKE) BUILD=build-asan MODE=asan unit

FUZZ_SRCS := $(wildcard fuzz/*_fuzz.c)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build-fuzz/%)
FUZZ_CFLAGS := -std=c11 -g -O1 $(DEFS) $(INCS) $(PKG_CFLAGS)
FUZZ_OBJS := $(LIB_SRCS:%.c=build-fuzz/obj/%.o)
fuzz: $(FUZZ_BINS)
# the library is compiled once with coverage (fuzzer-no-link); each target links it
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<
build-fuzz/liblh-fuzz.a: $(FUZZ_OBJS)
	rm -f $@; ar rcs $@ $^
build-fuzz/%: fuzz/%.c build-fuzz/liblh-fuzz.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< build-fuzz/liblh-fuzz.a $(PKG_LIBS)
fuzz-replay: $(FUZZ_BINS)
	@fuzz/replay.sh $(FUZZ_BINS)

docs: $(BUILD)/lakehouse
	$(BUILD)/lakehouse config doc > docs/config.md

# one formatter for every machine: Debian 12's clang-format 14, by name
CLANG_FORMAT ?= clang-format-14
FORMAT_SRCS = $$(find src tests/unit fuzz bench -name '*.[ch]' | sort)
format:
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)
format-check:
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS) && echo "format: ok"
lint:
	@scripts/lint.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj build-fuzz/obj -name '*.d' 2>/dev/null)

# bench-only Kafka tools (issue 9's stream benchmark), not part of the binary or the tests:
# build/bench/kafka_load (load generator) and build/bench/kafka-mock (librdkafka's mock cluster)
KAFKA_BENCH_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror \
                      -D_GNU_SOURCE $(shell pkg-config --cflags rdkafka 2>/dev/null)
KAFKA_BENCH_LIBS   := $(shell pkg-config --libs rdkafka 2>/dev/null) -lpthread
KAFKA_LOAD_SRCS    := bench/kafka_load.c bench/kafka_load_produce.c bench/kafka_load_consume.c \
                      bench/kafka_load_latency.c
.PHONY: bench-kafka
bench-kafka: build/bench/kafka_load build/bench/kafka-mock
build/bench/kafka_load: $(KAFKA_LOAD_SRCS) bench/kafka_load.h
	@mkdir -p $(dir $@)
	$(CC) $(KAFKA_BENCH_CFLAGS) -o $@ $(KAFKA_LOAD_SRCS) $(KAFKA_BENCH_LIBS)
build/bench/kafka-mock: bench/kafka-mock.c
	@mkdir -p $(dir $@)
	$(CC) $(KAFKA_BENCH_CFLAGS) -o $@ $< $(KAFKA_BENCH_LIBS)

# bench-only spawn loop of issue 10's orchestrator benchmark (bench/flow_bench.sh): the same
# supervisor processes the scheduler starts, from a tight loop (the physical limit), and
# flow_slim: the same supervisor code linked with only the libraries it needs
.PHONY: bench-flow
bench-flow: build/bench/flow_spawn build/bench/flow_slim build/lakehouse
build/bench/flow_spawn: bench/flow_spawn.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror -D_GNU_SOURCE -o $@ $<
build/bench/flow_slim: bench/flow_slim.c build/liblh.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< build/liblh.a -Wl,--as-needed $(PKG_LIBS)
