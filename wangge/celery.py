"""Celery app. With REDIS_URL set, run workers with `celery -A wangge worker`; without it tasks run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")

app = Celery("wangge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
