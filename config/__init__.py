# Load Celery with Django, so that tasks queued by the app use the project's configuration.
from .celery import app as celery_app

__all__ = ["celery_app"]
