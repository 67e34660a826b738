from celery.schedules import crontab
from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    # (label, url name, right, order): picked up by smm.context_processors.workspace_menu
    nav_entries = [("Analytics", "analytics:dashboard", "view_analytics", 30)]
    # queue of each task (merged into Celery's task_routes by smm/celery.py)
    task_routes = {"analytics.tasks.*": "metrics"}
    beat_schedule = {
        "analytics-post-metric-pulls": {
            "task": "analytics.tasks.schedule_post_metric_pulls",
            "schedule": 300.0,
            "options": {"queue": "metrics"},
        },
        "analytics-account-metric-pulls": {
            "task": "analytics.tasks.schedule_account_metric_pulls",
            "schedule": crontab(minute=17),
            "options": {"queue": "metrics"},
        },
        "analytics-weekly-reports": {
            "task": "analytics.tasks.send_weekly_reports",
            "schedule": crontab(minute=5),
            "options": {"queue": "metrics"},
        },
    }
