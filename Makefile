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

.PHONY: all deps build run test unit asan e2e oracle bench clean format

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
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

bench: build
	@echo "see BENCHMARKS.md for the commands"

format:
	clang-format -i src/*/*.[ch] tests/unit/*/*.c

clean:
	rm -rf $(BUILD) $(ASAN)
