# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
WFM := $(VENV)/bin/wfm
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP_DEV := $(VENV)/.installed-dev-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install install-dev translations browser clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(VENV)/bin/activate
	$(PIP) install --quiet -e .
	touch $@

$(STAMP_DEV): $(VENV)/bin/activate
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)
install-dev: $(STAMP_DEV)

translations: $(STAMP)
	@if ls webapp/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(VENV)/bin/pybabel -q compile -d webapp/translations; fi

## Set up, migrate, load the demo center when the database is empty, serve on :5000.
run: install translations
	$(WFM) db upgrade
	$(WFM) demo load --if-empty
	WFM_SCHEDULER_IN_PROCESS=1 $(WFM) run --host 127.0.0.1 --port 5000

## Browser tests need Debian's Chromium (Playwright's own download cannot work offline)
## and a CJK font, or Chinese pages render as empty boxes in screenshots.
browser:
	@(command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK") || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) || \
	  echo "warning: could not install chromium/fonts-noto-cjk; browser tests will fail"

## Install dev extras and run the whole suite (SQLite and PostgreSQL).
test: install-dev translations browser
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
