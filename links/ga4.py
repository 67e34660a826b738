"""Google Analytics 4 (optional): campaign sessions, key events and revenue pulled from a GA4
property with the official ``google-analytics-data`` client, and their sums.

The client is used over REST (``transport="rest"``), so every call goes through ``requests``
(google-auth's AuthorizedSession): the token exchange at Google's token endpoint with the
service account's signed JWT, then ``properties/<id>:runReport``.

What is pulled: per day (``date``), session campaign (``sessionCampaignName``, the
utm_campaign of the visit that started the session) and session source (``sessionSource``,
our utm_source: the network), the metrics ``sessions``, ``keyEvents`` (every key event
marked in the property) and ``purchaseRevenue``. Purchase revenue rather than total revenue:
SMM's own conversions are orders, and total revenue adds the site's ad and in-app
subscription revenue, which no campaign order made; with purchase revenue the two sources
compare like with like.

GA4 revises recent days for a while, so every pull asks again for the last
``REVISED_DAYS`` days; earlier days are asked once (``Ga4Connection.pulled_through``). The
first pull reaches back ``FIRST_PULL_DAYS``. A pull replaces the stored rows of the days it
asked for, in one transaction, after every page was read: pulling twice stores the same rows.

Rows are matched to SMM campaigns as ``links.roi.campaign_for_utm`` matches utm_campaign
(name, slug, or the campaign preset's literal value). A name that matches no campaign is
kept aside (no campaign) and matched again after each pull; GA4's own placeholders
(``(direct)``, ``(not set)``, ``(organic)``, ``(other)``...) are not campaigns and are skipped.

Errors never escape a pull: what Google refused is stored on the connection in words; a rate
limit (429 RESOURCE_EXHAUSTED) or an unreachable Google sets ``retry_after`` and the hourly
beat tries again. The key is never logged, and never shown back (only its client_email).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from links.models import FiguresSource, Ga4Connection, Ga4Row

logger = logging.getLogger(__name__)

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
# The only token endpoint a key may send us to: a key file's own token_uri is not followed
# (an uploaded file must not make the server call an address of its choosing).
TOKEN_URI = "https://oauth2.googleapis.com/token"
DIMENSIONS = ("date", "sessionCampaignName", "sessionSource")
METRICS = ("sessions", "keyEvents", "purchaseRevenue")
FIRST_PULL_DAYS = 90
REVISED_DAYS = 3
PAGE_SIZE = 10_000
MAX_ROWS = 500_000
TIMEOUT = 30.0
RETRY_DELAY = dt.timedelta(hours=1)
PULL_EVERY = dt.timedelta(hours=23)
MAX_KEY_BYTES = 20_000
CENT = Decimal("0.01")

DEFINITIONS = [
    ("sessions", "Sessions", "Visits Google Analytics counted whose campaign (utm_campaign) names this campaign."),
    (
        "key_events",
        "Key events",
        "Events marked as key events in the GA4 property (purchases, sign-ups...) during those sessions.",
    ),
    (
        "revenue",
        "Purchase revenue",
        "Revenue of the purchases GA4 recorded during those sessions (not its ad or subscription revenue).",
    ),
]


# --- the key and the property id ------------------------------------------------------------------


def read_property_id(raw: str) -> str:
    text = str(raw or "").strip()
    if text.lower().startswith("properties/"):
        text = text.split("/", 1)[1]
    if text.upper().startswith("G-"):
        raise ValidationError(
            "That is a measurement id (G-…), used on the website. Give the property id: digits only, "
            "in GA4 Admin > Property details."
        )
    if not text.isdigit() or len(text) > 20:
        raise ValidationError("Give the property id: digits only, like 123456789 (GA4 Admin > Property details).")
    return text


def read_key(raw: bytes | str) -> dict:
    """The service account's JSON key, checked; raises ValidationError in words."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_KEY_BYTES:
            raise ValidationError("This file is too large to be a service account key (they are about 2 KB).")
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("This is not a JSON key file (it is not text).") from None
    if len(raw) > MAX_KEY_BYTES:
        raise ValidationError("This is too long to be a service account key (they are about 2 KB).")
    try:
        info = json.loads(raw)
    except ValueError:
        raise ValidationError(
            "This is not a JSON key file. In Google Cloud console: IAM & Admin > Service accounts > your "
            "account > Keys > Add key > Create new key > JSON, then upload the downloaded file."
        ) from None
    if not isinstance(info, dict):
        raise ValidationError("This JSON is not a service account key (it should be one object with fields).")
    kind = info.get("type")
    if kind != "service_account":
        what = f"a “{kind}” file" if isinstance(kind, str) and kind else "not a service account key"
        raise ValidationError(
            f"This is {what}, not a service account key. Google Analytics is read with a service "
            "account's JSON key (its “type” is “service_account”)."
        )
    missing = [name for name in ("client_email", "private_key") if not str(info.get(name) or "").strip()]
    if missing:
        raise ValidationError(f"This key lacks {' and '.join(missing)}: download a new JSON key for the account.")
    try:
        credentials_for(info)
    except (ValueError, TypeError):
        raise ValidationError("The private key in this file cannot be read: download a new JSON key.") from None
    return info


