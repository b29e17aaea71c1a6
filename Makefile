# The two commands of the README. Both install what is missing first.
.PHONY: dev test tools build size

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
