"""Celery tasks of the outgoing webhooks (queue "webhooks"). They take ids and are safe to
run twice: a delivery is claimed with a conditional UPDATE before it is sent."""

from celery import shared_task

from smm.api import webhooks


@shared_task(name="smm.api.tasks.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.attempt_delivery(delivery_id)


@shared_task(name="smm.api.tasks.send_due_webhooks")
def send_due_webhooks() -> int:
    """The retry clock (beat): re-sends deliveries whose back-off has run out."""
    ids = webhooks.due_deliveries()
    for pk in ids:
        deliver_webhook.delay(pk)
    return len(ids)
