"""Recurrence rules: RFC 5545 RRULEs (python-dateutil) read in wall-clock time.

The rule runs over naive local datetimes (09:00 stays 09:00 on the clock, whatever the
UTC offset that day); each one is then resolved in the zone by
``posts.scheduling.resolve_local``: a time that does not exist (clocks go forward) moves
forward by the gap, a time that happens twice (clocks go back) is the first one.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from dateutil.rrule import rrulestr

from posts.scheduling import LocalTime, resolve_local

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
PRESETS = ("daily", "weekdays", "weekly", "monthly_day", "monthly_weekday")
MAX_INTERVAL = 99
MAX_COUNT = 500


class RuleError(ValueError):
    """A rule a person asked for that cannot be: ``errors`` by field name."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Recurrence:
    """What the composer's Repeat section says, before it becomes an RRULE."""

    preset: str
    starts_on: dt.date
    at: dt.time
    zone: str
    interval: int = 1
    days: list[str] = field(default_factory=list)  # weekly: MO..SU
    until: dt.date | None = None
    count: int | None = None

    def rule(self) -> str:
        parts: list[str]
        if self.preset == "daily":
            parts = ["FREQ=DAILY"]
        elif self.preset == "weekdays":
            parts = ["FREQ=WEEKLY", "BYDAY=MO,TU,WE,TH,FR"]
        elif self.preset == "weekly":
            days = [d for d in WEEKDAYS if d in (self.days or [WEEKDAYS[self.starts_on.weekday()]])]
            parts = ["FREQ=WEEKLY", f"BYDAY={','.join(days)}"]
        elif self.preset == "monthly_day":
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={self.starts_on.day}"]
        else:
            parts = ["FREQ=MONTHLY", f"BYDAY={nth_weekday(self.starts_on)}{WEEKDAYS[self.starts_on.weekday()]}"]
        if self.interval != 1:
            parts.insert(1, f"INTERVAL={self.interval}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        elif self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)


def nth_weekday(day: dt.date) -> int:
    """1..4 for the first to fourth such weekday of the month; -1 for a fifth (the last)."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def check(rec: Recurrence) -> Recurrence:
    errors = {}
    if rec.preset not in PRESETS:
        errors["repeat"] = "Pick how often it repeats."
    if not 1 <= rec.interval <= MAX_INTERVAL:
        errors["repeat_interval"] = f"Repeat every 1 to {MAX_INTERVAL}."
    if rec.preset == "weekly" and rec.days and any(d not in WEEKDAYS for d in rec.days):
        errors["repeat_days"] = "Pick days of the week."
    if rec.until is not None and rec.until < rec.starts_on:
        errors["repeat_until"] = f"The end date is before the first date ({rec.starts_on:%d %b %Y})."
    if rec.count is not None and not 1 <= rec.count <= MAX_COUNT:
        errors["repeat_count"] = f"Repeat 1 to {MAX_COUNT} times."
    try:
        zoneinfo.ZoneInfo(rec.zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["repeat"] = f"{rec.zone} is not a time zone."
    if errors:
        raise RuleError(errors)
    return rec


def parse(rule: str) -> dict[str, str]:
    """``FREQ=WEEKLY;BYDAY=MO,TH`` -> {"FREQ": "WEEKLY", "BYDAY": "MO,TH"}."""
    out = {}
    for part in rule.split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key.strip().upper()] = value.strip().upper()
    return out


def recurrence_of(rule: str, starts_on: dt.date, at: dt.time, zone: str) -> Recurrence:
    """The Repeat section's fields for a stored rule (to edit a series)."""
    parts = parse(rule)
    freq, byday = parts.get("FREQ"), parts.get("BYDAY", "")
    if freq == "DAILY":
        preset, days = "daily", []
    elif freq == "WEEKLY" and byday == "MO,TU,WE,TH,FR":
        preset, days = "weekdays", []
    elif freq == "WEEKLY":
        preset, days = "weekly", [d for d in byday.split(",") if d]
    elif "BYMONTHDAY" in parts:
        preset, days = "monthly_day", []
    else:
        preset, days = "monthly_weekday", []
    until = dt.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date() if "UNTIL" in parts else None
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    return Recurrence(preset, starts_on, at, zone, int(parts.get("INTERVAL", 1)), days, until, count)


def _rrule(rule: str, starts_on: dt.date, at: dt.time):
    start = dt.datetime.combine(starts_on, at.replace(tzinfo=None, second=0, microsecond=0))
    return rrulestr(f"DTSTART:{start:%Y%m%dT%H%M%S}\nRRULE:{rule}")


def occurrences(
    rule: str, starts_on: dt.date, at: dt.time, zone: str, *, after: dt.datetime, before: dt.datetime, limit: int = 500
) -> list[tuple[dt.datetime, LocalTime]]:
    """(naive local wall time, resolved instant) of each occurrence whose instant is
    strictly after ``after`` and at or before ``before`` (both aware), in order."""
    tz = zoneinfo.ZoneInfo(zone)
    # A day of margin each side: the naive walk is in local time, the bounds in UTC.
    lo = after.astimezone(tz).replace(tzinfo=None) - dt.timedelta(days=1)
    hi = before.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=1)
    out = []
    for wall in _rrule(rule, starts_on, at).xafter(lo, inc=True):
        if wall > hi or len(out) >= limit:
            break
        resolved = resolve_local(wall.date(), wall.time(), tz)
        if after < resolved.utc <= before:
            out.append((wall, resolved))
    return out


def next_dates(rule: str, starts_on: dt.date, at: dt.time, zone: str, *, after: dt.datetime, n: int = 5):
    """The next ``n`` occurrences after ``after``, however far away."""
    tz = zoneinfo.ZoneInfo(zone)
    lo = after.astimezone(tz).replace(tzinfo=None) - dt.timedelta(days=1)
    out = []
    for wall in _rrule(rule, starts_on, at).xafter(lo, inc=True):
        resolved = resolve_local(wall.date(), wall.time(), tz)
        if resolved.utc > after:
            out.append((wall, resolved))
            if len(out) >= n:
                break
    return out


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def summary(rec: Recurrence) -> str:
    """ "Every Monday and Thursday at 09:00 Europe/Paris, 12 times"."""
    n = rec.interval
    if rec.preset == "daily":
        head = "Every day" if n == 1 else f"Every {n} days"
    elif rec.preset == "weekdays":
        head = "Every weekday (Monday to Friday)" if n == 1 else f"Every {n} weeks, Monday to Friday"
    elif rec.preset == "weekly":
        days = [d for d in WEEKDAYS if d in (rec.days or [WEEKDAYS[rec.starts_on.weekday()]])]
        names = _and([DAY_NAMES[WEEKDAYS.index(d)] for d in days])
        head = f"Every {names}" if n == 1 else f"Every {n} weeks on {names}"
    elif rec.preset == "monthly_day":
        head = f"Every month on day {rec.starts_on.day}" if n == 1 else f"Every {n} months on day {rec.starts_on.day}"
    else:
        which = f"the {ORDINALS[nth_weekday(rec.starts_on)]} {DAY_NAMES[rec.starts_on.weekday()]}"
        head = f"Every month on {which}" if n == 1 else f"Every {n} months on {which}"
    text = f"{head} at {rec.at:%H:%M} {rec.zone}, from {rec.starts_on:%a %d %b %Y}"
    if rec.until is not None:
        text += f", until {rec.until:%a %d %b %Y}"
    elif rec.count is not None:
        text += ", once" if rec.count == 1 else f", {rec.count} times"
    return text
