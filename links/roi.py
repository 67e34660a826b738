"""Campaign ROI: the workspace's money settings, conversions (signed API call, CSV import),
spend (typed in, CSV import), attribution, and the sums the figures are made of.

Attribution: a conversion that carries a click id (``smm_cid``, appended by the redirect)
is credited to that click, hence its link, post target and campaign, when the click was at
most ``attribution_days`` before the conversion (and not after it): the click id is the last
tracked click of that visitor. A conversion without a usable click id is credited to a
campaign by ``utm_campaign`` (the campaign's name, its slug, or the campaign's UTM preset
value), tied to no post. Otherwise it is kept but credited to nothing.

Money: one currency per workspace (``RoiSettings.currency``); an amount in another currency
is refused, never converted. Amounts are Decimal.

The figures (CPC, ROAS, ROI...) are defined in ``posts.roi_definitions``; analytics reaches
the rows here through ``LinksConfig.roi_rows`` (analytics may not import links).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from links import ga4
from links.models import Click, Conversion, ConversionSource, FiguresSource, RoiSettings, Spend, SpendSource
from posts import roi_definitions as d
from posts.models import Campaign, PostTarget, TargetState

logger = logging.getLogger(__name__)

MAX_AMOUNT = Decimal("999999999999.99")
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 20_000


# --- settings ----------------------------------------------------------------------------------


def settings_for(workspace) -> RoiSettings:
    found = RoiSettings.objects.filter(workspace=workspace).first()
    if found is None:
        found, _ = RoiSettings.objects.get_or_create(workspace=workspace)
    return found


def rotate_secret(workspace) -> str:
    """A new conversion secret (the old one stops working at once); returned to show once."""
    settings = settings_for(workspace)
    key = f"cvsec_{secrets.token_urlsafe(32)}"
    settings.secret = {"key": key}
    settings.secret_made_at = timezone.now()
    settings.save(update_fields=["secret", "secret_made_at", "updated_at"])
    return key


# --- reading input -------------------------------------------------------------------------------


def parse_amount(raw, field_name: str, *, allow_zero: bool = True) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", "") if not isinstance(raw, Decimal) else raw
    try:
        amount = Decimal(text) if not isinstance(text, Decimal) else text
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field_name: "Give an amount like 49.90 (a dot for decimals, no currency sign)."}
        ) from None
    if not amount.is_finite():
        raise ValidationError({field_name: "Give an amount like 49.90."})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(
            {field_name: "The amount cannot be negative." if amount < 0 else "Give an amount above 0."}
        )
    if amount > MAX_AMOUNT or amount.as_tuple().exponent < -2:
        raise ValidationError({field_name: "At most 12 digits and 2 decimals."})
    return amount


def check_currency(workspace, raw) -> str:
    expected = settings_for(workspace).currency
    given = str(raw or "").strip().upper() or expected
    if given != expected:
        raise ValidationError(
            {
                "currency": f"This workspace counts money in {expected}; this amount is in {given}. "
                f"SMM converts nothing: send it in {expected}."
            }
        )
    return given


def parse_moment(raw, workspace) -> dt.datetime:
    if raw in (None, ""):
        return timezone.now()
    text = str(raw).strip()
    try:
        moment = parse_datetime(text)
    except ValueError:  # well formed, no such moment (a 13th month)
        moment = None
    if moment is None:
        day = _date(text)
        if day is None:
            raise ValidationError({"occurred_at": "Give a date and time like 2026-05-04T10:30:00Z."})
        moment = dt.datetime.combine(day, dt.time(12))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, workspace.tz)
    return moment


def _date(text: str) -> dt.date | None:
    try:
        return parse_date(text)
    except ValueError:  # well formed, no such day
        return None


# --- attribution ---------------------------------------------------------------------------------


@dataclass
class Credit:
    click: Click | None = None
    campaign: Campaign | None = None
    rule: str = "not credited"


def campaign_for_utm(workspace, utm_campaign: str) -> Campaign | None:
    wanted = utm_campaign.strip().lower()
    if not wanted:
        return None
    campaigns = list(Campaign.objects.for_workspace(workspace).select_related("utm_preset"))
    for campaign in campaigns:
        preset = getattr(campaign, "utm_preset", None)
        literal = preset.campaign_name if preset is not None and "{" not in preset.campaign_name else ""
        if wanted in {campaign.name.lower(), slugify(campaign.name), literal.lower()} - {""}:
            return campaign
    return None


def attribute(workspace, *, click_id: str, utm_campaign: str, occurred_at: dt.datetime) -> Credit:
    """Last tracked click within the window, else the campaign named by utm_campaign."""
    days = settings_for(workspace).attribution_days
    if click_id:
        click = (
            Click.objects.for_workspace(workspace)
            .select_related("link__target__post__campaign")
            .filter(click_id=click_id)
            .first()
        )
        if click is not None and occurred_at - dt.timedelta(days=days) <= click.at <= occurred_at:
            target = click.link.target
            campaign = target.post.campaign if target is not None else None
            return Credit(click, campaign, f"click {click_id} within {days} days")
    campaign = campaign_for_utm(workspace, utm_campaign)
    if campaign is not None:
        return Credit(None, campaign, f"utm_campaign {utm_campaign.strip()}")
    if click_id:
        return Credit(rule=f"click {click_id} unknown or older than {days} days")
    return Credit()


# --- conversions -----------------------------------------------------------------------------------


def record_conversion(workspace, data: dict, *, source: str = ConversionSource.API) -> tuple[Conversion, bool]:
    """Record one conversion from plain values (raises ValidationError with field errors).
    Returns (conversion, created): a known order id returns the stored one, unchanged."""
    errors = {}
    order_id = str(data.get("order_id") or "").strip()
    if not order_id:
        errors["order_id"] = ["Give the order id (it makes a repeated call count once)."]
    elif len(order_id) > 200:
        errors["order_id"] = ["At most 200 characters."]
    values = {}
    for name, read in (
        ("value", lambda: parse_amount(data.get("value"), "value")),
        ("currency", lambda: check_currency(workspace, data.get("currency"))),
        ("occurred_at", lambda: parse_moment(data.get("occurred_at"), workspace)),
    ):
        try:
            values[name] = read()
        except ValidationError as error:
            errors.update(error.message_dict)
    click_id = str(data.get("click_id") or "").strip()[:64]
    utm_campaign = str(data.get("utm_campaign") or "").strip()[:200]
    if data.get("value") in (None, "") and "value" not in errors:
        errors["value"] = ["Give the order's value (0 for a lead without one)."]
    if errors:
        raise ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})
    existing = Conversion.objects.for_workspace(workspace).filter(order_id=order_id).first()
    if existing is not None:
        return existing, False
    credit = attribute(workspace, click_id=click_id, utm_campaign=utm_campaign, occurred_at=values["occurred_at"])
    click = credit.click
    conversion = Conversion(
        workspace=workspace,
        order_id=order_id,
        click=click,
        link=click.link if click else None,
        target=click.link.target if click else None,
        campaign=credit.campaign,
        click_ref=click_id,
        utm_campaign=utm_campaign,
        attribution=credit.rule[:200],
        source=source,
        **values,
    )
    try:
        with transaction.atomic():
            conversion.save()
    except IntegrityError:  # the same order id at the same moment: the other call won
        return Conversion.objects.for_workspace(workspace).get(order_id=order_id), False
    return conversion, True


@dataclass
class ImportResult:
    imported: int = 0
    repeated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong)


def _rows(upload) -> tuple[list[str], list[tuple[int, dict]]]:
    raw = upload.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationError({"file": "The file is larger than 5 MB; split it."})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "The file is not UTF-8 text; save it as CSV UTF-8."}) from None
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    rows = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_CSV_ROWS:
            raise ValidationError({"file": f"At most {MAX_CSV_ROWS:,} rows per file; split it."})
        clean = {(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
        if any(clean.values()):
            rows.append((number, clean))
    return headers, rows


def _words(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


ORDER_COLUMNS = ("order_id", "value")


def import_orders(workspace, upload) -> ImportResult:
    """Each row on its own: a good row is recorded (or recognised by its order id), a bad
    row is listed with its line and error and nothing of it is kept."""
    headers, rows = _rows(upload)
    missing = [c for c in ORDER_COLUMNS if c not in headers]
    if missing:
        raise ValidationError(
            {
                "file": f"Missing column(s): {', '.join(missing)}. Expected: order_id, value, currency, "
                "occurred_at, click_id, utm_campaign."
            }
        )
    result = ImportResult()
    for number, row in rows:
        try:
            _, created = record_conversion(workspace, row, source=ConversionSource.CSV)
        except ValidationError as error:
            result.errors.append((number, _words(error)))
            continue
        if created:
            result.imported += 1
        else:
            result.repeated += 1
    return result


def add_spend(workspace, campaign, data: dict, *, source: str = SpendSource.MANUAL) -> Spend:
    errors = {}
    values = {}
    try:
        values["amount"] = parse_amount(data.get("amount"), "amount", allow_zero=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    raw_date = data.get("date")
    day = raw_date if isinstance(raw_date, dt.date) else _date(str(raw_date or "").strip())
    if day is None:
        errors["date"] = ["Give the day like 2026-05-04."]
    try:
        check_currency(workspace, data.get("currency"))
    except ValidationError as error:
        errors.update(error.message_dict)
    note = str(data.get("note") or "").strip()
    if len(note) > 200:
        errors["note"] = ["At most 200 characters."]
    if errors:
        raise ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})
    return Spend.objects.create(
        workspace=workspace, campaign=campaign, date=day, note=note, source=source, amount=values["amount"]
    )


def import_spend(workspace, upload, *, campaign=None) -> ImportResult:
    """Rows of date, amount[, note, currency, campaign]: the campaign column is needed when
    no campaign is given (the campaign page's upload gives it)."""
    headers, rows = _rows(upload)
    needed = ["date", "amount"] + ([] if campaign is not None else ["campaign"])
    missing = [c for c in needed if c not in headers]
    if missing:
        raise ValidationError(
            {"file": f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(needed)}, note."}
        )
    campaigns = {c.name.lower(): c for c in Campaign.objects.for_workspace(workspace)}
    result = ImportResult()
    for number, row in rows:
        chosen = campaign
        if chosen is None:
            chosen = campaigns.get(row.get("campaign", "").lower())
            if chosen is None:
                result.errors.append((number, f"campaign: no campaign named “{row.get('campaign', '')}”."))
                continue
        try:
            add_spend(workspace, chosen, row, source=SpendSource.CSV)
        except ValidationError as error:
            result.errors.append((number, _words(error)))
            continue
        result.imported += 1
    return result


# --- the sums the figures are made of ----------------------------------------------------------

# Where each source finds the group's key.
GROUPS = {
    "campaign": {
        "clicks": "link__target__post__campaign",
        "impressions": "post__campaign",
        "conversions": "campaign",
    },
    "network": {
        "clicks": "link__target__account__network",
        "impressions": "account__network",
        "conversions": "target__account__network",
    },
    "post": {"clicks": "link__target__post", "impressions": "post", "conversions": "target__post"},
    "brand": {
        "clicks": "link__target__post__brand",
        "impressions": "post__brand",
        "conversions": "target__post__brand",
    },
}


@dataclass
class Window:
    """Optional bounds (datetimes, end excluded): clicks and conversions by their moment,
    impressions by the post's publication, spend by its day in the workspace's time zone."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def q(self, path: str) -> Q:
        q = Q()
        if self.start is not None:
            q &= Q(**{f"{path}__gte": self.start})
        if self.end is not None:
            q &= Q(**{f"{path}__lt": self.end})
        return q


def sums(workspace, group: str, *, campaigns=None, window: Window | None = None) -> dict:
    """{key: {impressions, clicks, unique_clicks, conversions, revenue, cost}} for one grouping;
    ``campaigns``: limit to these campaign ids. Cost exists per campaign only (spend is
    entered per campaign), so other groupings carry none."""
    paths = GROUPS[group]
    window = window or Window()
    out: dict = {}

    def row(key):
        return out.setdefault(
            key,
            {
                "impressions": None,
                "clicks": 0,
                "unique_clicks": 0,
                "conversions": 0,
                "revenue": Decimal("0.00"),
                "cost": None,
            },
        )

    clicks = Click.objects.for_workspace(workspace).filter(is_bot=False, link__target__post__campaign__isnull=False)
    impressions = PostTarget.objects.filter(
        post__workspace=workspace, state=TargetState.PUBLISHED, post__campaign__isnull=False
    )
    conversions = Conversion.objects.for_workspace(workspace).filter(campaign__isnull=False)
    if campaigns is not None:
        clicks = clicks.filter(link__target__post__campaign__in=campaigns)
        impressions = impressions.filter(post__campaign__in=campaigns)
        conversions = conversions.filter(campaign__in=campaigns)
    clicks = clicks.filter(window.q("at"))
    impressions = impressions.filter(window.q("published_at"))
    conversions = conversions.filter(window.q("occurred_at"))
    # Distinct (day's visitor hash): the hash changes daily, so this counts visitors per day.
    for r in clicks.values(paths["clicks"]).annotate(n=Count("pk"), u=Count("visitor", distinct=True)).order_by():
        entry = row(r[paths["clicks"]])
        entry["clicks"], entry["unique_clicks"] = r["n"], r["u"]
    for r in impressions.values(paths["impressions"]).annotate(n=Sum("metrics_latest__impressions")).order_by():
        if r["n"] is not None:
            row(r[paths["impressions"]])["impressions"] = r["n"]
    if group == "campaign" and settings_for(workspace).figures_from == FiguresSource.GA4:
        # The money settings chose Google Analytics 4: its key events and purchase revenue
        # stand for the campaign's conversions and revenue, instead of ours (never both).
        start, end = (
            moment.astimezone(workspace.tz).date() if moment is not None else None
            for moment in (window.start, window.end)
        )
        for key, s in ga4.campaign_sums(workspace, campaigns=campaigns, start=start, end=end).items():
            entry = row(key)
            entry["conversions"], entry["revenue"] = s["key_events"], s["revenue"]
    else:
        for r in conversions.values(paths["conversions"]).annotate(n=Count("pk"), v=Sum("value")).order_by():
            entry = row(r[paths["conversions"]])
            entry["conversions"], entry["revenue"] = r["n"], r["v"] or Decimal("0.00")
    if group == "campaign":
        spend = Spend.objects.for_workspace(workspace)
        if campaigns is not None:
            spend = spend.filter(campaign__in=campaigns)
        tz = workspace.tz
        if window.start is not None:
            spend = spend.filter(date__gte=window.start.astimezone(tz).date())
        if window.end is not None:
            spend = spend.filter(date__lt=window.end.astimezone(tz).date())
        for r in spend.values("campaign").annotate(v=Sum("amount")).order_by():
            row(r["campaign"])["cost"] = r["v"]
    return out


def campaign_rows(workspace, *, window: Window | None = None, campaign_ids=None) -> list[dict]:
    """One row per campaign with any activity (or every given campaign): name, budget and
    every figure. Read by the dashboard card, the PDF report, the CSV export and the API."""
    found = sums(workspace, "campaign", campaigns=campaign_ids, window=window)
    campaigns = Campaign.objects.for_workspace(workspace)
    campaigns = campaigns.filter(pk__in=campaign_ids) if campaign_ids is not None else campaigns.filter(pk__in=found)
    currency = settings_for(workspace).currency
    rows = []
    for campaign in campaigns.order_by("name"):
        s = found.get(campaign.pk) or {
            "impressions": None,
            "clicks": 0,
            "unique_clicks": 0,
            "conversions": 0,
            "revenue": Decimal("0.00"),
            "cost": None,
        }
        rows.append({"campaign": campaign, "budget": campaign.budget, "currency": currency, **d.figures(**s)})
    return rows


def dashboard_rows(workspace, *, start=None, end=None, brand_ids=None) -> dict:
    """The dashboard card's content (LinksConfig.roi_rows): campaign rows of the period, the
    currency, the attribution rule in words and the source of conversions and revenue."""
    settings = settings_for(workspace)
    rows = campaign_rows(workspace, window=Window(start, end))
    if brand_ids:
        brand_campaigns = set(
            PostTarget.objects.filter(post__workspace=workspace, post__brand__in=brand_ids)
            .values_list("post__campaign", flat=True)
            .distinct()
        )
        rows = [r for r in rows if r["campaign"].pk in brand_campaigns]
    return {
        "rows": rows,
        "currency": settings.currency,
        "rule": attribution_rule(settings),
        "source": settings.figures_from,
    }


def attribution_rule(settings: RoiSettings) -> str:
    if settings.figures_from == FiguresSource.GA4:
        return (
            "Conversions and revenue are Google Analytics 4's key events and purchase revenue (SMM's own "
            "conversions are not added): GA4 credits them to the campaign (utm_campaign) of the session they "
            "happened in, a direct visit taking the visitor's last non-direct click; "
            f"SMM's {settings.attribution_days}-day window does not apply to them." + _days_of_ga4(settings)
        )
    return (
        f"Conversions are credited to the last tracked click within {settings.attribution_days} days; "
        "without one, to the campaign named by utm_campaign."
    )


def _days_of_ga4(settings: RoiSettings) -> str:
    # GA4's days are the property's: said when they are not the workspace's
    note = ga4.days_note(ga4.connection_for(settings.workspace), settings.workspace)
    return f" {note}" if note else ""


def breakdown(workspace, campaign, group: str) -> list[dict]:
    """The campaign's rows per network, post or brand (no spend below the campaign)."""
    found = sums(workspace, group, campaigns=[campaign.pk])
    labels: dict = {}
    if group == "network":
        from smm.platforms import registry

        labels = {key: registry.label(key) for key in found if key}
    elif group == "post":
        from posts.models import Post

        labels = {p.pk: p for p in Post.objects.for_workspace(workspace).filter(pk__in=[k for k in found if k])}
    elif group == "brand":
        from smm.models import Brand

        labels = {b.pk: b.name for b in Brand.objects.for_workspace(workspace).filter(pk__in=[k for k in found if k])}
    rows = []
    for key, s in found.items():
        label = labels.get(key, key) if key is not None else "Not tied to a post (utm_campaign)"
        rows.append({"key": key, "label": label, **d.figures(**s)})
    rows.sort(key=lambda r: (r["key"] is None, -(r["clicks"] or 0), str(r["label"])))
    return rows