def credentials_for(info: dict):
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_info({**info, "token_uri": TOKEN_URI}, scopes=[SCOPE])


def client_for(connection: Ga4Connection):
    """The Data API client over REST. The transport is made here rather than named
    (``transport="rest"``) because, named, the client switches a service account to
    self-signed JWTs: the key would never meet Google's token endpoint, and a revoked or
    deleted key would show as a bare 401 instead of the token endpoint's ``invalid_grant``."""
    from google.analytics.data_v1beta import BetaAnalyticsDataClient
    from google.analytics.data_v1beta.services.beta_analytics_data.transports.rest import (
        BetaAnalyticsDataRestTransport,
    )

    transport = BetaAnalyticsDataRestTransport(credentials=credentials_for(connection.key))
    return BetaAnalyticsDataClient(transport=transport)


# --- Google's answers in words ---------------------------------------------------------------


@dataclass
class Refused(Exception):
    """What Google answered, in words; ``later``: worth trying again after RETRY_DELAY."""

    words: str
    later: bool = False

    def __str__(self):
        return self.words


def _message(error) -> str:
    """Google's own message, without the method and URL the client puts in front of it."""
    text = str(getattr(error, "message", None) or error).strip()
    text = re.sub(r"^(GET|POST) \S+: ", "", text)
    return text.rstrip(".")[:200]


def explain(error: Exception, connection: Ga4Connection) -> Refused:
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth
    from requests import RequestException

    who, prop = connection.client_email or "the service account", connection.property_id
    if isinstance(error, Refused):
        return error
    if isinstance(error, auth.RefreshError):
        text = str(error.args[0] if error.args else error)
        if "invalid_grant" in text or "invalid_client" in text or "unauthorized_client" in text:
            return Refused(
                f"Google refused the key of {who}: the key was revoked or deleted ({text[:120]}). "
                "Make a new JSON key for this service account and upload it."
            )
        if getattr(error, "retryable", False):
            return Refused(f"Google's sign-in did not answer properly ({text[:120]}); we will try again.", later=True)
        return Refused(f"Google refused the key of {who} ({text[:160]}). Upload a new JSON key.")
    if isinstance(error, auth.TransportError | RequestException):
        return Refused("Google could not be reached; we will try again within the hour.", later=True)
    if isinstance(error, api.TooManyRequests):
        return Refused(
            f"Google Analytics is limiting requests for property {prop} (quota used up); we will try again "
            "within the hour.",
            later=True,
        )
    if isinstance(error, api.Unauthorized):
        return Refused(f"Google refused the key of {who}: the key was revoked. Make a new JSON key and upload it.")
    if isinstance(error, api.Forbidden):
        text = _message(error)
        if "has not been used" in text or "disabled" in text.lower() or "SERVICE_DISABLED" in str(error):
            return Refused(
                "Google Analytics refused: the Google Analytics Data API is not turned on in the Google Cloud "
                f"project of {who}. Turn it on (APIs & Services > Library), then try again."
            )
        return Refused(
            f"Google Analytics refused: the service account {who} has no access to property {prop} — "
            "add it as a Viewer in GA4 Admin > Property access management."
        )
    if isinstance(error, api.NotFound):
        return Refused(f"Google Analytics knows no property {prop}: check the property id in GA4 Admin.")
    if isinstance(error, api.BadRequest | api.FailedPrecondition):
        return Refused(
            f"Google Analytics refused the request for property {prop}: {_message(error)}. Check the property "
            "id (digits, GA4 Admin > Property details)."
        )
    if isinstance(error, api.ServerError | api.DeadlineExceeded):
        return Refused(
            f"Google Analytics had a problem on its side ({_message(error)}); we will try again.", later=True
        )
    if isinstance(error, api.GoogleAPICallError):
        return Refused(f"Google Analytics refused the request: {_message(error)}.")
    logger.exception("GA4 call for workspace %s failed unexpectedly", connection.workspace_id)
    return Refused("The pull failed unexpectedly; we will try again.", later=True)


