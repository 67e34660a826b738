"""Outgoing webhooks: a workspace's URLs are told about events, signed, retried with
back-off, every attempt recorded; a URL that keeps failing for three days is disabled
and the owners are told.

Other apps call ``emit(workspace, event, payload)`` inside their transaction: the
deliveries are rows written with it (a rollback sends nothing) and the sends are
enqueued after commit. Signature: ``X-SMM-Signature: sha256=<hex>`` where hex is
HMAC-SHA256(secret, "<X-SMM-Timestamp>." + raw body).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import time

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from smm.models import Membership, record_event
from smm.models_api import WEBHOOK_EVENTS, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from smm.platforms.base import PlatformError
from smm.platforms.http import BlockedAddress, HttpClient
from smm.roles import Role

logger = logging.getLogger(__name__)

EVENT_NAMES = [name for name, _ in WEBHOOK_EVENTS]
PING = "ping"
TIMEOUT = (5, 10)
SEND_LEASE = dt.timedelta(minutes=2)
# Wait before attempt n+1 after n failures; after the last one the delivery has failed.
BACKOFF = [
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
    dt.timedelta(hours=24),
    dt.timedelta(hours=24),
    dt.timedelta(hours=24),
]
DISABLE_AFTER = dt.timedelta(days=3)
SIGNATURE_HEADER = "X-SMM-Signature"
TIMESTAMP_HEADER = "X-SMM-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300, now=None) -> bool:
    """What a receiver does (documented for users; used by the tests)."""
    try:
        age = abs((now or time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def check_target_url(url: str) -> None:
    """Refuse URLs resolving to private/loopback addresses unless settings allow them."""
    HttpClient(allow_private=settings.ALLOW_PRIVATE_OUTBOUND).check_url(url)


def emit(workspace, event: str, payload: dict) -> list[WebhookDelivery]:
    """Record one delivery per active endpoint subscribed to ``event``; send after commit."""
    if event not in EVENT_NAMES and event != PING:
        raise ValueError(f"Unknown webhook event {event!r}")
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(workspace=workspace, active=True)
        if event == PING or event in e.events
    ]
    if not endpoints:
        return []
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(endpoint=e, event=event, payload=data, next_attempt_at=now) for e in endpoints
    ]
    from smm.tasks import deliver_webhook  # the tasks import this module

    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [deliver_webhook.delay(pk) for pk in ids])
    return deliveries


def envelope(delivery: WebhookDelivery) -> bytes:
    body = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "workspace": delivery.endpoint.workspace.slug,
        "data": delivery.payload,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def _claim(delivery_id: int, now) -> bool:
    return bool(
        WebhookDelivery.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            pk=delivery_id,
            state=WebhookDelivery.State.PENDING,
            endpoint__active=True,
        ).update(state=WebhookDelivery.State.SENDING, locked_until=now + SEND_LEASE)
    )


def attempt_delivery(delivery_id: int, *, now=None, session=None) -> str:
    """Send one delivery once (safe to call twice: only a pending, due delivery is claimed).
    Returns the delivery's state afterwards, or "skipped"."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint__workspace").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = envelope(delivery)
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-SMM-Event": delivery.event,
        "X-SMM-Delivery": str(delivery.event_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(endpoint.signing_secret, timestamp, body),
    }
    client = HttpClient(timeout=TIMEOUT, allow_private=settings.ALLOW_PRIVATE_OUTBOUND, session=session)
    status_code, excerpt, error = None, "", ""
    started = time.monotonic()
    try:
        response = client.post(endpoint.url, data=body, headers=headers, allow_redirects=False)
        status_code, excerpt = response.status_code, response.text[:500]
        if not 200 <= status_code < 300:
            error = f"The URL answered HTTP {status_code}"
    except BlockedAddress as exc:
        error = f"{exc}; webhooks may only go to public addresses"
    except PlatformError as exc:
        error = str(exc)
    except Exception as exc:  # a malformed URL, an odd TLS failure: record it, do not crash the worker
        error = f"{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    return _record(delivery, now, status_code, excerpt, error[:500], duration)


@transaction.atomic
def _record(delivery, now, status_code, excerpt, error, duration) -> str:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    delivery.attempt_count += 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_count,
        at=now,
        status_code=status_code,
        ok=not error,
        error=error,
        response_excerpt=excerpt,
        duration_ms=duration,
    )
    delivery.locked_until = None
    if not error:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = WebhookDelivery.State.SUCCEEDED, now, None
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
    else:
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
        if now - endpoint.failing_since >= DISABLE_AFTER:
            delivery.state, delivery.next_attempt_at = WebhookDelivery.State.FAILED, None
            delivery.save()
            disable(endpoint, f"Every delivery failed for {DISABLE_AFTER.days} days (last: {error})", now=now)
            return delivery.state
        if delivery.attempt_count > len(BACKOFF):
            delivery.state, delivery.next_attempt_at = WebhookDelivery.State.FAILED, None
        else:
            wait = BACKOFF[delivery.attempt_count - 1]
            jitter = dt.timedelta(seconds=random.uniform(0, wait.total_seconds() * 0.1))
            delivery.state, delivery.next_attempt_at = WebhookDelivery.State.PENDING, now + wait + jitter
    delivery.save()
    return delivery.state


def disable(endpoint: WebhookEndpoint, reason: str, *, now=None) -> None:
    """Stop sending to ``endpoint``, drop what is still waiting for it, tell the owners."""
    now = now or timezone.now()
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason"])
    endpoint.deliveries.filter(state=WebhookDelivery.State.PENDING).update(
        state=WebhookDelivery.State.FAILED, next_attempt_at=None
    )
    record_event(endpoint.workspace, None, "webhook.disabled", endpoint, f"Disabled {endpoint.url}: {reason}")
    owners = Membership.objects.filter(workspace=endpoint.workspace, role=Role.OWNER).select_related("user")
    emails = sorted({m.user.email for m in owners if m.user.email and m.user.is_active})
    if emails:
        text = (
            f"The webhook {endpoint.url} of {endpoint.workspace} was disabled: {reason}.\n\n"
            f"Fix the receiver, then enable it again on the API & webhooks page:\n"
            f"{settings.SITE_URL.rstrip('/')}/w/{endpoint.workspace.slug}/api/webhooks/{endpoint.pk}/\n"
        )
        transaction.on_commit(lambda: _mail(f"[SMM] Webhook disabled: {endpoint.url}", text, emails))


def _mail(subject, text, emails):
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, emails)
    except Exception:
        logger.exception("Could not email %s about a disabled webhook", emails)


def enable(endpoint: WebhookEndpoint) -> None:
    endpoint.active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason", "failing_since"])


def due_deliveries(now=None) -> list[int]:
    """Deliveries to send now: pending and due, or stuck in sending past their lease."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(state=WebhookDelivery.State.SENDING, locked_until__lt=now).update(
        state=WebhookDelivery.State.PENDING, locked_until=None
    )
    return list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now, endpoint__active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
