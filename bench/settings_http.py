"""Settings for bench.http: the app's production settings with a bench urlconf on top.

config/ is not touched: gunicorn runs `config.wsgi` with DJANGO_SETTINGS_MODULE pointing here,
so the inbox and the trivial baseline view go through one process, one middleware stack and
one resolver.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_http"
