"""Reporting periods: ISO weeks (the default), last 7/28/90 days and custom ranges, all
as local dates in the workspace's time zone, each with the previous period it is
compared against."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PRESET_DAYS = {"7d": 7, "28d": 28, "90d": 90}
PERIOD_KINDS = [("week", "ISO week"), ("7d", "Last 7 days"), ("28d", "Last 28 days"), ("90d", "Last 90 days")]
WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """Local dates ``start``..``end`` (both included) in ``tz``."""

    start: dt.date
    end: dt.date
    tz: ZoneInfo
    kind: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> dt.datetime:
        """The first instant of the period (local midnight, DST-aware)."""
        # In UTC: Python subtracts same-zone datetimes on the wall clock, ignoring DST.
        return dt.datetime.combine(self.start, dt.time.min, self.tz).astimezone(dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, self.tz).astimezone(dt.UTC)

    @property
    def iso_week(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def label(self) -> str:
        if self.kind == "week":
            return f"Week {self.start.isocalendar()[1]}, {self.start:%d %b} – {self.end:%d %b %Y}"
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"

    def previous(self) -> Period:
        """The period of the same length just before (the previous ISO week for weeks)."""
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.end - length, self.tz, self.kind)

    def next(self) -> Period:
        length = dt.timedelta(days=self.days)
        return Period(self.start + length, self.end + length, self.tz, self.kind)

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def query(self) -> dict[str, str]:
        """The URL parameters that reproduce this period."""
        if self.kind == "week":
            return {"period": "week", "week": self.iso_week}
        if self.kind in PRESET_DAYS:
            return {"period": self.kind, "end": self.end.isoformat()}
        return {"period": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}


def iso_week(year: int, week: int, tz: ZoneInfo) -> Period:
    start = dt.date.fromisocalendar(year, week, 1)
    return Period(start, start + dt.timedelta(days=6), tz, "week")


def last_complete_week(tz: ZoneInfo, now: dt.datetime | None = None) -> Period:
    today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    start = this_monday - dt.timedelta(days=7)
    return Period(start, start + dt.timedelta(days=6), tz, "week")


class PeriodError(ValueError):
    """The URL asked for a period we cannot read; the message says why in plain words."""


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"The {name} date {value!r} is not a date like 2026-01-31.")


def parse_period(params, tz: ZoneInfo, now: dt.datetime | None = None) -> Period:
    """The period a dashboard URL asks for. Default: the last complete ISO week."""
    kind = params.get("period") or "week"
    today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
    if kind == "week":
        week = params.get("week", "")
        if not week:
            return last_complete_week(tz, now)
        match = WEEK_RE.match(week.strip())
        if not match:
            raise PeriodError(f"The week {week!r} is not an ISO week like 2026-W05.")
        try:
            return iso_week(int(match.group(1)), int(match.group(2)), tz)
        except ValueError:
            raise PeriodError(f"Week {week} does not exist.")
    if kind in PRESET_DAYS:
        # "Last N days" ends yesterday (the last complete day) unless an end is given.
        end = _date(params["end"], "end") if params.get("end") else today - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=PRESET_DAYS[kind] - 1), end, tz, kind)
    if kind == "custom":
        if not params.get("start") or not params.get("end"):
            raise PeriodError("A custom period needs a start and an end date.")
        start, end = _date(params["start"], "start"), _date(params["end"], "end")
        if end < start:
            raise PeriodError("The end date is before the start date.")
        if (end - start).days > 730:
            raise PeriodError("A custom period can be at most two years long.")
        return Period(start, end, tz, "custom")
    raise PeriodError(f"Unknown period {kind!r}.")
