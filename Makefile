# Two commands for a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Tests run with production settings (DEBUG off); only the secret and the HTTPS redirect
# (the test client speaks plain HTTP) are set for them.
TEST_ENV := DJANGO_DEBUG=off DJANGO_SECRET_KEY=test-only-secret-key-not-for-production DJANGO_SECURE_SSL_REDIRECT=off

.PHONY: run test security install migrate demo lint messages check-deploy bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（未找到 $(PYTHON)）"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@# A development checkout gets DJANGO_DEBUG=on in .env (git-ignored) so plain `manage.py`
	@# commands work; production sets its variables itself and never runs make.
	@test -f .env || printf 'DJANGO_DEBUG=on\n' > .env
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DJANGO_DEBUG=on $(PY) manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=on $(PY) manage.py seed_demo

# The background-job worker (reports' job_worker: django-tasks' db_worker that reconnects) and the dashboards'
# figures (refresh_figures every minute; a timer in production) run beside runserver and stop with it:
# on Ctrl+C both get SIGINT; if runserver exits any other way the EXIT trap stops the worker.
PORT ?= 8000
run: demo
	@echo "打开 http://127.0.0.1:$(PORT)/admin/ 用上面的演示账号登录 (Ctrl+C 停止；后台任务进程随之停止)"
	@DJANGO_DEBUG=on $(PY) manage.py job_worker --no-reload --interval 1 & worker=$$!; \
	DJANGO_DEBUG=on $(PY) manage.py refresh_figures --every 60 >/dev/null & figures=$$!; \
	trap 'kill $$worker $$figures 2>/dev/null; wait $$worker $$figures 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	DJANGO_DEBUG=on $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The browser tests (e2e/, Playwright + the system Chromium) share one xdist group, so they run
# on one worker (--dist loadgroup); without /usr/bin/chromium they skip and say how to install it.
test: install
	$(TEST_ENV) $(PY) -m pytest -n $${PYTEST_WORKERS:-2} --dist loadgroup $(PYTEST_ARGS)

# Hostile input, search oracles, concurrency and recovery (pytest -m security; docs/security.md).
security: install
	$(TEST_ENV) $(PY) -m pytest -m security -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# Regenerate and compile the Chinese catalogue (needs GNU gettext; the compiled .mo is committed).
messages: install
	DJANGO_DEBUG=on $(PY) manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'bench/*'
	DJANGO_DEBUG=on $(PY) manage.py compilemessages -l zh_Hans --ignore '.venv/*'

check-deploy: install
	DJANGO_DEBUG=off DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=aixin.example.gov.cn $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# `make bench`: each scale of BENCH_SCALES (city, province, x3 = three provinces) in its own
# PostgreSQL database aixin_bench_<scale>, seeded by `seed_demo --scale` (its log, with the
# seeding time, in bench/results/seed-<scale>.log); then bench/run.py measures the pages there
# (bench/results/<scale>.json) and rewrites bench/RESULTS.md with the scales side by side.
# Not part of `make test`. BENCH_FRESH=0 reuses a database already seeded (seeding resumes where
# it stopped); BENCH_CASES="changelists:child,visit dashboard" runs only those cases;
# BENCH_SCOPES="province admin" only that scope; BENCH_RUNS=3 fewer requests per page.
BENCH_SCALES ?= city province x3
BENCH_FRESH ?= 1
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_ENV = DATABASE_URL=$(BENCH_PG)/aixin_bench_$$scale BENCH_SCALE=$$scale DJANGO_DEBUG=off \
	DJANGO_SECRET_KEY=bench-only-secret-key DJANGO_SECURE_SSL_REDIRECT=off \
	DJANGO_ALLOWED_HOSTS=testserver,127.0.0.1,localhost DJANGO_STATIC_ROOT=bench/.static

bench: install
	$(PY) -m pip install --quiet -r requirements-bench.txt
	@mkdir -p bench/results
	@set -e; for scale in $(BENCH_SCALES); do \
	  echo "== $$scale: aixin_bench_$$scale"; \
	  if [ "$(BENCH_FRESH)" = "1" ]; then \
	    psql "$(BENCH_PG)/postgres" -qc "DROP DATABASE IF EXISTS aixin_bench_$$scale"; \
	    psql "$(BENCH_PG)/postgres" -qc "CREATE DATABASE aixin_bench_$$scale"; \
	  else psql "$(BENCH_PG)/postgres" -qc "CREATE DATABASE aixin_bench_$$scale" 2>/dev/null || true; fi; \
	  $(BENCH_ENV) $(PY) manage.py migrate --noinput -v0; \
	  $(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0; \
	  $(BENCH_ENV) $(PY) manage.py seed_demo --scale $$scale > bench/results/seed-$$scale.new; \
	  cat bench/results/seed-$$scale.new; \
	  if grep -q "^  [0-9]*:" bench/results/seed-$$scale.new; then \
	    mv bench/results/seed-$$scale.new bench/results/seed-$$scale.log; \
	  else rm bench/results/seed-$$scale.new; fi; \
	  $(BENCH_ENV) $(PY) bench/run.py $(BENCH_CASES); \
	done
