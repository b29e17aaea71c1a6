# The two commands of the README. Both install what is missing first.
.PHONY: dev test tools build size load-check

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

# make test three times beside two CPU-bound processes (issue 9).
load-check: tools
	bash scripts/load-check.sh
