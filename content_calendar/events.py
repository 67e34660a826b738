"""What the calendar shows for a date range: posts as cards, and posting slots, campaigns
and notes as background banners, as FullCalendar event dicts.

Times leave the server as ISO 8601 strings with the offset of the viewer's time zone (an
exact instant that also reads right); the page runs FullCalendar in the same named zone
with its Luxon plugin, so what is drawn and what a drag sends back agree with the server.
Every query here is per range, never per post: the number of queries is constant.
"""

from __future__ import annotations

import zoneinfo
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from content_calendar.models import CalendarNote
from posts.models import Campaign, Post, PostingSlot, PostMedia, PostStatus, PostTarget, TargetState
from smm.models import Brand
from smm.platforms import NETWORK_LABELS

MAX_RANGE = timedelta(days=100)  # a month grid is 42 days; refuse to build a year in one request
SLOT_LENGTH = timedelta(minutes=30)


def parse_moment(raw: str | None, tz, *, name: str) -> datetime:
    """An aware datetime from an ISO datetime (offset or not) or a date, read in ``tz`` when naive."""
    raw = (raw or "").strip()
    if not raw:
        raise ValidationError(f"{name} is required (an ISO date or date-time).")
    try:
        # A '+' of an offset typed into a query string by hand arrives as a space.
        moment = parse_datetime(raw) or parse_datetime(raw.replace(" ", "+"))
        if moment is None:
            day = parse_date(raw)
            if day is None:
                raise ValueError
            moment = datetime.combine(day, time.min)
    except ValueError:
        raise ValidationError(f"{name} must be an ISO date or date-time, not {raw!r}.")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    return moment


def _ids(values: list[str], name: str) -> list[int]:
    ids = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(f"{name} must be a number, not {part!r}.")
            ids.append(int(part))
    return ids


