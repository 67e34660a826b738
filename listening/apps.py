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
        },
        # Mastodon hashtag timelines and search, X recent search (Mastodon: 300 calls / 5 min per account).
        "listening.poll_sources": {
            "task": "listening.tasks.poll_sources",
            "schedule": 60.0,
            "options": {"queue": "default", "expires": 55},
        },
        "listening.fill_reach": {
            "task": "listening.tasks.fill_reach",
            "schedule": 300.0,
            "options": {"queue": "default", "expires": 290},
        },
        "listening.snapshot_competitors": {
            "task": "listening.tasks.snapshot_competitors",
            "schedule": 6 * 3600.0,  # a snapshot a day (the day's row is rewritten until midnight)
            "options": {"queue": "default", "expires": 3600},
        },
    }
    # The weekly report's listening section (analytics may not import listening).
    report_section = "listening.report.weekly_section"
