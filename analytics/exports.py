"""The CSV exports' one writer: a kind per column fixes how its cells look; meanings in docs/exports.md."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.http import HttpResponse

from analytics import definitions, frames
from smm.platforms import registry

# How each kind of cell is written, chosen for what Excel, LibreOffice and Google Sheets
# read as a number or a date on import:
#   integer  whole number, no ".0"
#   percent  a ratio times 100 with two decimals and no "%" sign: "3.45" is a number in
#            every spreadsheet and every CSV reader, "3.45%" is text to most of them (and
#            to pandas/R); the unit is in the column name or the row's unit instead
#   seconds  whole seconds
#   datetime "YYYY-MM-DD HH:MM" in the workspace's time zone (named in the header): the
#            ISO 8601 form with a space, which spreadsheets parse; with a "T" or an offset
#            Excel keeps it as text
#   date     "YYYY-MM-DD"
#   decimal  two decimals, a dot, no thousands separator or currency sign (money, ROAS)
#   text     as is, but a text a spreadsheet would run as a formula gets a leading "'":
#            one starting with "=", or with + - @ and holding a call or a link ("(", "|",
#            "!"); a handle ("@acme") or a "- list item" stays as typed
# A figure that was not reported is an empty cell, never "None", "nan" or 0.
KINDS = ("integer", "percent", "seconds", "datetime", "date", "decimal", "text")
FORMULA_START = ("=", "\t", "\r")
FORMULA_SIGN = ("+", "-", "@")
FORMULA_CALL = ("(", "|", "!")
# The figures CSV's unit column (by the KPI's kind) and the kind of cell each unit takes.
UNIT_NAMES = {"count": "count", "rate": "percent", "duration": "seconds"}
UNITS = {"count": "integer", "percent": "percent", "seconds": "seconds"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # one of KINDS, or "unit": the kind named by the row's unit
    meaning: str

    def header(self, tz) -> str:
        return f"{self.name} ({tz.key})" if self.kind == "datetime" else self.name


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):  # pandas' NA refuses to be a bool
        return True


def cell(value, kind: str, tz) -> str:
    """One cell as the spreadsheet should read it (see KINDS above)."""
    if _missing(value):
        return ""
    if kind in ("integer", "seconds"):
        return str(int(round(float(value))))
    if kind == "percent":
        shown = f"{float(value) * 100:.2f}"
        return "0.00" if shown == "-0.00" else shown
    if kind == "datetime":
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if kind == "date":
        return value.isoformat()
    if kind == "decimal":
        return f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}"
    text = str(value)
    runs = text.startswith(FORMULA_START) or (
        text.startswith(FORMULA_SIGN) and any(mark in text for mark in FORMULA_CALL)
    )
    return f"'{text}" if runs else text


def header(columns, tz) -> list[str]:
    return [column.header(tz) for column in columns]


def csv_response(filename: str, columns, rows, tz) -> HttpResponse:
    """Rows (dicts keyed by column name) as a CSV download."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The byte-order mark is how Excel knows the file is UTF-8 (accents, emoji in post texts).
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header(columns, tz))
    for row in rows:
        writer.writerow(
            [cell(row.get(c.name), UNITS[row["unit"]] if c.kind == "unit" else c.kind, tz) for c in columns]
        )
    return response


POST_COLUMNS = [
    Column("published_at", "datetime", "When the post went out on this account, in the workspace's time zone"),
    Column("brand", "text", "The brand the account belongs to"),
    Column("network", "text", "The network, by name"),
    Column("account", "text", "The account's handle on the network"),
    Column("campaign", "text", "The post's campaign; empty when it has none"),
    Column("text", "text", "The text as published on this account"),
    Column("url", "text", "The post's address on the network"),
    Column("measured_at", "datetime", "When the figures of this line were read from the network"),
    Column("impressions", "integer", "Times the post was shown; empty when the network does not report it"),
    Column("reach", "integer", "People who saw the post; empty when not reported"),
    Column("likes", "integer", "Likes (favourites, reactions); empty when not reported"),
    Column("comments", "integer", "Comments and replies; empty when not reported"),
    Column("shares", "integer", "Shares (reposts, boosts); empty when not reported"),
    Column("saves", "integer", "Saves (bookmarks); empty when not reported"),
    Column("clicks", "integer", "Link clicks; empty when not reported"),
    Column("video_views", "integer", "Video views; empty when not reported or not a video"),
    Column("engagements", "integer", "Likes + comments + shares + saves + link clicks, as reported"),
    Column(
        "engagement_rate_pct",
        "percent",
        "Engagements ÷ impressions in percent, two decimals (3.45 means 3.45 %); empty without impressions",
    ),
]

