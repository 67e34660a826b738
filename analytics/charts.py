"""plotly figures of a dashboard, as JSON-ready plotly.js specs for Plotly.newPlot in the page.

Each builder takes aggregated rows (kpis.*_rows), shapes them with frames.* and
returns {"data": [...], "layout": {...}} or None when there is nothing to draw.
"""

from __future__ import annotations

import numpy as np

from analytics import definitions, frames, kpis
from smm.platforms import registry

SECOND_AXIS = {"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"}
RATE_AXIS = {**SECOND_AXIS, "ticksuffix": "%", "tickformat": ".1f"}
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#374151"}


def _layout(**extra) -> dict:
    right = 52 if "yaxis2" in extra else 16
    layout = {
        "margin": {"l": 48, "r": right, "t": 28, "b": 36},
        "height": 280,
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hovermode": "x unified",
        "xaxis": {"gridcolor": "#eef0f4"},
        "yaxis": {"gridcolor": "#eef0f4", "rangemode": "tozero"},
    }
    layout.update(extra)
    return layout


def _values(values) -> list:
    """A JSON-ready list of floats: NaN (and None) become null."""
    return [None if v is None or v != v else float(v) for v in values]


def _day_labels(days) -> list[str]:
    return [day.strftime("%Y-%m-%d") for day in days]


def _figure(data: list[dict], layout: dict) -> dict:
    # plotly.js figure specs written directly: building plotly.graph_objects figures
    # (validated on every assignment) cost more than the database work of a page, and
    # so did pandas for these few dozen numbers.
    return {"data": data, "layout": layout}


def _sum_networks(daily: dict, column: str) -> list[float]:
    per_network = [daily["values"][network][column] for network in daily["networks"]]
    return [sum(day_values) for day_values in zip(*per_network, strict=True)]


def trend(daily) -> dict | None:
    """Daily engagements (bars) and impressions (line) of the posts published each day."""
    if not daily:
        return None
    days = _day_labels(daily["days"])
    impressions = _sum_networks(daily, "impressions")
    data = [{"type": "bar", "x": days, "y": _values(_sum_networks(daily, "engagements")), "name": "Engagements",
             "marker": {"color": "#4f46e5"}, "opacity": 0.85}]  # fmt: skip
    if sum(impressions) > 0:
        data.append(
            {"type": "scatter", "x": days, "y": _values(impressions), "name": "Impressions", "yaxis": "y2",
             "mode": "lines+markers", "line": {"color": "#f59e0b", "width": 2}}
        )  # fmt: skip
    return _figure(
        data,
        _layout(
            yaxis2=SECOND_AXIS,
            xaxis={"gridcolor": "#eef0f4", "type": "date"},
        ),
    )


def network_split(daily) -> dict | None:
    """Engagements per day, stacked by network."""
    if not daily:
        return None
    days = _day_labels(daily["days"])
    data = [
        {"type": "bar", "x": days, "y": _values(daily["values"][network]["engagements"]),
         "name": registry.label(network), "marker": {"color": registry.network(network).colour}}
        for network in daily["networks"]
    ]  # fmt: skip
    return _figure(data, _layout(barmode="stack", xaxis={"type": "date"}))


def followers(follower_daily) -> dict | None:
    if not follower_daily:
        return None
    data = [
        {"type": "scatter", "x": _day_labels(day for day, _ in points), "y": _values(v for _, v in points),
         "mode": "lines", "name": registry.label(network),
         "line": {"color": registry.network(network).colour, "width": 2}}
        for network, points in follower_daily.items()
    ]  # fmt: skip
    layout = _layout(xaxis={"type": "date"})
    layout["yaxis"] = {"gridcolor": "#eef0f4", "rangemode": "normal"}
    return _figure(data, layout)


