"""A Celery worker whose document rendering announces itself and then stalls, so that a
test can kill the worker in the middle of a task. Used only by test_celery_worker.py."""

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]


@worker_process_init.connect
def stall_rendering(**kwargs) -> None:
    from approvals import documents

    render = documents.render_pdf

    def stalled(*args, **kw):
        Path(os.environ["RENDER_STARTED"]).touch()
        time.sleep(600)
        return render(*args, **kw)

    documents.render_pdf = stalled
