# Zhiri — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
UV := scripts/uv.sh
RUN := $(UV) run --frozen

.PHONY: run test lint bench setup postgres chromium fonts office

# Bytecode compiled once (the installed packages by uv, ours by compileall): where PYTHONDONTWRITEBYTECODE is
# set, as on this project's machines, every process (each `zhiri` command, each test's bot) otherwise compiles
# every module it imports again, seconds of CPU each time. Python still checks each file's source is unchanged.
PACKAGES := acts bot channels domain handlers jobs replies reports storage sheetread web webread

setup:
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(RUN) python -m compileall -q $(PACKAGES) > /dev/null

run: setup
	$(RUN) zhiri run

# PostgreSQL server binaries for the storage tests (Debian's package); the tests start their own server.
postgres:
	@bash scripts/ensure-postgres.sh

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports

# Headless Chromium and its driver (Debian's packages) for the web page's browser test (tests/web/test_browser.py).
chromium:
	@bash scripts/ensure-chromium.sh

# A font that draws Chinese for the report charts (Debian's fonts-wqy-microhei when fontconfig knows none).
fonts:
	@bash scripts/ensure-fonts.sh

# LibreOffice (headless) and poppler's tools, to render the bulletin's pages in a test (Debian's packages).
office:
	@bash scripts/ensure-office.sh

# Two test processes (pytest-xdist), one per core of a small machine; a file's tests stay in one process.
test: setup postgres chromium fonts office lint
	$(RUN) pytest -q -n 2 --dist loadfile

bench: setup
	$(RUN) python -m bench