def heatmap(cells) -> dict | None:
    """Weekday x hour: median engagement rate of posts published then; hover shows how many.

    ``cells``: (weekday 1-7, hour, sorted engagement rates), from ``kpis.heatmap_cells``."""
    median, counts = frames.heatmap_cells(cells)
    if counts.sum() == 0:
        return None
    z = (median * 100).round(2)
    data = [
        {
            "type": "heatmap",
            "z": [[None if np.isnan(v) else float(v) for v in row] for row in z],
            "x": [f"{h:02d}" for h in range(24)],
            "y": list(frames.WEEKDAYS),
            "text": [[str(c) if c else "" for c in row] for row in counts],
            "texttemplate": "%{text}",
            "textfont": {"size": 9},
            "customdata": counts.tolist(),
            "colorscale": [[0, "#f5f3ff"], [0.5, "#a78bfa"], [1, "#4c1d95"]],
            "hoverongaps": False,
            "hovertemplate": "%{y} %{x}:00<br>median engagement rate %{z:.2f}%<br>%{customdata} posts<extra></extra>",
            "colorbar": {"title": {"text": "%"}, "thickness": 10},
        }
    ]
    layout = _layout(height=300, hovermode="closest")
    layout["yaxis"] = {"autorange": "reversed"}
    layout["xaxis"] = {"dtick": 2}
    return _figure(data, layout)


def _rate_markers(names: list, rates: list) -> list[dict]:
    """Engagement rates in %, as diamonds on the right axis (RATE_AXIS); none if unknown."""
    if all(rate is None for rate in rates):
        return []
    return [
        {"type": "scatter", "x": names, "y": rates, "name": "Engagement rate (%)", "yaxis": "y2",
         "mode": "markers", "marker": {"size": 12, "color": "#111827", "symbol": "diamond"}}
    ]  # fmt: skip


def campaigns(rows) -> dict | None:
    if not rows:
        return None
    names = [row["post__campaign__name"] for row in rows]
    engagements = [row["engagements"] or 0 for row in rows]
    rates = [definitions.ratio(row["rate_engagements"], row["rate_impressions"]) for row in rows]
    rates = [None if rate is None else rate * 100 for rate in rates]
    colours = [row["post__campaign__colour"] or "#4f46e5" for row in rows]
    data = [{"type": "bar", "x": names, "y": engagements, "name": "Engagements", "marker": {"color": colours}}]
    return _figure(data + _rate_markers(names, rates), _layout(hovermode="closest", yaxis2=RATE_AXIS))


def brand_comparison(rows: list[dict]) -> dict | None:
    """Agency overview: engagements per brand this period (the brand's colour) beside the
    previous period (grey), and the engagement rate (diamonds, right axis).

    ``rows``: name, colour, engagements, previous_engagements, engagement_rate (0..1 or None)."""
    if not rows or not any(row["engagements"] or row["previous_engagements"] for row in rows):
        return None
    names = [row["name"] for row in rows]
    data = [
        {"type": "bar", "x": names, "y": [row["engagements"] or 0 for row in rows], "name": "This period",
         "marker": {"color": [row["colour"] or "#4f46e5" for row in rows]}},
        {"type": "bar", "x": names, "y": [row["previous_engagements"] or 0 for row in rows], "name": "Previous period",
         "marker": {"color": "#d1d5db"}},
    ]  # fmt: skip
    rates = [None if row["engagement_rate"] is None else round(row["engagement_rate"] * 100, 2) for row in rows]
    return _figure(data + _rate_markers(names, rates), _layout(barmode="group", hovermode="closest", yaxis2=RATE_AXIS))


def dashboard_charts(scope: kpis.Scope, period) -> dict:
    daily = frames.daily_series(kpis.daily_rows(scope, period), period.dates(), kpis.DAILY_SUMS)
    follower_daily = frames.follower_series(kpis.follower_daily_rows(scope, period), period.dates())
    return {
        "trend": trend(daily),
        "networks": network_split(daily),
        "followers": followers(follower_daily),
        "heatmap": heatmap(kpis.heatmap_cells(scope, period)),
        "campaigns": campaigns(kpis.campaign_rows(scope, period)),
    }