# --- reading reports -------------------------------------------------------------------------------


def _request(property_id: str, start: dt.date, end: dt.date, *, dimensions, metrics, limit: int, offset: int):
    from google.analytics.data_v1beta.types import DateRange, Dimension, Metric, RunReportRequest

    return RunReportRequest(
        property=f"properties/{property_id}",
        dimensions=[Dimension(name=name) for name in dimensions],
        metrics=[Metric(name=name) for name in metrics],
        date_ranges=[DateRange(start_date=start.isoformat(), end_date=end.isoformat())],
        limit=limit,
        offset=offset,
    )


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text or "0")
    except InvalidOperation:
        return Decimal("0")
    return value if value.is_finite() else Decimal("0")


@dataclass
class Report:
    rows: list[dict]
    currency: str
    row_count: int
    time_zone: str = ""  # the property's: its "date" values are days there


def fetch(connection: Ga4Connection, start: dt.date, end: dt.date, *, client=None) -> Report:
    """Every row of the campaign report for [start, end], page by page (limit/offset until
    rowCount rows were read); the rows keyed by the response's headers, not by position."""
    client = client or client_for(connection)
    rows: list[dict] = []
    offset, currency, row_count, time_zone = 0, "", 0, ""
    while True:
        request = _request(
            connection.property_id, start, end, dimensions=DIMENSIONS, metrics=METRICS, limit=PAGE_SIZE, offset=offset
        )
        response = client.run_report(request=request, timeout=TIMEOUT)
        currency = response.metadata.currency_code or currency
        time_zone = response.metadata.time_zone or time_zone
        row_count = response.row_count
        dimension_names = [h.name for h in response.dimension_headers]
        metric_names = [h.name for h in response.metric_headers]
        for row in response.rows:
            entry = dict(zip(dimension_names, (v.value for v in row.dimension_values), strict=False))
            entry.update(zip(metric_names, (v.value for v in row.metric_values), strict=False))
            rows.append(entry)
        offset += len(response.rows)
        if not response.rows or offset >= row_count or offset >= MAX_ROWS:
            return Report(rows, currency, row_count, time_zone[:64])


