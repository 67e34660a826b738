from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"
    # (label, url name, right, order[, badge]): picked up by smm.context_processors.workspace_menu;
    # the badge names a function(request) -> int shown beside the label when not 0
    nav_entries = [
        ("Posts", "posts:list", "view", 20),
        ("Notices", "posts:notifications", "view", 22, "posts.notifications.nav_badge"),
    ]
    # queue of each task (merged into Celery's task_routes by smm/celery.py)
    # (emails wait on a mail server: they go to the general worker, not the publishing pool)
    task_routes = {
        "posts.tasks.*": "publish",
        "posts.tasks.email_notices": "default",
        # a bulk import is long work for a person waiting on a page, not publishing
        "posts.tasks.run_bulk_import": "default",
        # unfinished resumable uploads past their expiry (posts/uploads.py)
        "posts.tasks.delete_expired_uploads": "default",
        # video conversions: CPU-heavy, their own workers (posts/transcode.py)
        "posts.tasks.transcode_video": "media",
        "posts.tasks.requeue_stuck_conversions": "media",
    }
    # Publishing's health on the operations page, its JSON, monitoring and alert emails
    # (called by smm.operations, which knows no post)
    operations_report = "posts.health.report"
    operations_json = "posts.health.as_json"
    operations_alerts = "posts.health.run_alerts"

    @property
    def beat_schedule(self) -> dict:
        """The publishing engine's clock (merged by smm/celery.py). ``expires`` drops ticks
        that waited in the queue (a worker was down): the next tick does the same work."""
        from django.conf import settings

        sweep = float((getattr(settings, "PUBLISH_TIMINGS", None) or {}).get("sweep", 15))
        return {
            "posts.dispatch_due": {
                "task": "posts.tasks.dispatch_due",
                "schedule": 1.0,
                "options": {"queue": "publish", "expires": 10},
            },
            "posts.sweep_leases": {
                "task": "posts.tasks.sweep_leases",
                "schedule": sweep,
                "options": {"queue": "publish", "expires": max(sweep, 10)},
            },
            # unfinished resumable uploads past their expiry: their bytes deleted
            "posts.delete_expired_uploads": {
                "task": "posts.tasks.delete_expired_uploads",
                "schedule": 3600.0,
                "options": {"queue": "default", "expires": 3000},
            },
            # conversions whose worker died: sent again (posts.transcode.requeue_stuck)
            "posts.requeue_stuck_conversions": {
                "task": "posts.tasks.requeue_stuck_conversions",
                "schedule": 60.0,
                "options": {"queue": "media", "expires": 55},
            },
        }
