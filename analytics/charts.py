"""plotly figures of a dashboard, as JSON-ready dicts for Plotly.newPlot in the page.

Each builder takes aggregated rows (kpis.*_rows), shapes them with frames.* and
returns {"data": [...], "layout": {...}} or None when there is nothing to draw.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go

from analytics import frames, kpis
from smm.platforms import NETWORK_LABELS

NETWORK_COLOURS = {
    "mastodon": "#6364ff",
    "bluesky": "#1185fe",
    "x": "#111111",
    "linkedin": "#0a66c2",
    "facebook": "#1877f2",
    "instagram": "#d62976",
    "threads": "#555555",
}
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#374151"}


def _layout(**extra) -> dict:
    layout = {
        "margin": {"l": 48, "r": 16, "t": 28, "b": 36},
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


def _as_dict(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


def trend(daily) -> dict | None:
    """Daily engagements (bars) and impressions (line) of the posts published each day."""
    if daily.empty:
        return None
    total = daily.groupby("day")[["engagements", "impressions", "posts"]].sum().reset_index()
    fig = go.Figure()
    fig.add_bar(x=total["day"], y=total["engagements"], name="Engagements", marker_color="#4f46e5", opacity=0.85)
    if total["impressions"].sum() > 0:
        fig.add_scatter(
            x=total["day"],
            y=total["impressions"],
            name="Impressions",
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#f59e0b", "width": 2},
        )
    fig.update_layout(
        **_layout(
            yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"},
            xaxis={"gridcolor": "#eef0f4", "type": "date"},
        )
    )
    return _as_dict(fig)


def network_split(daily) -> dict | None:
    """Engagements per day, stacked by network."""
    if daily.empty:
        return None
    fig = go.Figure()
    for network, rows in daily.groupby("network"):
        fig.add_bar(
            x=rows["day"],
            y=rows["engagements"],
            name=NETWORK_LABELS.get(network, network),
            marker_color=NETWORK_COLOURS.get(network, "#6b7280"),
        )
    fig.update_layout(**_layout(barmode="stack", xaxis={"type": "date"}))
    return _as_dict(fig)


def followers(follower_daily) -> dict | None:
    if follower_daily.empty:
        return None
    fig = go.Figure()
    for network, rows in follower_daily.groupby("network"):
        fig.add_scatter(
            x=rows["day"],
            y=rows["followers"],
            name=NETWORK_LABELS.get(network, network),
            mode="lines",
            line={"color": NETWORK_COLOURS.get(network, "#6b7280"), "width": 2},
        )
    layout = _layout(xaxis={"type": "date"})
    layout["yaxis"] = {"gridcolor": "#eef0f4", "rangemode": "normal"}
    fig.update_layout(**layout)
    return _as_dict(fig)


def heatmap(rows) -> dict | None:
    """Weekday x hour: median engagement rate of posts published then; hover shows how many."""
    median, count = frames.heatmap_frames(rows)
    if count.to_numpy().sum() == 0:
        return None
    z = (median * 100).round(2)
    text = count.astype(int).astype(str).where(count > 0, "")
    fig = go.Figure(
        go.Heatmap(
            z=z.to_numpy().tolist(),
            x=[f"{h:02d}" for h in median.columns],
            y=list(median.index),
            text=text.to_numpy().tolist(),
            texttemplate="%{text}",
            textfont={"size": 9},
            customdata=count.astype(int).to_numpy().tolist(),
            colorscale="Purples",
            hoverongaps=False,
            hovertemplate="%{y} %{x}:00<br>median engagement rate %{z:.2f}%<br>%{customdata} posts<extra></extra>",
            colorbar={"title": {"text": "%"}, "thickness": 10},
        )
    )
    layout = _layout(height=300, hovermode="closest")
    layout["yaxis"] = {"autorange": "reversed"}
    layout["xaxis"] = {"dtick": 2}
    fig.update_layout(**layout)
    return _as_dict(fig)


def campaigns(rows) -> dict | None:
    if not rows:
        return None
    names = [row["post__campaign__name"] for row in rows]
    engagements = [row["engagements"] or 0 for row in rows]
    rates = [
        (row["rate_engagements"] or 0) / row["rate_impressions"] * 100 if row["rate_impressions"] else None
        for row in rows
    ]
    colours = [row["post__campaign__colour"] or "#4f46e5" for row in rows]
    fig = go.Figure()
    fig.add_bar(x=names, y=engagements, name="Engagements", marker_color=colours)
    if any(rate is not None for rate in rates):
        fig.add_scatter(
            x=names,
            y=rates,
            name="Engagement rate (%)",
            yaxis="y2",
            mode="markers",
            marker={"size": 12, "color": "#111827", "symbol": "diamond"},
        )
    fig.update_layout(
        **_layout(
            hovermode="closest",
            yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"},
        )
    )
    return _as_dict(fig)


def dashboard_charts(scope: kpis.Scope, period) -> dict:
    daily = frames.daily_frame(kpis.daily_rows(scope, period), period.dates(), kpis.DAILY_SUMS)
    follower_daily = frames.follower_daily_frame(kpis.follower_daily_rows(scope, period), period.dates())
    return {
        "trend": trend(daily),
        "networks": network_split(daily),
        "followers": followers(follower_daily),
        "heatmap": heatmap(kpis.heatmap_rows(scope, period)),
        "campaigns": campaigns(kpis.campaign_rows(scope, period)),
    }
