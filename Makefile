# ddbchat front door.
#   make          build (build/ddbchat)
#   make run      install what's missing, build, create table + demo data if empty, serve
#   make test     install what's missing, build, run every test (unit, ASan+UBSan unit,
#                 end-to-end against ddbchat and against AWS's DynamoDB Local)
BUILD    ?= build
ASAN     ?= build-asan
DATA_DIR ?= ./data
PY       := /usr/bin/python3
JOBS     ?= $(shell nproc)
MAKEFLAGS += --no-print-directory

.PHONY: all deps configure build run test unit asan e2e oracle bench bench-peers clean format

all: build

deps:
	@scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS) -- -s

run: configure
	@cmake --build $(BUILD) -j $(JOBS) --target ddbchat -- -s
	$(BUILD)/ddbchat serve --data-dir $(DATA_DIR) --demo

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DDDB_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

oracle:
	@scripts/deps.sh oracle

e2e: build oracle
	DDBCHAT_BIN=$(abspath $(BUILD))/ddbchat $(PY) -m pytest -q tests/e2e
	DDBCHAT_BIN=$(abspath $(BUILD))/ddbchat $(PY) -m pytest -q tests/e2e --target=dynamodb-local
	DDBCHAT_BIN=$(abspath $(BUILD))/ddbchat $(PY) -m pytest -q tests/e2e/test_messaging*.py --msg-backend=ddbchat
	DDBCHAT_BIN=$(abspath $(BUILD))/ddbchat $(PY) -m pytest -q tests/e2e/test_messaging*.py --msg-backend=dynamodb-local

test: unit asan e2e

# The benchmarks behind BENCHMARKS.md (numbers are machine-dependent; never asserted).
bench: build oracle
	$(BUILD)/bench_expr 200000
	$(BUILD)/bench_engine
	bench/run_http.sh 5 4

# ddbchat side by side with DynamoDB Local (-inMemory, -dbPath) and dynalite: every workload
# at 1, 8 and 64 connections with wrk, one table (BENCHMARKS.md).  ~25 min; BENCH_ARGS adds
# options, e.g. BENCH_ARGS=--quick (checks the runner in ~2 min) or "--repeat 3".
BENCH_ARGS ?=
bench-peers: build oracle
	$(PY) bench/peers/run.py --bin $(abspath $(BUILD))/ddbchat $(BENCH_ARGS)

# The cost of DynamoDB Streams (BENCHMARKS.md, "DynamoDB Streams"): durable PutItem at 64
# connections with and without a stream, GetRecords of 1,000 records.  ~1 min.
.PHONY: bench-streams
bench-streams: build
	$(PY) bench/streams/run.py --bin $(abspath $(BUILD))/ddbchat

format:
	clang-format -i src/*/*.[ch] tests/unit/*/*.c

clean:
	rm -rf $(BUILD) $(ASAN)

# make fuzz   build an ASan+UBSan ddbchat and run tests/fuzz/fuzz_endpoint.py against it
#             (not part of `make test`).  FUZZ_COUNT requests (default 3000) from seed
#             FUZZ_SEED (default 1); FUZZ_ARGS adds options, e.g. "--jobs 4 --sign".
#             A finding is saved under tests/fuzz/crashes/ and fails the target.
FUZZ_BUILD ?= build-fuzz
FUZZ_COUNT ?= 3000
FUZZ_SEED  ?= 1
FUZZ_ARGS  ?=
.PHONY: fuzz
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDDB_SANITIZE=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target ddbchat
	$(PY) tests/fuzz/fuzz_endpoint.py --bin $(FUZZ_BUILD)/ddbchat --count $(FUZZ_COUNT) \
		--seed $(FUZZ_SEED) --quiet $(FUZZ_ARGS)