FIGURE_COLUMNS = [
    Column("network", "text", "The network, or “all” for the whole selection"),
    Column("kpi", "text", "The figure, as named on the dashboard"),
    Column(
        "unit",
        "text",
        "count, percent (two decimals, 3.45 means 3.45 %) or seconds: the unit of value, previous_value and change",
    ),
    Column("period_start", "date", "First day of the period, in the workspace's time zone"),
    Column("period_end", "date", "Last day of the period (included)"),
    Column("value", "unit", "The figure for the period, in its unit; empty when nothing was reported"),
    Column("previous_period_start", "date", "First day of the period before, of the same length"),
    Column("previous_period_end", "date", "Last day of the period before (included)"),
    Column("previous_value", "unit", "The figure for the period before; empty when nothing was reported"),
    Column("change", "unit", "value − previous_value in the unit (percentage points for a percent)"),
    Column("change_pct", "percent", "The change relative to previous_value, in percent; empty when that is 0 or empty"),
]


def figure_rows(table, kpi_definitions, period, previous):
    """The KPI table as tidy lines: one per network (or "all") and KPI."""
    for network in table.index:
        for key, label, kind, _note in kpi_definitions:
            if network != "total" and key in ("response_rate", "median_first_response"):
                continue  # the inbox reports these for the whole scope only
            cur, prev = frames.value(table, network, key, "cur"), frames.value(table, network, key, "prev")
            change = frames.delta(cur, prev, kind)
            yield {
                "network": "all" if network == "total" else registry.label(network),
                "kpi": label,
                "unit": UNIT_NAMES[kind],
                "period_start": period.start,
                "period_end": period.end,
                "value": cur,
                "previous_period_start": previous.start,
                "previous_period_end": previous.end,
                "previous_value": prev,
                "change": change["abs"],
                "change_pct": change["pct"],
            }


def post_rows(values):
    """Rows of ``kpis.post_metric_rows(...).values(...)`` as lines of the posts CSV."""
    for row in values:
        yield {
            "published_at": row["published_at"],
            "brand": row["brand__name"],
            "network": registry.label(row["network"]),
            "account": row["account__handle"],
            "campaign": row["post__campaign__name"],
            "text": row["target__text"] if (row["target__text"] or "").strip() else row["post__text"],
            "url": row["target__remote_url"],
            "measured_at": row["captured_at"],
            **{name: row[name] for name in POST_FIGURES},
            "engagement_rate_pct": definitions.post_rate(row["engagements"], row["impressions"]),
        }


POST_FIGURES = ("impressions", "reach", "likes", "comments", "shares", "saves", "clicks", "video_views", "engagements")
POST_FIELDS = (
    "published_at",
    "brand__name",
    "network",
    "account__handle",
    "post__campaign__name",
    "post__text",
    "target__text",
    "target__remote_url",
    "captured_at",
    *POST_FIGURES,
)


MONEY_COLUMNS = [
    Column("campaign", "text", "The campaign's name"),
    Column("currency", "text", "The workspace's currency (ISO 4217); every amount of the line is in it"),
    Column("budget", "decimal", "The campaign's budget; empty when none is set"),
    Column("impressions", "integer", "Impressions reported for the campaign's posts published in the period"),
    Column("clicks", "integer", definitions.MONEY_DEFINITIONS["clicks"]),
    Column("unique_clicks", "integer", definitions.MONEY_DEFINITIONS["unique_clicks"]),
    Column("ctr_own_pct", "percent", "Own clicks ÷ impressions in percent; empty without impressions"),
    Column("conversions", "integer", definitions.MONEY_DEFINITIONS["conversions"]),
    Column("conversion_rate_pct", "percent", "Conversions ÷ own clicks in percent; empty without clicks"),
    Column("revenue", "decimal", definitions.MONEY_DEFINITIONS["revenue"]),
    Column("spend", "decimal", "Spend entries dated in the period; empty when none"),
    Column("cpc", "decimal", "Spend ÷ own clicks; empty without spend or clicks"),
    Column("cpa", "decimal", "Spend ÷ conversions; empty without spend or conversions"),
    Column("roas", "decimal", "Revenue ÷ spend (2.50 means 2.5 times the spend); empty without spend"),
    Column("roi_pct", "percent", "(Revenue − spend) ÷ spend in percent; empty without spend"),
]


def money_rows(rows):
    """The campaign rows of ``analytics.money.campaign_money`` as lines of the campaigns CSV."""
    for row in rows:
        yield {
            "campaign": row["campaign"].name,
            "currency": row["currency"],
            "budget": row["budget"],
            "impressions": row["impressions"],
            "clicks": row["clicks"],
            "unique_clicks": row["unique_clicks"],
            "ctr_own_pct": row["own_ctr"],
            "conversions": row["conversions"],
            "conversion_rate_pct": row["conversion_rate"],
            "revenue": row["revenue"],
            "spend": row["cost"],
            "cpc": row["cpc"],
            "cpa": row["cpa"],
            "roas": row["roas"],
            "roi_pct": row["roi"],
        }
