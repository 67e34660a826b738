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
        nothing to drain without a buffer (the embedded run writes clicks directly). The
        GA4 pull's check runs hourly."""
        from django.conf import settings

        # GA4 connections due (daily, or after a rate limit's wait): checked every hour
        schedule = {
            "links.ga4_pull_due": {
                "task": "links.tasks.ga4_pull_due",
                "schedule": 3600.0,
                "options": {"queue": "default", "expires": 1800},
            }
        }
        if not settings.CLICK_BUFFER_URL:
            return schedule
        return {
            **schedule,
            "links.drain_clicks": {
                "task": "links.tasks.drain_clicks",
                "schedule": 3.0,
                "options": {"queue": "default", "expires": 10},
            },
        }