def _day(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except (TypeError, ValueError):
        return None


def _placeholder(name: str) -> bool:
    """GA4's own values for traffic without a campaign: ``(direct)``, ``(not set)``..."""
    return not name or (name.startswith("(") and name.endswith(")"))


def _by_key(report: Report) -> dict:
    """Rows summed by (day, campaign name, source): names cut to the column width may meet."""
    found: dict = {}
    for entry in report.rows:
        day = _day(entry.get("date", ""))
        name = (entry.get("sessionCampaignName") or "").strip()
        if day is None or _placeholder(name):
            continue
        source = (entry.get("sessionSource") or "").strip()[:200] or "(not set)"
        sums = found.setdefault((day, name[:200], source), [0, Decimal("0"), Decimal("0")])
        sums[0] += int(_number(entry.get("sessions", "0")))
        sums[1] += _number(entry.get("keyEvents", "0"))
        sums[2] += _number(entry.get("purchaseRevenue", "0"))
    return found


# --- the pull ---------------------------------------------------------------------------------------


def window(connection: Ga4Connection, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days to ask for: the last REVISED_DAYS days always, earlier days not yet pulled once."""
    if connection.pulled_through is None:
        return today - dt.timedelta(days=FIRST_PULL_DAYS - 1), today
    return min(connection.pulled_through + dt.timedelta(days=1), today - dt.timedelta(days=REVISED_DAYS - 1)), today


def _period(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %b %Y}–{end:%-d %b %Y}" if start != end else f"{start:%-d %b %Y}"


def pull(connection: Ga4Connection, *, today: dt.date | None = None, client=None) -> bool:
    """Pull the connection's window and store the outcome on it in words; True when rows were
    stored. Google's refusals are stored, never raised."""
    workspace = connection.workspace
    today = today or timezone.localdate(timezone=workspace.tz)
    start, end = window(connection, today)
    now = timezone.now()
    try:
        report = fetch(connection, start, end, client=client)
        currency = _workspace_currency(workspace)
        if report.currency and report.currency != currency:
            raise Refused(
                f"Google Analytics reports revenue of property {connection.property_id} in {report.currency}; this "
                f"workspace counts in {currency} and SMM converts nothing. Use the same currency in both."
            )
    except Exception as error:  # noqa: BLE001 - every failure becomes words on the connection
        refused = explain(error, connection)
        logger.warning("GA4 pull for workspace %s refused: %s", workspace.slug, refused.words)
        _store(
            connection,
            last_pull_at=now,
            last_pull_ok=False,
            last_result=refused.words[:500],
            retry_after=now + RETRY_DELAY if refused.later else None,
        )
        return False
    found = _by_key(report)
    with transaction.atomic():
        # Removed, or another property or key saved, while Google was answering: these rows
        # are not the connection's any more (the new one's pull is due at once)
        current = Ga4Connection.objects.select_for_update().filter(pk=connection.pk).first()
        if current is None or (current.property_id, current.key_added_at) != (
            connection.property_id,
            connection.key_added_at,
        ):
            return False
        Ga4Row.objects.for_workspace(workspace).filter(date__gte=start, date__lte=end).delete()
        Ga4Row.objects.bulk_create(
            Ga4Row(
                workspace=workspace,
                date=day,
                campaign_name=name,
                source=source,
                sessions=sessions,
                key_events=key_events.quantize(CENT),
                revenue=revenue.quantize(CENT),
                pulled_at=now,
            )
            for (day, name, source), (sessions, key_events, revenue) in found.items()
        )
        match_campaigns(workspace)
        # each day is asked for on its day and the REVISED_DAYS - 1 days after: then it is settled
        settled = end - dt.timedelta(days=REVISED_DAYS - 1)
        _store(
            connection,
            last_pull_at=now,
            last_success_at=now,
            last_pull_ok=True,
            retry_after=None,
            pulled_through=max(settled, current.pulled_through or settled),
            time_zone=report.time_zone or current.time_zone,
            last_result=(
                f"{len(found):,} campaign row{'s' if len(found) != 1 else ''} for {_period(start, end)} "
                f"({report.row_count:,} from Google Analytics, GA4's own placeholders like (direct) left out)."
            ),
        )
    logger.info("GA4 pull for workspace %s: %s", workspace.slug, connection.last_result)
    return True


def _store(connection: Ga4Connection, **fields) -> None:
    """The outcome on the row as it is now (an UPDATE: a connection removed meanwhile stays
    removed, and a property saved meanwhile is not overwritten) and on the instance."""
    Ga4Connection.objects.filter(pk=connection.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(connection, name, value)


def days_note(connection: Ga4Connection | None, workspace=None) -> str:
    """Said wherever GA4's figures are shown when the property counts its days in another time
    zone than the workspace (a GA4 day is midnight to midnight there); "" when they agree or the
    property's time zone is not known yet (no pull)."""
    if connection is None or not connection.time_zone:
        return ""
    workspace = workspace or connection.workspace
    if connection.time_zone == workspace.time_zone:
        return ""
    return (
        f"Google Analytics' figures are of days in {connection.time_zone}, the property's time zone "
        f"(this workspace's is {workspace.time_zone})."
    )


def _workspace_currency(workspace) -> str:
    from links import roi

    return roi.settings_for(workspace).currency


def match_campaigns(workspace) -> None:
    """Each stored campaign name to the SMM campaign it names now (or none)."""
    from links.roi import campaign_for_utm

    rows = Ga4Row.objects.for_workspace(workspace)
    for name in rows.values_list("campaign_name", flat=True).distinct().order_by():
        campaign = campaign_for_utm(workspace, name)
        rows.filter(campaign_name=name).exclude(campaign=campaign).update(campaign=campaign)


def test_connection(connection: Ga4Connection, *, client=None) -> tuple[bool, str]:
    """One small report (sessions of the last 7 days): does the key open the property?"""
    today = timezone.localdate(timezone=connection.workspace.tz)
    try:
        client = client or client_for(connection)
        request = _request(
            connection.property_id, today - dt.timedelta(days=6), today, dimensions=(), metrics=("sessions",),
            limit=1, offset=0,
        )  # fmt: skip
        response = client.run_report(request=request, timeout=15.0)
    except Exception as error:  # noqa: BLE001 - shown to the person who asked, in words
        return False, explain(error, connection).words
    sessions = int(_number(response.rows[0].metric_values[0].value)) if response.rows else 0
    currency = response.metadata.currency_code
    return True, (
        f"Connected: property {connection.property_id} answered ({sessions:,} sessions in the last 7 days"
        + (f", revenue in {currency}" if currency else "")
        + ")."
    )


# --- connections ---------------------------------------------------------------------------------------


def connection_for(workspace) -> Ga4Connection | None:
    return Ga4Connection.objects.for_workspace(workspace).first()


def connect(workspace, *, property_id: str, key: dict | None) -> Ga4Connection:
    """Save the property and (when given) a new key; the first pull is enqueued after commit."""
    connection = connection_for(workspace) or Ga4Connection(workspace=workspace)
    changed = connection.pk is None or connection.property_id != property_id or key is not None
    connection.property_id = property_id
    if key is not None:
        connection.key = key
        connection.client_email = str(key.get("client_email", ""))[:254]
        connection.key_added_at = timezone.now()
    connection.enabled = True
    if changed:  # another property or key: what was pulled may not be this one's, pull it anew
        connection.pulled_through = None
        connection.retry_after = None
        connection.last_pull_at = None  # due at once, should the pull below meet one in progress
    connection.save()
    if changed:
        from links.tasks import ga4_pull

        transaction.on_commit(lambda: ga4_pull.delay(connection.pk))
    return connection


def disconnect(workspace) -> None:
    """The connection, its key and its pulled rows go; figures fall back to SMM's conversions."""
    from links import roi

    with transaction.atomic():
        Ga4Connection.objects.for_workspace(workspace).delete()
        Ga4Row.objects.for_workspace(workspace).delete()
        settings = roi.settings_for(workspace)
        if settings.figures_from == FiguresSource.GA4:
            settings.figures_from = FiguresSource.SMM
            settings.save(update_fields=["figures_from", "updated_at"])


def due(now: dt.datetime | None = None):
    """Connections to pull now: daily, or sooner when a rate limit's wait is over."""
    from django.db.models import Q

    now = now or timezone.now()
    return Ga4Connection.objects.filter(enabled=True).filter(
        Q(retry_after__isnull=False, retry_after__lte=now)
        | Q(retry_after__isnull=True) & (Q(last_pull_at__isnull=True) | Q(last_pull_at__lte=now - PULL_EVERY))
    )


# --- sums -----------------------------------------------------------------------------------------------


def _rows(workspace, *, campaigns=None, start: dt.date | None = None, end: dt.date | None = None):
    rows = Ga4Row.objects.for_workspace(workspace).filter(campaign__isnull=False)
    if campaigns is not None:
        rows = rows.filter(campaign__in=campaigns)
    if start is not None:
        rows = rows.filter(date__gte=start)
    if end is not None:
        rows = rows.filter(date__lt=end)
    return rows


def campaign_sums(workspace, *, campaigns=None, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """{campaign id: {sessions, key_events, revenue}} over the days [start, end)."""
    out = {}
    for r in (
        _rows(workspace, campaigns=campaigns, start=start, end=end)
        .values("campaign")
        .annotate(s=Sum("sessions"), k=Sum("key_events"), v=Sum("revenue"))
        .order_by()
    ):
        out[r["campaign"]] = {"sessions": r["s"] or 0, "key_events": r["k"] or Decimal("0"), "revenue": r["v"] or 0}
    return out


def by_source(workspace, campaign) -> list[dict]:
    """The campaign's GA4 figures per session source (utm_source), most sessions first."""
    rows = (
        _rows(workspace, campaigns=[campaign.pk])
        .values("source")
        .annotate(sessions=Sum("sessions"), key_events=Sum("key_events"), revenue=Sum("revenue"))
        .order_by("-sessions", "source")
    )
    return list(rows)


def unmatched(workspace, limit: int = 20) -> list[dict]:
    """Campaign names GA4 reported that match no SMM campaign (kept aside), most sessions first."""
    return list(
        Ga4Row.objects.for_workspace(workspace)
        .filter(campaign__isnull=True)
        .values("campaign_name")
        .annotate(sessions=Sum("sessions"))
        .order_by("-sessions", "campaign_name")[:limit]
    )
