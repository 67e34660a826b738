"""The Celery app. Tasks are discovered in every installed app's tasks.py; each app
declares its periodic tasks as ``beat_schedule`` on its AppConfig, merged here, so no
shared settings file needs editing when an app adds one."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")

app = Celery("smm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _merge_app_schedules(sender, **kwargs):
    from django.apps import apps

    schedule = dict(sender.conf.beat_schedule or {})
    for config in apps.get_app_configs():
        schedule.update(getattr(config, "beat_schedule", {}) or {})
    sender.conf.beat_schedule = schedule
