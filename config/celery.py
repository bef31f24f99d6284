"""The Celery application: background work on Redis (see docs/deploy.md).

Start a worker with `celery -A config worker` and the schedule with `celery -A config beat`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ssc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
