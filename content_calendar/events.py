"""What the calendar shows for a date range: posts as cards, and posting slots, campaigns
and notes as background banners, as FullCalendar event dicts.

Times leave the server as ISO 8601 strings with the offset of the viewer's time zone (an
exact instant that also reads right); the page runs FullCalendar in the same named zone
with its Luxon plugin, so what is drawn and what a drag sends back agree with the server.
Every query here is per range, never per post: the number of queries is constant.
"""

from __future__ import annotations

import re
import zoneinfo
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.db.models import Exists, F, FloatField, Func, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import empty

from content_calendar.models import CalendarNote
from posts.models import (
    HELD_STATUSES,
    Campaign,
    Post,
    PostingSlot,
    PostMedia,
    PostStatus,
    PostTarget,
    TargetState,
)
from smm.models import Brand
from smm.platforms import registry
from smm.request_input import as_id

MAX_RANGE = timedelta(days=100)  # a month grid is 42 days; refuse to build a year in one request
SLOT_LENGTH = timedelta(minutes=30)
# How long a post's card is drawn in the week grid. A post is a moment, not a span: its card
# never runs past the midnight after it, or the month grid draws it on the next day too.
CARD_LENGTH = timedelta(hours=1)


def card_end(start: datetime) -> datetime:
    """Where a card that starts at ``start`` (aware, in the viewer's zone) ends: an hour later,
    or at the midnight that ends its day when that comes first."""
    midnight = datetime.combine(start.date() + timedelta(days=1), time.min, tzinfo=start.tzinfo)
    return min(start + CARD_LENGTH, midnight)


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
            number = as_id(part)
            if number is None:
                raise ValidationError(f"{name} must be a number, not {part[:40]!r}.")
            ids.append(number)
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
        unknown = [n for n in networks if n not in registry.NETWORKS]
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
# What a card says instead of "Scheduled"/"Publishing" while its brand is paused.
HELD_LABEL = "Held"


def held_reason(brand_name: str) -> str:
    return f"{brand_name} is paused: nothing of it goes out until it is resumed."


POST_COLUMNS = (
    "id",
    "text",
    "at",
    "status",
    "brand_id",
    "campaign_id",
    "campaign__name",
    "author_id",
    "author__username",
    "author__first_name",
    "author__last_name",
)
EPOCH = Func(F("scheduled_at"), template="EXTRACT(EPOCH FROM %(expressions)s)::float8", output_field=FloatField())


def with_epoch(posts):
    """Posts annotated with ``at``, their scheduled time as POSIX seconds, and the function
    that gives those seconds from the value read (None when it already is). PostgreSQL
    computes them: the timestamptz loader Django installs in psycopg is pure Python and
    parsing thousands of timestamps was a third of a busy month's feed. Elsewhere the
    datetime is read and converted."""
    if connections[posts.db].vendor == "postgresql":
        return posts.annotate(at=EPOCH), None
    return posts.annotate(at=F("scheduled_at")), datetime.timestamp


# English names, as strftime gives them in the C locale the server runs in, without its cost.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Relative names whose segments are plain words with dots inside (no "", "." or ".." segment).
_SEGMENT = r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*"
_PLAIN_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


class Card(NamedTuple):
    """One post of the calendar, with references into its :class:`CardSet`'s tables."""

    pk: int
    title: str
    start: str  # ISO 8601 in the viewer's zone
    end: str  # the card's end, on the same day as its start (see card_end)
    status: str
    brand_id: int
    targets: tuple  # ((account_id, target state), ...) of the targets shown (not cancelled ones)
    networks: list[str]
    thumbnail: str
    campaign_id: int | None
    author_id: int | None
    brand_time: str | None  # the same moment in the brand's zone, when it differs from the viewer's
    held: bool  # due to go out, but its brand is paused (the dispatcher holds it)


@dataclass
class CardSet:
    """The posts of a range as lean cards plus the tables they refer to by id: a brand's,
    an account's, a campaign's and an author's details are read and sent once, not per card."""

    cards: list[Card]
    brands: dict[int, dict]
    accounts: dict[int, dict]
    campaigns: dict[int, str]
    authors: dict[int, str]
    post_url: str  # the post page's URL with ``{id}`` for the post's id; "" without a post page


def _thumbnail_url():
    """``default_storage.url`` for many names: plain relative names of a file system storage are
    appended to its base URL (what ``urljoin`` does for them, without its cost), others go
    through the storage; each name once."""
    if default_storage._wrapped is empty:
        default_storage._setup()
    storage = default_storage._wrapped
    base = storage.base_url if isinstance(storage, FileSystemStorage) else None
    seen: dict[str, str] = {}

    def url(name: str) -> str:
        found = seen.get(name)
        if found is None:
            plain = base is not None and _PLAIN_PATH.fullmatch(name)
            found = seen[name] = base + name if plain else default_storage.url(name)
        return found

    return url


