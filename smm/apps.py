from django.apps import AppConfig


class SmmConfig(AppConfig):
    name = "smm"
    verbose_name = "SMM core"
    # Queue of each task (merged into Celery's task_routes by smm/celery.py). The heartbeat
    # is not routed: beat sends it to each queue in turn with an explicit queue.
    task_routes = {
        "smm.tasks.operations_alerts": "default",
        "smm.tasks.send_password_reset_email": "default",
        "smm.api.tasks.*": "webhooks",
    }