def _words(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@dataclass
class CalendarFilters:
    brands: list[int] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    campaigns: list[int] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    authors: list[int] = field(default_factory=list)

    @classmethod
    def from_query(cls, query) -> CalendarFilters:
        states = _words(query.getlist("state"))
        unknown = [s for s in states if s not in PostStatus.values]
        if unknown:
            raise ValidationError(f"Unknown state {unknown[0]!r}.")
        networks = _words(query.getlist("network"))
        unknown = [n for n in networks if n not in NETWORK_LABELS]
        if unknown:
            raise ValidationError(f"Unknown network {unknown[0]!r}.")
        return cls(
            brands=_ids(query.getlist("brand"), "brand"),
            accounts=_ids(query.getlist("account"), "account"),
            networks=networks,
            campaigns=_ids(query.getlist("campaign"), "campaign"),
            states=states,
            authors=_ids(query.getlist("author"), "author"),
        )

    def apply(self, posts):
        if self.brands:
            posts = posts.filter(brand_id__in=self.brands)
        if self.campaigns:
            posts = posts.filter(campaign_id__in=self.campaigns)
        if self.states:
            posts = posts.filter(status__in=self.states)
        if self.authors:
            posts = posts.filter(author_id__in=self.authors)
        # Exists rather than a join: no duplicate rows, no DISTINCT over the whole post.
        if self.accounts:
            posts = posts.filter(Exists(PostTarget.objects.filter(post=OuterRef("pk"), account_id__in=self.accounts)))
        if self.networks:
            posts = posts.filter(
                Exists(PostTarget.objects.filter(post=OuterRef("pk"), account__network__in=self.networks))
            )
        return posts


# Labels by value: ``get_FOO_display`` flattens the choices on every call, per post.
STATUS_LABELS = dict(PostStatus.choices)
TARGET_LABELS = dict(TargetState.choices)
POST_FIELDS = (
    "id",
    "text",
    "scheduled_at",
    "status",
    "brand_id",
    "campaign__name",
    "author__username",
    "author__first_name",
    "author__last_name",
)


def post_cards(workspace, posts, tz, *, editable: bool, url_for=None) -> list[dict]:
    """Cards for a queryset of the workspace's posts, in four queries however many posts:
    the posts, their brands, their targets' accounts, their first images. Plain rows
    (``values``), not model instances: a busy month has thousands of cards."""
    url_for = url_for or post_url_builder(workspace)
    posts = posts.order_by("scheduled_at", "id")
    rows = list(posts.values(*POST_FIELDS))
    if not rows:
        return []
    ids = posts.values("id")  # a subquery, not a list of thousands of parameters
    brands = {b.pk: b for b in Brand.objects.for_workspace(workspace)}
    accounts: dict[int, list[dict]] = {}
    for t in (
        PostTarget.objects.filter(post__in=ids)
        .order_by("post_id", "id")
        .values("post_id", "account_id", "state", "account__network", "account__handle")
    ):
        accounts.setdefault(t["post_id"], []).append(t)
    thumbnails: dict[int, str] = {}
    for m in (
        PostMedia.objects.filter(post__in=ids)
        .order_by("post_id", "order", "id")
        .values("post_id", "asset__thumbnail", "asset__file")
    ):
        if m["post_id"] not in thumbnails and (m["asset__thumbnail"] or m["asset__file"]):
            thumbnails[m["post_id"]] = default_storage.url(m["asset__thumbnail"] or m["asset__file"])
    brand_props = {
        pk: {"id": b.pk, "name": b.name, "colour": b.colour, "timeZone": b.time_zone} for pk, b in brands.items()
    }
    viewer_zone = getattr(tz, "key", str(tz))
    return [_card(row, tz, viewer_zone, brands, brand_props, accounts, thumbnails, editable, url_for) for row in rows]


def _card(row, tz, viewer_zone, brands, brand_props, accounts, thumbnails, editable, url_for) -> dict:
    pk = row["id"]
    local = row["scheduled_at"].astimezone(tz)
    brand = brands[row["brand_id"]]
    targets = accounts.get(pk, [])
    live = [t for t in targets if t["state"] != TargetState.CANCELLED] or targets
    brand_time = None
    if brand.time_zone != viewer_zone:
        brand_time = {"name": brand.time_zone, "label": _zone_label(row["scheduled_at"].astimezone(brand.tz))}
    author = ""
    if row["author__username"]:
        full = f"{row['author__first_name']} {row['author__last_name']}".strip()
        author = full or row["author__username"]
    text = " ".join(row["text"].split())
    return {
        "id": f"post-{pk}",
        "title": first_words(text),
        "start": local.isoformat(),
        # Whoever may schedule can try any drag: the server refuses what cannot move, with the reason.
        "editable": editable,
        "classNames": ["post-card", f"state-{row['status']}"],
        "extendedProps": {
            "kind": "post",
            "postId": pk,
            "url": url_for(pk),
            "status": row["status"],
            "statusLabel": STATUS_LABELS.get(row["status"], row["status"]),
            "brand": brand_props[brand.pk],
            "brandTime": brand_time,
            "networks": sorted({t["account__network"] for t in live}),
            "accounts": [
                {
                    "id": t["account_id"],
                    "network": t["account__network"],
                    "handle": t["account__handle"],
                    "state": TARGET_LABELS.get(t["state"], t["state"]),
                }
                for t in live
            ],
            "thumbnail": thumbnails.get(pk, ""),
            "campaign": row["campaign__name"] or "",
            "author": author,
        },
    }


def posts_in_range(workspace, start: datetime, end: datetime, filters: CalendarFilters):
    posts = Post.objects.for_workspace(workspace).filter(scheduled_at__gte=start, scheduled_at__lt=end)
    return filters.apply(posts)


def first_words(text: str, words: int = 10) -> str:
    """The opening words of a text, cut at a word with an ellipsis."""
    parts = text.split(maxsplit=words)
    if not parts:
        return "(no text)"
    if len(parts) > words:
        return " ".join(parts[:words]) + "…"
    return " ".join(parts)


def _zone_label(moment: datetime) -> str:
    return f"{moment:%a %d %b, %H:%M} {moment.tzname()}"


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def slot_events(workspace, start: datetime, end: datetime, tz, filters: CalendarFilters) -> list[dict]:
    """The brands' weekly posting slots that no post fills yet, as faint placeholders."""
    brands = Brand.objects.for_workspace(workspace)
    if filters.brands:
        brands = brands.filter(pk__in=filters.brands)
    if filters.accounts or filters.networks:
        accounts = Q()
        if filters.accounts:
            accounts &= Q(accounts__id__in=filters.accounts)
        if filters.networks:
            accounts &= Q(accounts__network__in=filters.networks)
        brands = brands.filter(accounts).distinct()
    slots = list(PostingSlot.objects.filter(brand__in=brands).select_related("brand"))
    if not slots:
        return []
    taken = {
        (brand_id, moment.replace(second=0, microsecond=0))
        for brand_id, moment in Post.objects.for_workspace(workspace)
        .filter(brand_id__in={s.brand_id for s in slots}, scheduled_at__gte=start - SLOT_LENGTH, scheduled_at__lt=end)
        .exclude(status=PostStatus.CANCELLED)
        .values_list("brand_id", "scheduled_at")
    }
    taken_by_brand: dict[int, list[datetime]] = {}
    for brand_id, moment in sorted(taken):
        taken_by_brand.setdefault(brand_id, []).append(moment)
    events = []
    for slot in slots:
        zone = slot.brand.tz
        for day in _days(start.astimezone(zone).date(), end.astimezone(zone).date()):
            if day.weekday() != slot.weekday:
                continue
            begins = datetime.combine(day, slot.time, tzinfo=zone)
            if not (start <= begins < end):
                continue
            times = taken_by_brand.get(slot.brand_id, [])
            i = bisect_left(times, begins)
            if i < len(times) and times[i] < begins + SLOT_LENGTH:
                continue  # a post already fills this slot
            events.append(
                {
                    "id": f"slot-{slot.pk}-{day.isoformat()}",
                    "title": f"Open slot · {slot.brand.name}",
                    "start": begins.astimezone(tz).isoformat(),
                    "end": (begins + SLOT_LENGTH).astimezone(tz).isoformat(),
                    "display": "background",
                    "classNames": ["slot-placeholder"],
                    "backgroundColor": slot.brand.colour,
                    "extendedProps": {"kind": "slot", "brandId": slot.brand_id},
                }
            )
    return events


def _banner(kind: str, pk: int, title: str, first: date, last: date, colour: str, **extra) -> dict:
    return {
        "id": f"{kind}-{pk}",
        "title": title,
        "start": first.isoformat(),
        "end": (last + timedelta(days=1)).isoformat(),  # FullCalendar's all-day end is exclusive
        "allDay": True,
        "display": "background",
        "classNames": [f"{kind}-banner"],
        "backgroundColor": colour,
        "extendedProps": {"kind": kind, **extra},
    }


def banner_events(workspace, start: datetime, end: datetime, tz, filters: CalendarFilters) -> list[dict]:
    """Campaign date ranges and calendar notes overlapping the range, as all-day banners."""
    first, last = start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()
    events = []
    campaigns = Campaign.objects.for_workspace(workspace).filter(starts_on__isnull=False, starts_on__lte=last)
    campaigns = campaigns.filter(Q(ends_on__gte=first) | Q(ends_on__isnull=True, starts_on__gte=first))
    if filters.campaigns:
        campaigns = campaigns.filter(pk__in=filters.campaigns)
    for campaign in campaigns:
        ends = campaign.ends_on or campaign.starts_on
        events.append(
            _banner("campaign", campaign.pk, f"Campaign: {campaign.name}", campaign.starts_on, ends, campaign.colour)
        )
    notes = CalendarNote.objects.for_workspace(workspace).filter(starts_on__lte=last, ends_on__gte=first)
    if filters.brands:
        notes = notes.filter(Q(brand__isnull=True) | Q(brand_id__in=filters.brands))
    for note in notes:
        events.append(_banner("note", note.pk, note.title, note.starts_on, note.ends_on, note.colour))
    return events


def post_url_builder(workspace):
    """A post-page URL maker that resolves the URL pattern once, not once per post."""
    marker = 987654321
    try:
        pattern = reverse("posts:detail", kwargs={"ws": workspace.slug, "post_id": marker})
    except NoReverseMatch:  # the post page belongs to the composer; without it cards just don't link
        return lambda pk: ""
    return lambda pk: pattern.replace(str(marker), str(pk))


def calendar_events(
    workspace, membership, query, tz: zoneinfo.ZoneInfo, *, url_for=None
) -> tuple[list[dict], datetime, datetime]:
    """Every event of the requested range; raises ValidationError for a bad request."""
    start = parse_moment(query.get("start"), tz, name="start")
    end = parse_moment(query.get("end"), tz, name="end")
    if end <= start:
        raise ValidationError("end must be after start.")
    if end - start > MAX_RANGE:
        raise ValidationError(f"Ask for at most {MAX_RANGE.days} days at a time.")
    filters = CalendarFilters.from_query(query)
    url_for = url_for or post_url_builder(workspace)
    editable = membership.can("schedule_posts")
    events = post_cards(
        workspace, posts_in_range(workspace, start, end, filters), tz, editable=editable, url_for=url_for
    )
    if query.get("slots") in ("1", "true"):
        events += slot_events(workspace, start, end, tz, filters)
    events += banner_events(workspace, start, end, tz, filters)
    return events, start, end
