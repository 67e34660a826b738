"""How publishing is doing, for the core's operations page, JSON, monitoring and alerts.

The core (smm/operations.py) knows no post: it reads these through the hooks named on
PostsConfig (``operations_report``, ``operations_json``, ``operations_alerts``). Here:
the dispatcher's clock, targets that are late, the on-time rate, networks that make posts
wait for a retry, failures, and the emails about late posts and a stopped dispatcher.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce

from posts.models import PostTarget, TargetState
from smm import operations

# Written on every dispatcher tick (posts/tasks.py listens for its task ending).
DISPATCHER_KEY = "ops:dispatcher:last_tick"
DISPATCHER_STALE = 60
OVERDUE_SHOWN = dt.timedelta(minutes=1)
OVERDUE_ALERT = dt.timedelta(minutes=5)
ON_TIME = dt.timedelta(seconds=60)

WAITING_STATES = (TargetState.SCHEDULED, TargetState.QUEUED, TargetState.PUBLISHING)


def record_dispatcher_tick(now: dt.datetime | None = None) -> None:
    operations.record_signal(DISPATCHER_KEY, now)


def dispatcher(now: dt.datetime) -> dict:
    last = operations.read_signal(DISPATCHER_KEY)
    age = (now - last).total_seconds() if last else None
    ok = age is not None and age < DISPATCHER_STALE
    # Beat and workers started moments ago and the first tick since is on its way: the
    # time read is the previous run's, not a stopped dispatcher.
    starting = not ok and operations.just_started(last, now)
    return {"last_tick": last, "age_seconds": age, "ok": ok, "starting": starting}


def _targets(workspace=None):
    """Targets with ``scheduled_for``: the time the person chose (the post's), not
    ``due_at``, which the engine moves forward for each retry."""
    queryset = PostTarget.objects.all()
    if workspace is not None:
        queryset = queryset.for_workspace(workspace)
    return queryset.annotate(scheduled_for=Coalesce("post__scheduled_at", "due_at"))


def overdue_targets(now: dt.datetime, late_by: dt.timedelta = OVERDUE_SHOWN, workspace=None):
    """Targets that should be out by now and are not, waiting for a retry included
    (paused brands excepted: pausing holds posts on purpose)."""
    return (
        _targets(workspace)
        .filter(state__in=WAITING_STATES, scheduled_for__lt=now - late_by, post__brand__paused=False)
        .select_related("post", "post__brand", "post__workspace", "account")
        .order_by("scheduled_for", "pk")
    )


def on_time_rate(now: dt.datetime, workspace=None, days: int = 7) -> dict:
    """Share of targets due in the window (and meant to go out) that were published within
    60 s of their time. Late, failed, unknown and still-waiting ones count against it."""
    due = _targets(workspace).filter(scheduled_for__gte=now - dt.timedelta(days=days), scheduled_for__lte=now - ON_TIME)
    due = due.filter(state__in=[*WAITING_STATES, TargetState.PUBLISHED, TargetState.FAILED, TargetState.UNKNOWN])
    total = due.count()
    on_time = due.filter(state=TargetState.PUBLISHED, published_at__lte=F("scheduled_for") + ON_TIME).count()
    return {"days": days, "due": total, "on_time": on_time, "rate": round(on_time / total, 4) if total else None}


def retrying(workspace=None) -> list[dict]:
    """Targets waiting for another try after a network error (rate limit, outage): a
    network in trouble shows here before anything is late."""
    rows = (
        _targets(workspace)
        .filter(state__in=WAITING_STATES, post__brand__paused=False)
        .exclude(error_kind="")
        .values_list("account__network", "error_kind")
    )
    return _counted(Counter(rows))


def failures(now: dt.datetime, workspace=None, days: int = 7) -> list[dict]:
    rows = (
        _targets(workspace)
        .filter(state__in=[TargetState.FAILED, TargetState.UNKNOWN], updated_at__gte=now - dt.timedelta(days=days))
        .values_list("account__network", "error_kind")
    )
    return _counted(Counter((network, kind or "unknown") for network, kind in rows))


def _counted(counts: Counter) -> list[dict]:
    return [
        {"network": network, "reason": reason, "count": count}
        for (network, reason), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


# --- the hooks the core calls ------------------------------------------------------------


def report(now: dt.datetime, workspace=None, *, cache_down: bool = False) -> dict:
    """Publishing's figures for the status report, with its incidents. Without the cache
    the dispatcher's clock cannot be read: the core names the cache instead."""
    tick = dispatcher(now)
    overdue = list(overdue_targets(now, workspace=workspace)[:100])
    waiting = retrying(workspace)
    incidents = []
    if not tick["ok"] and not tick["starting"] and not cache_down:
        incidents.append("The dispatcher has not ticked for over a minute: scheduled posts are not being sent.")
    if overdue:
        incidents.append(f"{len(overdue)} post target(s) are more than a minute late.")
    if waiting:
        detail = ", ".join(f"{row['network']}: {row['reason'].replace('_', ' ')} ×{row['count']}" for row in waiting)
        incidents.append(f"Networks are refusing or failing calls; posts wait to retry ({detail}).")
    return {
        "incidents": incidents,
        "dispatcher": tick,
        "overdue": overdue,
        "on_time": on_time_rate(now, workspace=workspace),
        "failures": failures(now, workspace=workspace),
        "retrying": waiting,
    }


def as_json(report: dict) -> dict:
    def when(value):
        return value.isoformat() if value else None

    return {
        "dispatcher": {**report["dispatcher"], "last_tick": when(report["dispatcher"]["last_tick"])},
        "overdue": [
            {
                "target": t.pk,
                "post": t.post_id,
                "network": t.account.network,
                "account": t.account.handle,
                "state": t.state,
                "scheduled_for": when(t.scheduled_for),
                "next_try_at": when(t.due_at) if t.due_at != t.scheduled_for else None,
                "late_seconds": int((report["checked_at"] - t.scheduled_for).total_seconds()),
            }
            for t in report["overdue"]
        ],
        "on_time": report["on_time"],
        "failures": report["failures"],
        "retrying": report["retrying"],
    }


def run_alerts(now: dt.datetime) -> dict:
    return {"overdue": alert_overdue(now), "dispatcher_stopped": alert_dispatcher(now)}


def alert_overdue(now: dt.datetime) -> int:
    by_workspace: dict = {}
    for target in overdue_targets(now, late_by=OVERDUE_ALERT):
        # keyed by the chosen time: a retry moves due_at, and must not alert again
        if operations.once(f"overdue:{target.pk}:{target.scheduled_for.isoformat()}"):
            by_workspace.setdefault(target.post.workspace, []).append(target)
    for workspace, targets in by_workspace.items():
        lines = [
            f"- {t.account.handle} ({t.account.network}): due {t.scheduled_for:%Y-%m-%d %H:%M} UTC, "
            f"{int((now - t.scheduled_for).total_seconds() // 60)} min late, now {t.get_state_display().lower()} "
            f"{settings.SITE_URL.rstrip('/')}{t.post.get_absolute_url()}"
            for t in targets
        ]
        operations.send_alert(
            f"{len(targets)} post(s) of {workspace.name} are late",
            "These posts should have gone out more than 5 minutes ago and have not:\n\n"
            + "\n".join(lines)
            + "\n\nThe operations page shows whether workers and the dispatcher are running.",
            operations.owner_emails(workspace),
        )
    return sum(len(targets) for targets in by_workspace.values())


def alert_dispatcher(now: dt.datetime) -> bool:
    """The dispatcher (Celery beat, then a publish worker) stopped ticking: nothing due is
    being sent. One email per outage; never for a dispatcher that has not ticked yet, nor
    in the grace after a start (an outage already emailed stays emailed)."""
    tick = dispatcher(now)
    if tick["starting"]:
        return False
    if tick["ok"] or tick["last_tick"] is None:
        operations.resolved("dispatcher")
        return False
    if not operations.once("dispatcher"):
        return False
    operations.send_alert(
        "Scheduled posts are not being sent",
        f"The dispatcher last ran {int(tick['age_seconds'] // 60)} min ago ({tick['last_tick']:%Y-%m-%d %H:%M} UTC). "
        "Posts that fall due are not being handed to the workers. Check that Celery beat and a worker "
        "on the publish queue are running.",
        operations.owner_emails(),
    )
    return True
