"""A small Mastodon-API-compatible network for the demo, tests and benchmarks. Never in production."""

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = "Sandbox network (demo and tests only)"
    # queue of each task (merged into Celery's task_routes by smm/celery.py)
    task_routes = {"sandbox.tasks.*": "default"}
    # The audience simulator likes, boosts and answers recent posts so the demo's
    # metrics and inbox fill up; the sandbox app is only installed in dev/demo/test.
    beat_schedule = {
        "sandbox-audience": {"task": "sandbox.tasks.simulate_audience", "schedule": 60.0},
    }
