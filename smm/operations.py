"""Is the installation healthy? Worker heartbeats, queue depths, Redis and expiring tokens,
plus what each app reports about itself through its AppConfig (publishing: the dispatcher's
clock, late posts, the on-time rate, failures), for the operations page, its JSON twin, the
monitoring endpoint, and the alert emails (each sent once per incident).

An app takes part by naming dotted paths on its AppConfig (``smm`` imports none of them):
``operations_report(now, workspace, *, cache_down) -> dict`` (its figures for the report,
its incidents under ``"incidents"``), ``operations_json(report) -> dict`` (those figures as
JSON), ``operations_alerts(now) -> dict`` (emails it sent, merged into ``run_alerts``), and
``operations_incidents(now) -> list[str]`` (installation-wide incidents only).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "ops:heartbeat:{queue}"
# When a worker or beat last started. Signals live in the cache for a day, so right after a
# start they still hold the previous run's times: not an outage until the new processes
# have had START_GRACE seconds to renew them.
STARTED_KEY = "ops:started"
START_GRACE = 120

HEARTBEAT_EVERY = 30  # seconds between heartbeat tasks per queue
HEARTBEAT_STALE = 120  # no heartbeat for this long: the queue has no live worker
TOKEN_WARN_DAYS = (7, 1)
INCIDENT_TTL = 60 * 60 * 24 * 30  # dedupe keys outlive any incident worth a second email


# --- signals written by workers -------------------------------------------------------------


def record_signal(key: str, now: dt.datetime | None = None) -> None:
    """A worker's "I am alive at this time" under ``key`` (a heartbeat, a clock's tick)."""
    cache.set(key, (now or timezone.now()).isoformat(), timeout=24 * 3600)


def record_heartbeat(queue: str, now: dt.datetime | None = None) -> None:
    record_signal(HEARTBEAT_KEY.format(queue=queue), now)


def record_start(now: dt.datetime | None = None) -> None:
    """A worker or beat started (celery signals, smm/celery.py)."""
    record_signal(STARTED_KEY, now)


def just_started(last: dt.datetime | None, now: dt.datetime) -> bool:
    """True while a signal last renewed at ``last`` has not been renewed since the latest
    start and that start is less than START_GRACE seconds old: not yet an outage."""
    started = read_signal(STARTED_KEY)
    if started is None or (last is not None and last >= started):
        return False
    return (now - started).total_seconds() < START_GRACE


def read_signal(key: str) -> dt.datetime | None:
    try:
        raw = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage is itself shown as "no signal"
        logger.warning("Cache unreachable while reading %s", key)
        return None
    return dt.datetime.fromisoformat(raw) if raw else None


def heartbeats(now: dt.datetime) -> list[dict]:
    rows = []
    for queue in settings.WORKER_QUEUES:
        last = read_signal(HEARTBEAT_KEY.format(queue=queue))
        age = (now - last).total_seconds() if last else None
        ok = age is not None and age < HEARTBEAT_STALE
        rows.append(
            {
                "queue": queue,
                "last": last,
                "age_seconds": age,
                "ok": ok,
                "starting": not ok and just_started(last, now),
            }
        )
    return rows


def queue_depths() -> dict[str, int | str]:
    """Messages waiting per queue: LLEN on Redis (kombu keeps priorities in sibling lists);
    "unknown" on the filesystem broker or when the broker does not answer."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        return dict.fromkeys(settings.WORKER_QUEUES, "unknown")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        depths = {}
        for queue in settings.WORKER_QUEUES:
            keys = [queue, *(f"{queue}\x06\x16{step}" for step in (3, 6, 9))]
            depths[queue] = sum(client.llen(key) for key in keys)
        return depths
    except Exception:  # noqa: BLE001
        logger.warning("Broker unreachable while measuring queue depths")
        return dict.fromkeys(settings.WORKER_QUEUES, "unknown")


