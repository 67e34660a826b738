"""pandas shaping of aggregated query results: the KPI table with deltas, daily series
with gaps filled, the weekday x hour heatmap pivot, and CSV frames.

Input here is always already-aggregated rows (a few per network, day or cell), never
raw snapshot rows.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

SUM_COLUMNS = [
    "measured",
    "sum_impressions",
    "sum_reach",
    "sum_engagements",
    "sum_clicks",
    "rate_posts",
    "rate_engagements",
    "rate_impressions",
    "ctr_clicks",
    "ctr_impressions",
    "published_targets",
    "follower_growth",
]
# posts_published/left_out/rate_posts counts are 0 when nothing was published, never unknown
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _none(value):
    if value is None:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = pd.to_numeric(numerator, errors="coerce").astype("float64")
    den = pd.to_numeric(denominator, errors="coerce").astype("float64")
    return num / den.where(den > 0)


def _derive(sums: pd.DataFrame) -> pd.DataFrame:
    """KPIs of one period from its sums (one row per dimension value + total)."""
    return pd.DataFrame(
        {
            "impressions": sums["sum_impressions"],
            "reach": sums["sum_reach"],
            "engagements": sums["sum_engagements"],
            "engagement_rate": _ratio(sums["rate_engagements"], sums["rate_impressions"]),
            "follower_growth": sums["follower_growth"],
            "clicks": sums["sum_clicks"],
            "ctr": _ratio(sums["ctr_clicks"], sums["ctr_impressions"]),
            "posts_published": sums["published_targets"].fillna(0),
            # Left out of the rate: published (per account) but without impressions > 0.
            "left_out": (sums["left_out_base"].fillna(0) - sums["rate_posts"].fillna(0)).clip(lower=0),
            "rate_posts": sums["rate_posts"].fillna(0),
            "response_rate": np.nan,
            "median_first_response": np.nan,
        },
        index=sums.index,
    )


def kpi_table(sums, published, published_totals, followers, responses=None) -> pd.DataFrame:
    """One row per dimension value (network or brand) plus "total"; columns (kpi, "cur" | "prev")."""
    parts = []
    if sums:
        parts.append(pd.DataFrame(sums))
    if published:
        parts.append(pd.DataFrame(published).rename(columns={"targets": "published_targets"}))
    if followers:
        frame = pd.DataFrame(followers)
        bounds = frame[["prev_start", "prev_end", "cur_start", "cur_end"]].apply(pd.to_numeric).astype("float64")
        parts.append(
            pd.DataFrame(
                {"dim": frame["dim"], "current": True, "follower_growth": bounds["cur_end"] - bounds["cur_start"]}
            )
        )
        parts.append(
            pd.DataFrame(
                {"dim": frame["dim"], "current": False, "follower_growth": bounds["prev_end"] - bounds["prev_start"]}
            )
        )
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["dim", "current"])
    long = long.reindex(columns=["dim", "current", *SUM_COLUMNS])
    long[SUM_COLUMNS] = long[SUM_COLUMNS].apply(pd.to_numeric, errors="coerce").astype("float64")
    long["current"] = long["current"].astype(bool)
    grouped = long.groupby(["current", "dim"])[SUM_COLUMNS].sum(min_count=1)
    periods = {}
    posts = {bool(row["current"]): row["posts"] for row in (published_totals or [])}
    for which, flag in (("cur", True), ("prev", False)):
        sums = grouped.xs(flag, level="current") if flag in grouped.index.get_level_values(0) else None
        if sums is None:
            sums = pd.DataFrame(columns=SUM_COLUMNS, dtype="float64")
        sums = sums.copy()
        sums["left_out_base"] = sums["published_targets"]
        total = sums.sum(axis=0, min_count=1)
        total["published_targets"] = posts.get(flag, 0)  # totals count distinct posts
        sums.loc["total"] = total
        periods[which] = _derive(sums)
    dims = sorted(set(periods["cur"].index) | set(periods["prev"].index), key=lambda d: (d == "total", str(d)))
    table = pd.concat({which: frame.reindex(dims) for which, frame in periods.items()}, axis=1)
    table = table.swaplevel(0, 1, axis=1)
    if responses:
        for which, key in (("cur", "current"), ("prev", "previous")):
            figures = responses.get(key) or {}
            table.loc["total", ("response_rate", which)] = _seconds_or_number(figures.get("response_rate"))
            table.loc["total", ("median_first_response", which)] = _seconds_or_number(
                figures.get("median_first_response", figures.get("median_first_response_seconds"))
            )
    table.attrs["lookup"] = None
    return table


def _seconds_or_number(value):
    if value is None:
        return np.nan
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def value(table: pd.DataFrame, row, key: str, which: str = "cur"):
    lookup = table.attrs.get("lookup")
    if lookup is None:
        # One conversion to plain dicts: tiles and tables read many single cells.
        lookup = table.attrs["lookup"] = table.to_dict(orient="index")
    return _none(lookup.get(row, {}).get((key, which)))


def format_value(raw, kind: str) -> str:
    if raw is None:
        return "—"
    if kind == "rate":
        return f"{raw * 100:.2f}%"
    if kind == "duration":
        minutes = int(round(raw / 60))
        if minutes < 60:
            return f"{minutes} min"
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} d {hours % 24} h"
    return f"{int(round(raw)):,}"


def delta(cur, prev, kind: str, lower_is_better: bool = False) -> dict:
    """Change against the previous period: for rates in percentage points, otherwise in %."""
    if cur is None or prev is None:
        return {"text": "no comparison", "trend": "none", "abs": None, "pct": None}
    diff = cur - prev
    pct = None if prev == 0 else diff / abs(prev)
    if kind == "rate":
        text = f"{diff * 100:+.2f} pp"
    elif kind == "duration":
        text = ("+" if diff >= 0 else "−") + format_value(abs(diff), "duration")
    elif pct is None:
        text = "new" if diff else "±0"
    else:
        text = f"{pct * 100:+.1f}%"
    if abs(diff) < 1e-12:
        trend = "flat"
    else:
        better = diff > 0 if not lower_is_better else diff < 0
        trend = "up" if better else "down"
    return {"text": text, "trend": trend, "abs": diff, "pct": pct}


def _cell(table, row, key, kind, lower):
    cur, prev = value(table, row, key, "cur"), value(table, row, key, "prev")
    return {"value": cur, "previous": prev, "display": format_value(cur, kind), "delta": delta(cur, prev, kind, lower)}


def kpi_tiles(table, row, definitions, lower_is_better, has_inbox) -> list[dict]:
    tiles = []
    for key, label, kind, note in definitions:
        if key in ("response_rate", "median_first_response") and not has_inbox:
            continue
        cell = _cell(table, row, key, kind, key in lower_is_better)
        cell.update(key=key, label=label, kind=kind, note=note, previous_display=format_value(cell["previous"], kind))
        tiles.append(cell)
    return tiles


def network_rows(table, definitions, lower_is_better, has_inbox, labels=None) -> list[dict]:
    from smm.platforms import NETWORK_LABELS

    labels = labels or NETWORK_LABELS

    rows = []
    for network in table.index:
        cells = []
        for key, _label, kind, _note in definitions:
            if key in ("response_rate", "median_first_response"):
                continue  # the inbox reports these for the whole scope only
            cells.append(_cell(table, network, key, kind, key in lower_is_better))
        rows.append(
            {
                "network": network,
                "label": "Total" if network == "total" else labels.get(network, network),
                "cells": cells,
                "left_out": value(table, network, "left_out"),
            }
        )
    return rows


def figures_csv_frame(table: pd.DataFrame, definitions, period, previous) -> pd.DataFrame:
    """The KPI table as a tidy CSV: one line per network and KPI, current, previous, change."""
    from smm.platforms import NETWORK_LABELS

    lines = []
    for network in table.index:
        for key, label, kind, _note in definitions:
            cur, prev = value(table, network, key, "cur"), value(table, network, key, "prev")
            if network != "total" and key in ("response_rate", "median_first_response"):
                continue
            d = delta(cur, prev, kind)
            lines.append(
                {
                    "network": "all" if network == "total" else NETWORK_LABELS.get(network, network),
                    "kpi": label,
                    "unit": {"rate": "ratio", "duration": "seconds", "count": "count"}[kind],
                    "period_start": period.start.isoformat(),
                    "period_end": period.end.isoformat(),
                    "value": cur,
                    "previous_period_start": previous.start.isoformat(),
                    "previous_period_end": previous.end.isoformat(),
                    "previous_value": prev,
                    "change": d["abs"],
                    "change_pct": None if d["pct"] is None else round(d["pct"] * 100, 2),
                }
            )
    return pd.DataFrame(lines)


def daily_frame(rows: list[dict], dates: list[dt.date], columns: list[str]) -> pd.DataFrame:
    """Rows of (day, network, sums...) -> one row per day and network, every day present
    (days without posts are zeros; the daily rate is NaN there)."""
    index_days = pd.DatetimeIndex(pd.to_datetime(dates), name="day")
    if not rows:
        return pd.DataFrame(columns=["day", "network", *columns])
    frame = pd.DataFrame(rows)
    frame["day"] = pd.to_datetime(frame["day"])
    for col in columns:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    networks = sorted(frame["network"].unique())
    full = pd.MultiIndex.from_product([index_days, networks], names=["day", "network"])
    frame = frame.groupby(["day", "network"])[columns].sum(min_count=1).reindex(full)
    frame[columns] = frame[columns].fillna(0)
    return frame.reset_index()


def follower_daily_frame(rows: list[dict], dates: list[dt.date]) -> pd.DataFrame:
    """Rows of (date, network, followers) -> followers per network per day, gaps carried forward."""
    if not rows:
        return pd.DataFrame(columns=["day", "network", "followers"])
    frame = pd.DataFrame(rows)
    frame["day"] = pd.to_datetime(frame["date"])
    frame["followers"] = pd.to_numeric(frame["followers"], errors="coerce").astype("float64")
    wide = frame.pivot_table(index="day", columns="network", values="followers", aggfunc="sum")
    wide = wide.reindex(pd.DatetimeIndex(pd.to_datetime(dates), name="day")).ffill()
    return wide.reset_index().melt(id_vars="day", var_name="network", value_name="followers").dropna()


def heatmap_frames(rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of (weekday 1-7, hour, engagements, impressions) per post -> (median engagement
    rate, number of posts) pivots, weekdays x 24 hours."""
    hours = list(range(24))
    if not rows:
        empty = pd.DataFrame(np.nan, index=WEEKDAYS, columns=hours)
        return empty, empty.fillna(0)
    frame = pd.DataFrame(rows)
    frame["rate"] = _ratio(frame["engagements"].fillna(0), frame["impressions"])
    cells = frame.dropna(subset=["rate"]).groupby(["weekday", "hour"])["rate"].agg(["median", "count"])
    median = cells["median"].unstack("hour").reindex(index=range(1, 8), columns=hours)
    count = cells["count"].unstack("hour").reindex(index=range(1, 8), columns=hours).fillna(0)
    median.index = count.index = WEEKDAYS
    return median, count
