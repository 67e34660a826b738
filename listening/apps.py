from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening"
    nav_entries = [("Listening", "listening:dashboard", "view_analytics", 34)]
    # Spike checks read the database and send an email: the general worker.
    task_routes = {"listening.tasks.*": "default"}
    operations_report = "listening.health.report"
    operations_json = "listening.health.as_json"
    beat_schedule = {
        # Every 30 s, so a 10-minute bucket's spike is seen within a minute of its close.
        "listening.check_spikes": {
            "task": "listening.tasks.check_spikes",
            "schedule": 30.0,
            "options": {"queue": "default", "expires": 25},
        }
    }