def card_set(workspace, posts, tz) -> CardSet:
    """Cards for a queryset of the workspace's posts, in four queries however many posts: the
    posts (with campaign and author), their brands, their targets (with the account), their
    images. Tuples (``values_list``), not model instances or dicts: a busy month has thousands."""
    posts = posts.order_by("scheduled_at", "id")
    brands = {
        pk: {"id": pk, "name": name, "colour": colour, "timeZone": zone, "paused": paused}
        for pk, name, colour, zone, paused in Brand.objects.for_workspace(workspace)
        .order_by()
        .values_list("id", "name", "colour", "time_zone", "paused")
    }
    found = CardSet([], brands, {}, {}, {}, post_url_template(workspace))
    timed, seconds = with_epoch(posts)
    rows = list(timed.values_list(*POST_COLUMNS))
    if not rows:
        return found
    ids = posts.order_by().values("id")  # a subquery, not a list of thousands of parameters
    accounts = found.accounts
    targets: dict[int, list] = {}
    for post_id, account_id, state, network, handle in (
        PostTarget.objects.filter(post__in=ids)
        .order_by("post_id", "id")
        .values_list("post_id", "account_id", "state", "account__network", "account__handle")
    ):
        targets.setdefault(post_id, []).append((account_id, state))
        if account_id not in accounts:
            accounts[account_id] = {"id": account_id, "network": network, "handle": handle}
    url = _thumbnail_url()
    thumbnails: dict[int, str] = {}
    for post_id, thumbnail, file in (
        PostMedia.objects.filter(post__in=ids)
        .order_by("post_id", "order", "id")
        .values_list("post_id", "asset__thumbnail", "asset__file")
    ):
        if post_id not in thumbnails and (thumbnail or file):
            thumbnails[post_id] = url(thumbnail or file)

    viewer_zone = getattr(tz, "key", str(tz))
    other_zones = {pk: zoneinfo.ZoneInfo(b["timeZone"]) for pk, b in brands.items() if b["timeZone"] != viewer_zone}
    campaigns, authors = found.campaigns, found.authors
    shown_of: dict[tuple, tuple] = {}  # the same targets (by value) give the same shown targets and networks
    cards = found.cards
    append = cards.append
    cancelled = TargetState.CANCELLED
    at = datetime.fromtimestamp
    for pk, text, moment, status, brand_id, campaign_id, campaign, author_id, username, first, last in rows:
        if seconds is not None:
            moment = seconds(moment)
        if campaign_id is not None and campaign_id not in campaigns:
            campaigns[campaign_id] = campaign
        if author_id is not None and author_id not in authors:
            authors[author_id] = f"{first} {last}".strip() or username
        mine = tuple(targets.get(pk, ()))
        shown = shown_of.get(mine)
        if shown is None:
            live = tuple(t for t in mine if t[1] != cancelled) or mine
            shown = shown_of[mine] = (live, sorted({accounts[a]["network"] for a, _ in live}))
        zone = other_zones.get(brand_id)
        brand_time = None
        if zone is not None:
            there = at(moment, zone)
            brand_time = (
                f"{_WEEKDAYS[there.weekday()]} {there.day:02d} {_MONTHS[there.month - 1]}, "
                f"{there.hour:02d}:{there.minute:02d} {there.tzname()}"
            )
        local = at(moment, tz)
        append(
            Card(
                pk,
                first_words(text),
                local.isoformat(),
                card_end(local).isoformat(),
                status,
                brand_id,
                shown[0],
                shown[1],
                thumbnails.get(pk, ""),
                campaign_id,
                author_id,
                brand_time,
                status in HELD_STATUSES and brands[brand_id]["paused"],
            )
        )
    return found


def compact_events(found: CardSet) -> list[dict]:
    """The browser's shape: each card refers to the feed's tables by id (calendar.js joins them)."""
    return [
        {
            "id": f"post-{c.pk}",
            "title": c.title,
            "start": c.start,
            "end": c.end,
            "extendedProps": {
                "kind": "post",
                "postId": c.pk,
                "status": c.status,
                "brandId": c.brand_id,
                "accountIds": [a for a, _ in c.targets],
                "networks": c.networks,
                "thumbnail": c.thumbnail,
                "campaignId": c.campaign_id,
                "authorId": c.author_id,
                "brandTime": c.brand_time,
                "held": c.held,
            },
        }
        for c in found.cards
    ]


