from django.apps import AppConfig


class RecurringConfig(AppConfig):
    """Repeating series (RFC 5545 rules in the brand's zone, materialised ahead as ordinary
    posts) and evergreen categories (posts that recycle into free posting slots)."""

    name = "recurring"
    verbose_name = "Recurring and evergreen posts"
    # Materialising writes posts (database work): the general worker, not the publishing pool.
    task_routes = {"recurring.tasks.*": "default"}

    @property
    def beat_schedule(self) -> dict:
        """Materialise the series' coming occurrences and recycle evergreen posts every few
        minutes (merged by smm/celery.py). Both are safe to run twice; a tick that waited
        in the queue expires: the next one does the same work."""
        from django.conf import settings

        every = float(getattr(settings, "RECURRING_TICK_SECONDS", 300))
        return {
            "recurring.materialise": {
                "task": "recurring.tasks.materialise_all",
                "schedule": every,
                "options": {"queue": "default", "expires": every},
            },
            "recurring.recycle_evergreen": {
                "task": "recurring.tasks.recycle_evergreen",
                "schedule": every,
                "options": {"queue": "default", "expires": every},
            },
        }
