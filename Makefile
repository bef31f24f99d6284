# make run  — set everything up and serve the demo on http://127.0.0.1:8000 (SQLite)
# make test — lint, migration check and the whole test suite (DATABASE_URL picks the database)

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test install system-deps lint deploy-check messages

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: system-deps $(STAMP)

# WeasyPrint needs Pango, and PDFs with Chinese text need a CJK font. Without HarfBuzz's
# subsetter WeasyPrint subsets the embedded CJK font with fontTools: 20x slower per page.
# The browser tests (tests/browser) drive Debian's chromium: Playwright's own browser builds
# are downloads that our machines cannot reach.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei \
	chromium poppler-utils
system-deps:
	@if ! ldconfig -p | grep -q libpango-1.0 || ! ldconfig -p | grep -q libharfbuzz-subset \
	    || ! fc-list :lang=zh | grep -q . || ! test -x /usr/bin/chromium \
	    || ! test -x /usr/bin/pdftotext; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "Please install $(SYSTEM_PACKAGES) (root needed)."; \
	  fi; \
	fi

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py signing_key --demo
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -r approvals issuers config -x "*/migrations/*"

# The production profile must pass Django's deployment checks.
# The office's real key is installed in production only: here its paths stand for it (a demo
# key left by `make run` would rightly fail the check, approvals.W001).
deploy-check: $(STAMP)
	DEBUG=false SECRET_KEY=ci-only-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
	  DOCUMENT_SIGNING_KEY=/etc/ssc/office-key.pem DOCUMENT_SIGNING_CERT=/etc/ssc/office-cert.pem \
	  $(PY) manage.py check --deploy --fail-level WARNING

test: install lint deploy-check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -q

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv
