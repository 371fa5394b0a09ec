.PHONY: install run test lint bench clean

install:
	./scripts/install.sh

run:
	./scripts/run.sh

test:
	./scripts/test.sh

lint: install
	.venv/bin/ruff check . && .venv/bin/lint-imports

bench: install
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	.venv/bin/python -m bench

clean:
	-.venv/bin/python -m devenv down var
	rm -rf var