def full_events(found: CardSet, *, editable: bool) -> list[dict]:
    """Self-contained cards (the API's documented shape and the reschedule answer): every
    detail inline on every card."""
    brands, accounts = found.brands, found.accounts
    post_url = found.post_url
    events = []
    for c in found.cards:
        brand = brands[c.brand_id]
        events.append(
            {
                "id": f"post-{c.pk}",
                "title": c.title,
                "start": c.start,
                "end": c.end,
                # Whoever may schedule can try any drag: the server refuses what cannot move, with the reason.
                "editable": editable,
                "classNames": ["post-card", f"state-{c.status}", *(["held"] if c.held else [])],
                "extendedProps": {
                    "kind": "post",
                    "postId": c.pk,
                    "url": post_url.replace("{id}", str(c.pk)) if post_url else "",
                    "status": c.status,
                    "statusLabel": HELD_LABEL if c.held else STATUS_LABELS.get(c.status, c.status),
                    "held": c.held,
                    "heldReason": held_reason(brand["name"]) if c.held else "",
                    "brand": brand,
                    "brandTime": {"name": brand["timeZone"], "label": c.brand_time} if c.brand_time else None,
                    "networks": c.networks,
                    "accounts": [{**accounts[a], "state": TARGET_LABELS.get(state, state)} for a, state in c.targets],
                    "thumbnail": c.thumbnail,
                    "campaign": (found.campaigns.get(c.campaign_id) or "") if c.campaign_id else "",
                    "author": found.authors.get(c.author_id, "") if c.author_id else "",
                },
            }
        )
    return events


def post_cards(workspace, posts, tz, *, editable: bool) -> list[dict]:
    """Self-contained cards for a queryset of the workspace's posts (constant queries)."""
    return full_events(card_set(workspace, posts, tz), editable=editable)


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
    # POSIX seconds cut to the minute, sorted by the database (the brand and time index).
    taken = (
        Post.objects.for_workspace(workspace)
        .filter(brand_id__in={s.brand_id for s in slots}, scheduled_at__gte=start - SLOT_LENGTH, scheduled_at__lt=end)
        .exclude(status=PostStatus.CANCELLED)
        .order_by("brand_id", "scheduled_at")
    )
    taken, seconds = with_epoch(taken)
    taken_by_brand: dict[int, list[float]] = {}
    for brand_id, moment in taken.values_list("brand_id", "at"):
        if seconds is not None:
            moment = seconds(moment)
        taken_by_brand.setdefault(brand_id, []).append(moment - moment % 60)
    length = SLOT_LENGTH.total_seconds()
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
            when = begins.timestamp()
            i = bisect_left(times, when)
            if i < len(times) and times[i] < when + length:
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
    template = post_url_template(workspace)
    if not template:  # the post page belongs to the composer; without it cards just don't link
        return lambda pk: ""
    return lambda pk: template.replace("{id}", str(pk))


def post_url_template(workspace) -> str:
    """The post page's URL with ``{id}`` where the post's id goes ("" without a post page)."""
    marker = 987654321
    try:
        pattern = reverse("posts:detail", kwargs={"ws": workspace.slug, "post_id": marker})
    except NoReverseMatch:
        return ""
    return pattern.replace(str(marker), "{id}")


def _read_request(query, tz) -> tuple[datetime, datetime, CalendarFilters]:
    start = parse_moment(query.get("start"), tz, name="start")
    end = parse_moment(query.get("end"), tz, name="end")
    if end <= start:
        raise ValidationError("end must be after start.")
    if end - start > MAX_RANGE:
        raise ValidationError(f"Ask for at most {MAX_RANGE.days} days at a time.")
    return start, end, CalendarFilters.from_query(query)


def _background_events(workspace, query, start, end, tz, filters) -> list[dict]:
    events = []
    if query.get("slots") in ("1", "true"):
        events += slot_events(workspace, start, end, tz, filters)
    events += banner_events(workspace, start, end, tz, filters)
    return events


def calendar_events(workspace, membership, query, tz: zoneinfo.ZoneInfo) -> tuple[list[dict], datetime, datetime]:
    """Every event of the requested range with every detail inline on every card (the API's
    shape); raises ValidationError for a bad request."""
    start, end, filters = _read_request(query, tz)
    found = card_set(workspace, posts_in_range(workspace, start, end, filters), tz)
    events = full_events(found, editable=membership.can("schedule_posts"))
    return events + _background_events(workspace, query, start, end, tz, filters), start, end


def calendar_feed(workspace, membership, query, tz: zoneinfo.ZoneInfo) -> dict:
    """The calendar page's JSON feed: the range's events, post cards referring by id to the
    brands, accounts, campaigns and authors sent once beside them (a busy month has thousands
    of cards and a handful of brands); raises ValidationError for a bad request."""
    start, end, filters = _read_request(query, tz)
    found = card_set(workspace, posts_in_range(workspace, start, end, filters), tz)
    return {
        "timeZone": getattr(tz, "key", str(tz)),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "editable": membership.can("schedule_posts"),
        "postUrl": found.post_url,
        "statusLabels": STATUS_LABELS,
        "heldLabel": HELD_LABEL,
        "heldReasons": {pk: held_reason(b["name"]) for pk, b in found.brands.items() if b["paused"]},
        "brands": found.brands,
        "accounts": found.accounts,
        "campaigns": found.campaigns,
        "authors": found.authors,
        "events": compact_events(found) + _background_events(workspace, query, start, end, tz, filters),
    }
