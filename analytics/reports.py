"""The weekly KPI email: who is due (Monday morning in the workspace's time zone),
sending it once per subscription and ISO week, and the unsubscribe link each one carries."""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from analytics import kpis
from analytics.models import ReportSubscription
from analytics.periods import last_complete_week
from smm.models import Brand, Membership

logger = logging.getLogger(__name__)

SEND_FROM_HOUR = 7  # local time on Monday
# The unsubscribe link is the subscription's id signed with this salt: it works without
# logging in (from any mail program) and only ever for that one subscription.
UNSUBSCRIBE_SALT = "analytics.report-unsubscribe"


def unsubscribe_url(subscription: ReportSubscription) -> str:
    token = signing.dumps(subscription.pk, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("reports:unsubscribe", kwargs={"token": token})


def subscription_id_from_token(token: str) -> int | None:
    """The subscription a link was made for, or None for a forged or mangled link."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def masked_email(address: str) -> str:
    """c…@example.com: enough for a person to recognise the address on a page anyone with
    the link can open."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def report_week(workspace, now: dt.datetime):
    return last_complete_week(workspace.tz, now)


def is_due(subscription: ReportSubscription, now: dt.datetime) -> bool:
    """Due from Monday 07:00 local time until sent for the week that just ended (a missed
    Monday is caught up later in the week)."""
    local = now.astimezone(subscription.workspace.tz)
    week = report_week(subscription.workspace, now)
    if subscription.last_sent_week == week.iso_week:
        return False
    return not (local.weekday() == 0 and local.hour < SEND_FROM_HOUR)


def due_subscriptions(now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    subs = ReportSubscription.objects.select_related("workspace")
    return [sub.pk for sub in subs if is_due(sub, now)]


def build_report(subscription: ReportSubscription, now: dt.datetime) -> dict:
    workspace = subscription.workspace
    period = report_week(workspace, now)
    brands = [subscription.brand] if subscription.brand_id else list(Brand.objects.for_workspace(workspace))
    scope = kpis.Scope(workspace=workspace, brand_ids=[b.pk for b in brands])
    dashboard = kpis.compute(scope, period)
    query = "&".join(f"{k}={v}" for k, v in period.query().items())
    if subscription.brand_id:
        query += f"&brand={subscription.brand_id}"
    url = settings.SITE_URL.rstrip("/") + reverse("analytics:dashboard", kwargs={"ws": workspace.slug}) + "?" + query
    return {
        "workspace": workspace,
        "subject_name": subscription.brand.name if subscription.brand_id else workspace.name,
        "period": period,
        "tiles": dashboard.tiles(),
        "left_out": dashboard.left_out["cur"],
        "top_posts": kpis.ranked_posts(scope, period, limit=3),
        "url": url,
        "unsubscribe_url": unsubscribe_url(subscription),
        "listening": report_sections(workspace, period, [b.pk for b in brands]),
    }


def report_sections(workspace, period, brand_ids) -> dict | None:
    """An app's section of the report (listening's), named ``report_section = "dotted.path"``
    on its AppConfig: a callable ``(workspace, *, start, end, brand_ids) -> dict | None``.
    Analytics may not import those apps; a failing section is left out, the report goes."""
    for config in apps.get_app_configs():
        path = getattr(config, "report_section", None)
        if not path:
            continue
        try:
            found = import_string(path)(workspace, start=period.start_at, end=period.end_at, brand_ids=brand_ids)
        except Exception:
            logger.exception("Report section %s failed; the weekly report goes without it", path)
            return None
        if found:
            site = settings.SITE_URL.rstrip("/")
            for row in found.get("rows", []):
                for alert in row.get("alerts", []):
                    alert["url"] = site + alert.get("path", "")
            return found
    return None


def send_weekly_report(subscription_id: int, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    subscription = (
        ReportSubscription.objects.select_related("workspace", "brand", "user").filter(pk=subscription_id).first()
    )
    if subscription is None or not is_due(subscription, now):
        return "not_due"
    membership = Membership.objects.filter(workspace=subscription.workspace, user=subscription.user).first()
    if membership is None or not membership.can("view_analytics") or not subscription.user.email:
        return "no_recipient"
    week = report_week(subscription.workspace, now).iso_week
    # The claim: only the run that moves last_sent_week sends (safe to run twice).
    claimed = (
        ReportSubscription.objects.filter(pk=subscription.pk)
        .exclude(last_sent_week=week)
        .update(last_sent_week=week, last_sent_at=now)
    )
    if not claimed:
        return "already_sent"
    try:
        context = build_report(subscription, now)
        subject = f"{context['subject_name']}: weekly KPIs, {context['period'].label}"
        text = render_to_string("analytics/email/weekly_report.txt", context)
        html = render_to_string("analytics/email/weekly_report.html", context)
        message = EmailMultiAlternatives(
            subject,
            text,
            settings.DEFAULT_FROM_EMAIL,
            [subscription.user.email],
            # mail programs show their own "Unsubscribe" and POST to it in one click (RFC 8058)
            headers={
                "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        # Give the claim back so the next hourly tick tries again.
        ReportSubscription.objects.filter(pk=subscription.pk, last_sent_week=week).update(
            last_sent_week=subscription.last_sent_week, last_sent_at=subscription.last_sent_at
        )
        raise
    return "sent"
