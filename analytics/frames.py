"""Shaping of aggregated query results: the KPI table with deltas, daily series with
gaps filled, the weekday x hour heatmap grid (plain Python: a few dozen numbers). The
CSV exports are analytics/exports.py.

Input here is always already-aggregated rows (a few per network, day or cell), never
raw snapshot rows.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from analytics import definitions

SUM_COLUMNS = [
    "measured",
    "sum_impressions",
    "sum_reach",
    "sum_engagements",
    "sum_clicks",
    "sum_video_views",
    "rate_posts",
    "rate_engagements",
    "rate_impressions",
    "ctr_clicks",
    "ctr_impressions",
    "view_views",
    "view_impressions",
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


def _float(value) -> float | None:
    """A database figure as the float the table holds; None (and NaN) stay None."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _add(a: float | None, b: float | None) -> float | None:
    """Sum where unknown + unknown stays unknown (pandas' ``sum(min_count=1)``)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


_div = definitions.ratio


def _derive(sums: dict) -> dict:
    """KPIs of one row (a dimension value or the total) of one period from its sums."""
    get = sums.get
    left_out = (get("left_out_base") or 0.0) - (get("rate_posts") or 0.0)
    return {
        "impressions": get("sum_impressions"),
        "reach": get("sum_reach"),
        "engagements": get("sum_engagements"),
        "engagement_rate": _div(get("rate_engagements"), get("rate_impressions")),
        "follower_growth": get("follower_growth"),
        "clicks": get("sum_clicks"),
        "ctr": _div(get("ctr_clicks"), get("ctr_impressions")),
        "video_views": get("sum_video_views"),
        "view_rate": _div(get("view_views"), get("view_impressions")),
        "posts_published": get("published_posts") or 0.0,
        # Left out of the rate: published (per account) but without impressions > 0.
        "left_out": left_out if left_out > 0 else 0.0,
        "rate_posts": get("rate_posts") or 0.0,
        "response_rate": None,
        "median_first_response": None,
    }


class KpiTable:
    """The KPI table: one row per dimension value (network or brand) plus "total", each
    a dict {(kpi, "cur" | "prev"): float or None}. ``index`` is the row order.

    Plain dicts: the table has a few dozen cells, and building a pandas frame for them
    cost more than the query that fetched them.
    """

    def __init__(self, rows: dict):
        self.rows = rows
        self.index = list(rows)


def kpi_table(sums, published, published_totals, followers, responses=None) -> KpiTable:
    """One row per dimension value (network or brand) plus "total"; cells (kpi, "cur" | "prev").

    Inputs are the aggregated rows of ``kpis``: post sums, published targets and published
    posts per (current?, dim), distinct posts per current? (the totals), and per account the
    followers at both ends of both periods.
    """
    # (current?, dim) -> {sum column: float or None}; a dim exists in a period when any row names it
    grouped: dict[tuple[bool, object], dict] = {}

    def merge(current, dim, values: dict):
        if dim is None:
            return
        cell = grouped.setdefault((bool(current), dim), {})
        for column, raw in values.items():
            cell[column] = _add(cell.get(column), _float(raw))

    for row in sums or []:
        merge(row["current"], row["dim"], {c: row.get(c) for c in SUM_COLUMNS if c in row})
    for row in published or []:
        merge(
            row["current"], row["dim"], {"published_targets": row.get("targets"), "published_posts": row.get("posts")}
        )
    for row in followers or []:
        bounds = {key: _float(row.get(key)) for key in ("prev_start", "prev_end", "cur_start", "cur_end")}
        for current, start, end in ((True, "cur_start", "cur_end"), (False, "prev_start", "prev_end")):
            growth = None if bounds[start] is None or bounds[end] is None else bounds[end] - bounds[start]
            merge(current, row["dim"], {"follower_growth": growth})
    posts = {bool(row["current"]): row["posts"] for row in (published_totals or [])}
    periods = {}
    for which, flag in (("cur", True), ("prev", False)):
        rows = {dim: dict(cell) for (current, dim), cell in grouped.items() if current is flag}
        total: dict = {}
        for cell in rows.values():
            cell["left_out_base"] = cell.get("published_targets")
            for column in (*SUM_COLUMNS, "left_out_base"):
                total[column] = _add(total.get(column), cell.get(column))
        # Distinct posts: one on two networks is in both networks' rows but once in the total.
        total["published_posts"] = _float(posts.get(flag, 0))
        rows["total"] = total
        periods[which] = {dim: _derive(cell) for dim, cell in rows.items()}
    dims = sorted(set(periods["cur"]) | set(periods["prev"]), key=lambda d: (d == "total", str(d)))
    table = {}
    for dim in dims:
        cells = {}
        for key in KPI_COLUMNS:
            for which in ("cur", "prev"):
                derived = periods[which].get(dim)
                cells[(key, which)] = None if derived is None else derived[key]
        table[dim] = cells
    if responses:
        for which, key in (("cur", "current"), ("prev", "previous")):
            figures = responses.get(key) or {}
            table["total"][("response_rate", which)] = _seconds_or_number(figures.get("response_rate"))
            table["total"][("median_first_response", which)] = _seconds_or_number(
                figures.get("median_first_response", figures.get("median_first_response_seconds"))
            )
    return KpiTable(table)


KPI_COLUMNS = [
    "impressions",
    "reach",
    "engagements",
    "engagement_rate",
    "follower_growth",
    "clicks",
    "ctr",
    "video_views",
    "view_rate",
    "posts_published",
    "left_out",
    "rate_posts",
    "response_rate",
    "median_first_response",
]


def _seconds_or_number(value):
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return _float(value)


def value(table, row, key: str, which: str = "cur"):
    if isinstance(table, KpiTable):
        return _none(table.rows.get(row, {}).get((key, which)))
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


def _signed(number: float, places: int) -> str:
    """``+1.25`` / ``-0.40``, and ``±0.00`` for what rounds to nothing (never "-0.00")."""
    rounded = round(number, places)
    if rounded == 0:
        return f"±{0:.{places}f}"
    return f"{rounded:+.{places}f}"


def delta(cur, prev, kind: str, lower_is_better: bool = False) -> dict:
    """Change against the previous period: for rates in percentage points, otherwise in %."""
    if cur is None or prev is None:
        return {"text": "no comparison", "trend": "none", "abs": None, "pct": None}
    diff = cur - prev
    pct = None if prev == 0 else diff / abs(prev)
    if kind == "rate":
        text = _signed(diff * 100, 2) + " pp"
    elif kind == "duration":
        text = ("+" if diff >= 0 else "−") + format_value(abs(diff), "duration")
    elif pct is None:
        text = "new" if diff else "±0"
    else:
        text = _signed(pct * 100, 1) + "%"
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
    from smm.platforms import registry

    labels = labels or {name: row.label for name, row in registry.NETWORKS.items()}

    rows = []
    for network in table.index:
        cells = []
        for key, _label, kind, _note in definitions:
            if key in ("response_rate", "median_first_response"):
                continue  # the inbox reports these for the whole scope only
            cells.append({**_cell(table, network, key, kind, key in lower_is_better), "key": key})
        rows.append(
            {
                "network": network,
                "label": "Total" if network == "total" else labels.get(network, network),
                "cells": cells,
                "left_out": value(table, network, "left_out"),
            }
        )
    return rows


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def daily_series(rows: list[dict], dates: list[dt.date], columns: list[str]) -> dict | None:
    """Rows of (day, network, sums...) -> {"days": dates, "networks": [...], "values":
    {network: {column: [float per day]}}}, every day present (days without posts are
    zeros). None when there are no rows."""
    if not rows:
        return None
    position = {day: i for i, day in enumerate(dates)}
    networks = sorted({row["network"] for row in rows})
    values = {network: {col: [0.0] * len(dates) for col in columns} for network in networks}
    for row in rows:
        i = position.get(_as_date(row["day"]))
        if i is None:
            continue
        series = values[row["network"]]
        for col in columns:
            figure = _float(row.get(col))
            if figure is not None:
                series[col][i] += figure
    return {"days": list(dates), "networks": networks, "values": values}


def follower_series(rows: list[dict], dates: list[dt.date]) -> dict:
    """Rows of (date, network, followers) -> {network: [(day, followers), ...]}: followers
    per network per day of the period, gaps carried forward, days before the first
    snapshot of the period left out."""
    by_network: dict[str, dict[dt.date, float]] = {}
    for row in rows:
        figure = _float(row.get("followers"))
        if figure is None:
            continue
        day = _as_date(row["date"])
        cells = by_network.setdefault(row["network"], {})
        cells[day] = cells.get(day, 0.0) + figure
    series = {}
    for network in sorted(by_network):
        cells, points, last = by_network[network], [], None
        for day in dates:
            last = cells.get(day, last)
            if last is not None:
                points.append((day, last))
        if points:
            series[network] = points
    return series


def _median(values: list[float]) -> float:
    """Median of sorted values; the two middle ones averaged as (a + b) / 2."""
    n = len(values)
    middle = n // 2
    return values[middle] if n % 2 else (values[middle - 1] + values[middle]) / 2


def heatmap_cells(cells) -> tuple[np.ndarray, np.ndarray]:
    """(weekday 1-7, hour, sorted engagement rates of the posts published then) ->
    (median engagement rate, number of posts), 7 weekdays x 24 hours (NaN / 0 where none)."""
    median = np.full((7, 24), np.nan)
    count = np.zeros((7, 24), dtype=int)
    for weekday, hour, rates in cells:
        if rates:
            median[int(weekday) - 1, int(hour)] = _median(rates)
            count[int(weekday) - 1, int(hour)] = len(rates)
    return median, count


def heatmap_rates(rows: list[dict]) -> list[tuple[int, int, list[float]]]:
    """Rows of (weekday, hour, engagements, impressions) per post -> (weekday, hour,
    sorted engagement rates); posts without impressions have no rate."""
    cells: dict[tuple[int, int], list[float]] = {}
    for row in rows:
        rate = definitions.post_rate(_float(row["engagements"]), _float(row["impressions"]))
        if rate is None:
            continue
        cells.setdefault((int(row["weekday"]), int(row["hour"])), []).append(rate)
    return [(weekday, hour, sorted(rates)) for (weekday, hour), rates in cells.items()]
