from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "links"
    verbose_name = "Links"
    nav_entries = [("Links", "links:list", "view", 36)]
    # The click drain writes to the database only: the general worker.
    task_routes = {"links.tasks.*": "default"}
    # Published targets' links get UTM parameters and short links (read by posts.link_hooks)
    publish_links = "links.publishing.rewrite"
    operations_report = "links.health.report"
    operations_json = "links.health.as_json"
    # The dashboard's campaign money card, report and CSV (read by analytics.money)
    roi_rows = "links.roi.dashboard_rows"

    @property
    def beat_schedule(self) -> dict:
        """Buffered clicks into the database every few seconds (merged by smm/celery.py);
        nothing to drain without a buffer (the embedded run writes clicks directly)."""
        from django.conf import settings

        if not settings.CLICK_BUFFER_URL:
            return {}
        return {
            "links.drain_clicks": {
                "task": "links.tasks.drain_clicks",
                "schedule": 3.0,
                "options": {"queue": "default", "expires": 10},
            }
        }
