from django.apps import AppConfig


class SmmConfig(AppConfig):
    name = "smm"
    verbose_name = "SMM core"
    # Queue of each task (merged into Celery's task_routes by smm/celery.py). The heartbeat
    # is not routed: beat sends it to each queue in turn with an explicit queue.
    task_routes = {
        "smm.tasks.operations_alerts": "default",
        "smm.tasks.send_password_reset_email": "default",
        "smm.api.tasks.*": "webhooks",  # smm/tasks.py's webhook tasks, under their old names
    }

    def ready(self):
        # API tokens, outgoing webhooks and networks' API allowance use are rows of this app
        # (their tables stay smm_*), defined beside the core's models rather than re-exported by them.
        from smm import models_api, quota  # noqa: F401
