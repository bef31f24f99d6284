"""gunicorn settings: `gunicorn -c config/gunicorn.conf.py config.wsgi` (see docs/deploy.md).

Each value can be overridden from the environment, e.g. GUNICORN_WORKERS=8.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Requests wait on the database and on WeasyPrint, so twice the cores plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# PDF rendering of a long decision can take a few seconds; uploads are up to 20 MB.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then, so that a slow leak in a library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# The load balancer terminates TLS and sets X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
