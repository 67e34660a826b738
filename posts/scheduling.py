"""Time for people: local brand times to UTC (DST gaps and overlaps said out loud), the
next free posting slot of a brand, and the warnings shown before scheduling."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from posts.models import Post, PostingSlot, PostStatus, PostTarget, TargetState

UTC = dt.UTC

# Posts that hold their time: a slot they sit on is taken.
HOLDING_STATUSES = (
    PostStatus.PENDING_APPROVAL,
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHING,
    PostStatus.PUBLISHED,
    PostStatus.PARTIALLY_PUBLISHED,
    PostStatus.NEEDS_ATTENTION,
)
# Targets that will go out (or went out) at their time.
LIVE_TARGET_STATES = (
    TargetState.PENDING_APPROVAL,
    TargetState.SCHEDULED,
    TargetState.QUEUED,
    TargetState.PUBLISHING,
    TargetState.PUBLISHED,
    TargetState.UNKNOWN,
)

DUPLICATE_WINDOW = dt.timedelta(days=30)
CROWDING_WINDOW = dt.timedelta(minutes=10)
# How far ahead "Add to queue" looks for a free slot.
QUEUE_HORIZON_WEEKS = 12


@dataclass(frozen=True)
class LocalTime:
    """A wall-clock time in a zone resolved to one instant, and what we had to decide."""

    utc: dt.datetime
    local: dt.datetime  # aware, in the zone, as it will really read on the clock
    note: str = ""  # non-empty when the time was moved (gap) or disambiguated (overlap)
    kind: str = "exact"  # exact | gap | overlap


def _clock(value: dt.datetime) -> str:
    return f"{value.hour}:{value.minute:02d}"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B}"


def resolve_local(day: dt.date, time: dt.time, zone: str | zoneinfo.ZoneInfo) -> LocalTime:
    """The instant a person means by ``day`` ``time`` on the clocks of ``zone``.

    A time that does not exist (clocks go forward over it) moves forward by the
    length of the gap, as the clock would read it; a time that happens twice (clocks
    go back) is the first occurrence. Either way ``note`` tells the person."""
    tz = zone if isinstance(zone, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(zone)
    wall = dt.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return LocalTime(first.astimezone(UTC), first)
    utc = first.astimezone(UTC)
    back = utc.astimezone(tz)
    if back.replace(tzinfo=None) != wall:
        # A gap: the earlier offset carries the wall time past the jump.
        note = (
            f"{_clock(wall)} does not exist on {_day(day)} in {tz.key} (clocks go forward); "
            f"scheduled for {_clock(back)}."
        )
        return LocalTime(utc, back, note, "gap")
    note = (
        f"{_clock(wall)} happens twice on {_day(day)} in {tz.key} (clocks go back); "
        f"scheduled for the first one, {_clock(wall)} {first.tzname()}."
    )
    return LocalTime(utc, first, note, "overlap")


def to_local(value: dt.datetime, zone: str | zoneinfo.ZoneInfo) -> dt.datetime:
    tz = zone if isinstance(zone, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(zone)
    return value.astimezone(tz)


def zones_differ(value: dt.datetime, zone_a, zone_b) -> bool:
    """True when two zones read differently at ``value`` (so showing both helps)."""
    return to_local(value, zone_a).utcoffset() != to_local(value, zone_b).utcoffset()


def describe(value: dt.datetime, viewer_zone, brand=None) -> tuple[str, str]:
    """("Thu 15 Jan 2099, 08:30 UTC", "09:30 in Europe/Berlin"): the time as the viewer
    reads it, and the brand's local time when that reads differently (else "")."""
    local = to_local(value, viewer_zone)
    text = f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"
    if brand is None or not zones_differ(value, viewer_zone, brand.tz):
        return text, ""
    there = to_local(value, brand.tz)
    day = "" if there.date() == local.date() else f" {there:%a}"
    return text, f"{there:%H:%M}{day} in {brand.time_zone}"


# --- posting slots ------------------------------------------------------------------------


def next_free_slot(brand, after: dt.datetime | None = None, *, exclude_post=None) -> dt.datetime | None:
    """The brand's next posting slot strictly after ``after`` (UTC) that no scheduled post
    of the brand already holds, or None when the brand has no slots (or all are taken
    for the next weeks). Slots are wall-clock times in the brand's zone."""
    after = after or timezone.now()
    slots = list(PostingSlot.objects.filter(brand=brand).order_by("weekday", "time"))
    if not slots:
        return None
    tz = brand.tz
    start_day = after.astimezone(tz).date()
    horizon_days = 7 * QUEUE_HORIZON_WEEKS + 1
    end = after + dt.timedelta(days=horizon_days + 1)
    taken_query = Post.objects.filter(
        brand=brand, status__in=HOLDING_STATUSES, scheduled_at__gt=after, scheduled_at__lte=end
    )
    if exclude_post is not None:
        taken_query = taken_query.exclude(pk=exclude_post.pk)
    taken = set(taken_query.values_list("scheduled_at", flat=True))
    by_weekday: dict[int, list[PostingSlot]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot)
    for offset in range(horizon_days):
        day = start_day + dt.timedelta(days=offset)
        for slot in by_weekday.get(day.weekday(), []):
            when = resolve_local(day, slot.time, tz).utc
            if when > after and when not in taken:
                return when
    return None


# --- warnings ---------------------------------------------------------------------------


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def schedule_warnings(post: Post, when: dt.datetime) -> list[str]:
    """Things worth a second look before scheduling, never a refusal: the same text to
    the same account within 30 days (X and Facebook refuse duplicates, audiences
    notice them), and two posts of the brand on one account within 10 minutes."""
    warnings: list[str] = []
    targets = [t for t in post.targets.select_related("account") if t.state != TargetState.CANCELLED]
    for target in targets:
        others = (
            PostTarget.objects.filter(account=target.account, state__in=LIVE_TARGET_STATES)
            .exclude(post=post)
            .select_related("post")
        )
        text = _normalised(target.text or post.text)
        if text:
            for other in others.filter(
                post__scheduled_at__gte=when - DUPLICATE_WINDOW, post__scheduled_at__lte=when + DUPLICATE_WINDOW
            ):
                if _normalised(other.text or other.post.text) == text:
                    days = abs((other.post.scheduled_at - when).days)
                    span = "the same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} apart"
                    warnings.append(
                        f"The same text goes to {target.account} {span} (post #{other.post_id}). "
                        "Some networks refuse duplicates and followers notice them."
                    )
                    break
        near = others.filter(
            post__scheduled_at__gt=when - CROWDING_WINDOW, post__scheduled_at__lt=when + CROWDING_WINDOW
        ).first()
        if near is not None:
            minutes = round(abs((near.post.scheduled_at - when).total_seconds()) / 60)
            warnings.append(
                f"Another post of this brand goes to {target.account} {minutes} minute"
                f"{'s' if minutes != 1 else ''} from this one (post #{near.post_id})."
            )
    return warnings
