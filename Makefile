# The two commands of the README. Both install what is missing first.
.PHONY: dev test tools build size bench load-check

dev: tools
	bash scripts/dev.sh

test: tools
	bash scripts/test.sh

tools:
	bash scripts/install-tools.sh

build: tools
	PATH="$$PWD/tools/node_modules/.bin:$$PATH" trunk build --release

size: build
	bash scripts/size.sh

# The benchmark (issues 8 and 16): floods, a reload with a long history, a
# search in a million entries and a 4 GiB hostile flood; prints figures and
# PASS/FAIL per target, exits 0 whenever it could measure. About 15 minutes
# on 2 busy cores. A quick run:
# make bench BENCH_ARGS='--sizes 10000,100000'
bench: build
	node e2e/bench.js $(BENCH_ARGS)

# make test three times beside two CPU-bound processes (issue 9).
load-check: tools
	bash scripts/load-check.sh
