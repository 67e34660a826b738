"""Meta (Facebook Page / Instagram) webhooks: the subscription handshake and signed deliveries.

Meta signs each delivery with ``X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret,
raw body)>``. The signature is checked in constant time over the exact bytes received,
before anything is parsed; a missing or wrong one is refused (403), logged, and
nothing of it is stored.

An accepted delivery is stored (``InboundWebhook``) and answered at once; a task
ingests it like polled items, so a delivery repeated by Meta (or also seen by
polling) is stored once. Meta wants its answer within seconds and batches up to a
thousand changes, so nothing slow happens in the request. The database holds the
delivery until it is in the inbox: a lost wake-up or a failed attempt (an error while
ingesting) is retried by the periodic sweep, with back-off, and a delivery that is
late or keeps failing is an incident for the operators (``incidents``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inbox.ingest import ingest
from inbox.models import InboundWebhook
from inbox.tasks import backoff_seconds, process_inbound_webhook
from smm.models import SocialAccount
from smm.platforms import registry
from smm.platforms.base import InboxItem as NetworkItem

log = logging.getLogger(__name__)

# A stored delivery whose wake-up was lost is picked up by the sweep after this.
FIRST_RETRY_AFTER = dt.timedelta(seconds=30)
# Failed attempts after which a delivery is an incident. It is still retried (hourly at
# most, the back-off's cap) until it is in the inbox or an operator deletes it: mentions
# and comments on older posts reach us by webhook only.
FAILING_AFTER = 8
# A delivery the sweep handed to a worker is not handed out again for this long.
SWEEP_LEASE = dt.timedelta(minutes=5)
# Processed deliveries are kept this long, for looking into a report.
KEEP_PROCESSED = dt.timedelta(days=7)
# A delivery not in the inbox after this long is an incident for the operators.
LATE = dt.timedelta(minutes=10)


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def parse_delivery(payload: dict, received_at=None) -> list[tuple[str, str, NetworkItem]]:
    """(network, account remote id, item) for every change a network's adapter understands
    (its ``parse_webhook``); the networks' payload shapes live in their adapters."""
    found = []
    for network in registry.NETWORKS.values():
        adapter = network.adapter_class
        if adapter.supports_webhooks and adapter.webhook_object == payload.get("object"):
            found += [(network.name, w.account_remote_id, w.item) for w in adapter.parse_webhook(payload, received_at)]
    return found


def ingest_delivery(payload: dict, received_at=None) -> int:
    by_account: dict[tuple[str, str], list[NetworkItem]] = {}
    for network, account_id, item in parse_delivery(payload, received_at):
        by_account.setdefault((network, account_id), []).append(item)
    new = 0
    for (network, account_id), items in by_account.items():
        # The same Page may be connected in several workspaces: each gets its copy.
        accounts = SocialAccount.objects.active().filter(network=network, remote_id=account_id).select_related("brand")
        for account in accounts:
            new += ingest(account, items, source="webhook")
    return new


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request):
    if request.method == "GET":
        token = settings.META_WEBHOOK_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") == "subscribe" and token and hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        log.warning("Meta webhook verification refused (mode=%r)", request.GET.get("hub.mode"))
        return HttpResponseForbidden("Verification token mismatch")

    body = request.body
    if not signature_ok(settings.META_APP_SECRET, body, request.headers.get("X-Hub-Signature-256")):
        log.warning(
            "Meta webhook refused: %s signature from %s (%d bytes)",
            "missing" if not request.headers.get("X-Hub-Signature-256") else "bad",
            request.META.get("REMOTE_ADDR", "?"),
            len(body),
        )
        return HttpResponseForbidden("Bad signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse("Not JSON", status=400)
    if isinstance(payload, dict) and parse_delivery(payload):
        receive("meta", payload)
    return HttpResponse("ok", content_type="text/plain")


def receive(source: str, payload: dict) -> InboundWebhook:
    """Store a verified delivery and wake a worker for it once the row is committed."""
    now = timezone.now()
    hook = InboundWebhook.objects.create(
        source=source, payload=payload, received_at=now, next_attempt_at=now + FIRST_RETRY_AFTER
    )
    transaction.on_commit(lambda: _wake(hook.pk))
    return hook


def _wake(hook_id: int) -> None:
    try:
        # No publish retries: Meta must not wait on a broker that does not answer.
        process_inbound_webhook.apply_async((hook_id,), retry=False)
    except Exception:  # the broker is down: the delivery is stored, the sweep takes it
        log.warning("inbound webhook %s stored; the worker could not be woken, the sweep will ingest it", hook_id)


def process(hook_id: int) -> str:
    """Ingest one stored delivery; safe to run twice and concurrently (row lock)."""
    now = timezone.now()
    with transaction.atomic():
        hook = (
            InboundWebhook.objects.select_for_update(skip_locked=True)
            .filter(pk=hook_id, processed_at__isnull=True)
            .first()
        )
        if hook is None:
            return "skipped"
        try:
            with transaction.atomic():
                new = ingest_delivery(hook.payload, hook.received_at)
        except SoftTimeLimitExceeded:
            raise  # the task ran out of time, not this delivery: no attempt is counted
        except Exception as exc:
            hook.attempts += 1
            hook.last_error = f"{type(exc).__name__}: {exc}"[:500]
            hook.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(hook.attempts))
            report = log.error if hook.attempts >= FAILING_AFTER else log.warning
            report("inbound webhook %s failed (attempt %d): %s", hook.pk, hook.attempts, hook.last_error)
            hook.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return "failed"
        hook.processed_at = now
        hook.new_items = new
        hook.next_attempt_at = None
        hook.save(update_fields=["processed_at", "new_items", "next_attempt_at"])
    return f"{new} new"


def process_pending(*, now=None, limit: int = 500) -> int:
    """The sweep: hand each due delivery to a worker, a task each (so the sweep itself
    stays short whatever the backlog), and drop processed ones past their keep. Returns
    how many were handed out."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            InboundWebhook.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        InboundWebhook.objects.filter(pk__in=due).update(next_attempt_at=now + SWEEP_LEASE)
    for pk in due:
        _wake(pk)
    InboundWebhook.objects.filter(processed_at__lt=now - KEEP_PROCESSED).delete()
    return len(due)


def incidents(now) -> list[str]:
    """For smm.operations: deliveries that have not reached the inbox in time."""
    waiting = InboundWebhook.objects.filter(processed_at__isnull=True, received_at__lt=now - LATE)
    found = []
    oldest = waiting.order_by("received_at").first()
    if oldest is not None:
        count = waiting.count()
        error = f"; last error: {oldest.last_error}" if oldest.last_error else ""
        found.append(
            f"{count} webhook deliver{'y has' if count == 1 else 'ies have'} waited over "
            f"{int(LATE.total_seconds() // 60)} minutes to reach the inbox "
            f"(oldest received {oldest.received_at:%Y-%m-%d %H:%M} UTC{error})."
        )
    failing = waiting.filter(attempts__gte=FAILING_AFTER).count()
    if failing:
        found.append(
            f"{failing} webhook deliver{'y keeps' if failing == 1 else 'ies keep'} failing ({FAILING_AFTER} attempts "
            "or more); each is retried every hour until it reaches the inbox. The error is in the admin "
            "(Inbound webhooks), where deleting a delivery stops its retries."
        )
    return found