def _redis_servers() -> dict[str, dict]:
    """Each Redis server the installation uses, by address, with its URL and what it is
    used for (the cache: rate limits, heartbeats, locks; the broker: Celery's queues)."""
    uses: list[tuple[str, str]] = []
    cache_config = settings.CACHES.get("default", {})
    if cache_config.get("BACKEND", "").endswith("RedisCache"):
        location = cache_config.get("LOCATION", "")
        for url in location if isinstance(location, list | tuple) else location.split(","):
            uses.append((url.strip(), "cache"))
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
        uses.append((settings.CELERY_BROKER_URL, "broker"))
    servers: dict[str, dict] = {}
    for url, use in uses:
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else parts.path
        server = servers.setdefault(where, {"url": url, "uses": []})
        if use not in server["uses"]:
            server["uses"].append(use)
    return servers


def _without_secrets(text: str, url: str) -> str:
    parts = urlsplit(url)
    for secret in (url, parts.password, parts.username):
        if secret:
            text = text.replace(secret, "***")
    return text[:300]


def redis_outages() -> list[dict]:
    """The Redis servers that do not answer a PING, each with the error in its own words."""
    import redis

    down = []
    for where, server in _redis_servers().items():
        try:
            client = redis.Redis.from_url(server["url"], socket_timeout=2, socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as error:  # noqa: BLE001 - whatever stops it answering is the finding
            reason = _without_secrets(str(error) or type(error).__name__, server["url"])
            down.append({"where": where, "uses": server["uses"], "error": reason})
    return down


REDIS_CONSEQUENCES = {
    "cache": "logins and the API keep working, but API rate limits are not counted and worker heartbeats "
    "cannot be read",
    "broker": "scheduled posts and other work are not handed to the workers",
}


def redis_incident(outage: dict) -> str:
    consequences = "; ".join(REDIS_CONSEQUENCES[use] for use in outage["uses"])
    return (
        f"Redis at {outage['where']} is unreachable: {outage['error'].rstrip('.')}. Until it is back, {consequences}."
    )


# --- what the database says ------------------------------------------------------------------


def expiring_accounts(now: dt.datetime, workspace=None, days: int = 7):
    from smm.models import SocialAccount

    queryset = SocialAccount.objects.all() if workspace is None else SocialAccount.objects.for_workspace(workspace)
    return (
        queryset.filter(token_expires_at__isnull=False, token_expires_at__lte=now + dt.timedelta(days=days))
        .exclude(status=SocialAccount.Status.DISCONNECTED)
        .select_related("brand", "brand__workspace")
        .order_by("token_expires_at")
    )


# --- the report --------------------------------------------------------------------------------


def status(workspace=None, now: dt.datetime | None = None) -> dict:
    """Everything the page shows; ``workspace=None`` is the whole installation (monitoring)."""
    now = now or timezone.now()
    beats = heartbeats(now)
    redis_down = redis_outages()
    # Named first: it is the cause of what follows (no heartbeat can be read without it).
    incidents = [redis_incident(outage) for outage in redis_down]
    cache_down = any("cache" in outage["uses"] for outage in redis_down)
    for beat in [] if cache_down else beats:
        if beat["starting"]:
            continue  # workers started moments ago: their first heartbeat is on its way
        if beat["last"] is None:
            # Right after a start, or after the cache was emptied: not yet a proven outage.
            incidents.append(
                f"No worker has answered on the “{beat['queue']}” queue yet (heartbeats every {HEARTBEAT_EVERY} s)."
            )
        elif not beat["ok"]:
            incidents.append(f"No worker has taken from the “{beat['queue']}” queue for over 2 minutes.")
    figures: dict = {}
    for report in _app_hooks("operations_report", now, workspace, cache_down=cache_down):
        incidents += report.pop("incidents", [])
        figures.update(report)
    if workspace is None:
        incidents += app_incidents(now)
    from smm import quota

    api_quota = quota.usage(now)
    incidents += quota.incidents(now)
    return {
        "checked_at": now,
        "healthy": not incidents,
        "incidents": incidents,
        # Early notice of what may become an incident; shown, but the installation is healthy.
        "warnings": quota.warnings(now),
        "starting": any(beat["starting"] for beat in beats),  # within the grace after a start
        "redis_unreachable": redis_down,
        "heartbeats": beats,
        "queues": queue_depths(),
        **figures,
        "api_quota": api_quota,
        "expiring": list(expiring_accounts(now, workspace=workspace)[:100]),
    }


def _app_hooks(name: str, *args, **kwargs) -> list:
    """What each app's AppConfig hook ``name`` answers, in INSTALLED_APPS order."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    return [
        import_string(path)(*args, **kwargs)
        for path in (getattr(config, name, None) for config in apps.get_app_configs())
        if path
    ]


def app_incidents(now: dt.datetime) -> list[str]:
    """What the apps above ``smm`` report about the installation (``smm`` imports none of
    them): each app may name a callable ``(now) -> list[str]`` in its AppConfig's
    ``operations_incidents``. Installation-wide only (monitoring, check_operations)."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    found = []
    for config in apps.get_app_configs():
        path = getattr(config, "operations_incidents", None)
        if not path:
            continue
        try:
            found += import_string(path)(now)
        except Exception:  # a broken check is itself something to look at, not a crash
            logger.exception("operations check %s failed", path)
            found.append(f"The {config.verbose_name} check could not run; see the logs.")
    return found


def as_json(report: dict) -> dict:
    def when(value):
        return value.isoformat() if value else None

    body = {
        "checked_at": when(report["checked_at"]),
        "healthy": report["healthy"],
        "incidents": report["incidents"],
        "warnings": report.get("warnings", []),
        "redis_unreachable": report["redis_unreachable"],
        "heartbeats": [
            {"queue": b["queue"], "last": when(b["last"]), "age_seconds": b["age_seconds"], "ok": b["ok"]}
            for b in report["heartbeats"]
        ],
        "queues": report["queues"],
    }
    body["api_quota"] = [
        {
            "network": row["network"],
            "bucket": row["bucket"],
            "used": row["used"],
            "limit": row["limit"],
            "resets_at": when(row["resets_at"]),
        }
        for row in report.get("api_quota", [])
    ]
    for figures in _app_hooks("operations_json", report):
        body.update(figures)
    body["expiring_tokens"] = [
        {"account": a.pk, "network": a.network, "handle": a.handle, "expires_at": when(a.token_expires_at)}
        for a in report["expiring"]
    ]
    return body


# --- alerts ------------------------------------------------------------------------------------


def once(key: str) -> bool:
    """True the first time for this incident key (atomic across processes). Without the
    cache nothing can be sent once only: no email then (the status report names Redis and
    check_operations exits 1), rather than one every run."""
    try:
        return cache.add(f"ops:alerted:{key}", timezone.now().isoformat(), timeout=INCIDENT_TTL)
    except Exception:  # noqa: BLE001
        logger.warning("Cache unreachable: alert %s not sent", key.split(":")[0])
        return False


def resolved(key: str) -> None:
    with contextlib.suppress(Exception):  # without the cache, a later run clears it
        cache.delete(f"ops:alerted:{key}")


def owner_emails(workspace=None) -> list[str]:
    from smm.models import Membership
    from smm.roles import Role

    owners = Membership.objects.filter(role=Role.OWNER).select_related("user")
    if workspace is not None:
        owners = owners.filter(workspace=workspace)
    return sorted({m.user.email for m in owners if m.user.email and m.user.is_active})


def send_alert(subject: str, body: str, recipients: list[str]) -> None:
    if recipients:
        send_mail(f"[SMM] {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)


def alert_heartbeats(now: dt.datetime) -> list[str]:
    dead = []
    for beat in heartbeats(now):
        key = f"heartbeat:{beat['queue']}"
        if beat["ok"]:
            resolved(key)  # the next outage is a new incident
        elif beat["starting"]:
            continue  # not yet an outage, nor the end of one already emailed
        elif once(key):
            dead.append(beat["queue"])
    if dead:
        send_alert(
            f"No worker for queue(s): {', '.join(dead)}",
            "No worker heartbeat arrived for more than 2 minutes on: "
            + ", ".join(dead)
            + ".\nPosts, metrics or inbox fetches on those queues are not being processed. "
            "Check that the worker processes are running.",
            owner_emails(),
        )
    return dead


def _expiry_from(credentials: dict) -> dt.datetime | None:
    raw = (credentials or {}).get("expires_at")
    if not raw:
        return None
    try:
        if isinstance(raw, int | float):
            return dt.datetime.fromtimestamp(raw, tz=dt.UTC)
        value = dt.datetime.fromisoformat(str(raw))
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        return None


def refresh_account(account) -> bool:
    """Refresh an account's tokens ahead of expiry where its network allows; True when the
    network renewed them: the connection then renews itself, whatever the new access token's
    lifetime (X's last two hours), and nobody needs an email about it. The stored refresh
    token is never replaced by an empty one (AccountContext.update_credentials keeps it)."""
    from smm.platforms.base import PlatformError

    adapter = account.adapter()
    if not getattr(adapter, "supports_refresh", False):
        return False
    context = account.context()
    try:
        adapter.refresh(context)
    except PlatformError as error:
        logger.warning("Proactive refresh of account %s failed: %s", account.pk, error.__class__.__name__)
        return False
    account.refresh_from_db()
    expiry = _expiry_from(account.credentials)
    if expiry and expiry != account.token_expires_at:
        account.token_expires_at = expiry
        account.save(update_fields=["token_expires_at"])
    return True


def alert_expiring_tokens(now: dt.datetime) -> int:
    sent = 0
    for account in expiring_accounts(now, days=max(TOKEN_WARN_DAYS)):
        if refresh_account(account):
            continue
        days_left = (account.token_expires_at - now).total_seconds() / 86400
        threshold = min(d for d in TOKEN_WARN_DAYS if days_left <= d)
        if not once(f"token:{account.pk}:{threshold}:{account.token_expires_at.isoformat()}"):
            continue
        workspace = account.brand.workspace
        when = "has expired" if days_left <= 0 else f"expires in {max(1, round(days_left))} day(s)"
        send_alert(
            f"{account.handle} on {account.network_label} {when}",
            f"The connection of {account.handle} ({account.network_label}, brand {account.brand.name}) "
            f"{when} ({account.token_expires_at:%Y-%m-%d %H:%M} UTC) and {account.network_label} does not let "
            "SMM renew it by itself. Reconnect it before then so scheduled posts keep going out:\n"
            f"{settings.SITE_URL.rstrip('/')}{account.brand.get_absolute_url()}",
            owner_emails(workspace),
        )
        sent += 1
    return sent


def run_alerts(now: dt.datetime | None = None) -> dict:
    """Every alert of the core and the apps; what each sent, by name (``overdue``,
    ``dispatcher_stopped`` from publishing)."""
    now = now or timezone.now()
    sent: dict = {}
    for app_sent in _app_hooks("operations_alerts", now):
        sent.update(app_sent)
    sent["dead_queues"] = alert_heartbeats(now)
    sent["tokens"] = alert_expiring_tokens(now)
    from smm import quota

    sent["api_quota"] = quota.alert(now)
    return sent


# --- views ---------------------------------------------------------------------------------------

# Views live here with the figures they show (routed in smm/urls.py).

from django.http import Http404, JsonResponse  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.utils.crypto import constant_time_compare  # noqa: E402
from django.views.decorators.cache import never_cache  # noqa: E402

from smm.tenancy import workspace_view  # noqa: E402


@never_cache
@workspace_view("view_operations")
def operations_page(request, ws):
    report = status(request.workspace)
    return render(request, "operations/status.html", {"report": report, "queue_names": settings.WORKER_QUEUES})


@never_cache
@workspace_view("view_operations")
def operations_json(request, ws):
    return JsonResponse(as_json(status(request.workspace)))


@never_cache
def status_json(request):
    """For monitoring systems: the whole installation, ``Authorization: Bearer <token>``.
    503 while anything is wrong, so a plain HTTP check alerts. Without a configured token
    the endpoint does not exist."""
    token = settings.OPS_STATUS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not constant_time_compare(given, token):
        raise Http404
    body = as_json(status())
    return JsonResponse(body, status=200 if body["healthy"] else 503)
