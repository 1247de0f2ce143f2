"""gunicorn settings for 爱心妈妈结对关爱 (see docs/deploy.md).

    .venv/bin/gunicorn -c docs/deploy/gunicorn.conf.py config.wsgi

Used as is by docs/deploy/aixin-web.service and by the smoke test core/tests/test_deploy.py.
Bind address and worker count come from the environment file (.env beside manage.py, as for
Django), so one file serves every server.
"""

import multiprocessing
import os
from pathlib import Path

import environ

# The same environment file Django reads (systemd also passes it in; variables already set win).
environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env", overwrite=False)

# nginx on the same machine forwards to this address; never expose gunicorn itself.
# Several app servers behind one nginx: bind to the private address instead (docs/deploy.md).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: the pages are short database-bound requests. 2 × cores + 1, at most 9.
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "sync"
# A county's monthly ledger is written inside its request; a city-wide one may take a while.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# Recycle workers now and then (bounds memory growth); the jitter keeps them from restarting together.
max_requests = 1000
max_requests_jitter = 100
# X-Forwarded-Proto (HTTPS at nginx) is trusted from nginx on this machine only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Logs go to stdout/stderr, which systemd keeps in the journal (journalctl -u aixin-web).
accesslog = "-"
errorlog = "-"
loglevel = "info"
# The path without the query string: searches (?q=) may carry a child's name or ID digits.
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
proc_name = "aixin-web"
