"""Celery discovers tasks in each app's tasks.py. The core's: outgoing webhook deliveries
(smm/webhooks.py, queue "webhooks"), worker heartbeats (one per queue) and the operations
alerts (smm/operations.py). The dispatcher's clock is posts/tasks.py's."""

from __future__ import annotations

import logging

from celery import shared_task

from smm import operations, webhooks

logger = logging.getLogger(__name__)


@shared_task(name="smm.tasks.heartbeat", ignore_result=True)
def heartbeat(queue: str) -> None:
    """Sent to each queue by beat; whichever worker consumes it proves the queue is served."""
    operations.record_heartbeat(queue)


@shared_task(name="smm.tasks.operations_alerts", ignore_result=True, soft_time_limit=100)
def operations_alerts() -> dict:
    result = operations.run_alerts()
    sent = {name: what for name, what in result.items() if what}
    if sent:
        logger.warning("Operations alerts sent: %s", sent)
    return result


@shared_task(name="smm.tasks.send_password_reset_email", ignore_result=True)
def send_password_reset_email(user_id: int) -> bool:
    """The reset link of one account (smm/password_reset.py), written in the worker."""
    from smm.password_reset import send_reset_email

    return send_reset_email(user_id)


# The webhook tasks keep the names they had when the API lived in the core (smm/api/tasks.py),
# so messages already queued under those names still find them. Both take ids and are safe to
# run twice: a delivery is claimed with a conditional UPDATE before it is sent.


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
