"""The Celery app. Tasks are discovered in every installed app's tasks.py; each app
declares its periodic tasks as ``beat_schedule`` and the queue of its tasks as
``task_routes`` on its AppConfig, merged here, so no shared settings file needs editing
when an app adds one.

``task_routes`` on an AppConfig maps a task name or a glob pattern (``"posts.tasks.*"``)
to a queue name (or a route dict). Exact names win over patterns; a queue given when a
task is sent (``apply_async(queue=...)``, a beat entry's ``options``) wins over both;
tasks that no app routes go to ``task_default_queue``."""

import os

from celery import Celery
from celery.app.routes import MapRoute
from celery.signals import beat_init, task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")

app = Celery("smm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def app_task_routes() -> dict:
    """Every installed app's ``task_routes``, exact names first (then patterns in app order)."""
    from django.apps import apps

    merged: dict = {}
    for config in apps.get_app_configs():
        merged.update(getattr(config, "task_routes", {}) or {})
    return dict(sorted(merged.items(), key=lambda item: "*" in item[0] or "?" in item[0]))


class AppConfigRouter:
    """A Celery router reading the apps' ``task_routes`` the first time a task is sent
    (the Django app registry is not ready yet when this module is imported)."""

    def __init__(self):
        self._map: MapRoute | None = None

    def __call__(self, name, args=None, kwargs=None, options=None, task=None, **kw):
        if self._map is None:
            self._map = MapRoute(app_task_routes())
        return self._map(name)


@app.on_after_configure.connect
def _add_app_routes(sender, source, **kwargs):
    # routes from settings (CELERY_TASK_ROUTES) stay first, so they can override an app's
    configured = source.task_routes
    if not configured:
        configured = []
    elif isinstance(configured, (dict, str)):
        configured = [configured]
    source.task_routes = [*configured, AppConfigRouter()]


@app.on_after_finalize.connect
def _merge_app_schedules(sender, **kwargs):
    from django.apps import apps

    schedule = dict(sender.conf.beat_schedule or {})
    for config in apps.get_app_configs():
        schedule.update(getattr(config, "beat_schedule", {}) or {})
    sender.conf.beat_schedule = schedule


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(sender=None, **kwargs):
    """Before and after each task: drop this thread's database connections that are
    broken or older than CONN_MAX_AGE, keep the others (see CELERY_DB_REUSE_MAX). Not
    for a task run eagerly inside the caller (tests): its connection is the caller's."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_ready.connect
@beat_init.connect
def _record_start(**kwargs):
    """Remember the start: until the new processes tick, the previous run's clock and
    heartbeats are not an outage (smm.operations.just_started)."""
    try:
        from smm import operations

        operations.record_start()
    except Exception:  # noqa: BLE001 - monitoring must never stop a start
        import logging

        logging.getLogger(__name__).warning("Could not record the start for the operations page")
