"""The campaign money and click figures, defined once (plain arithmetic on sums).

They sit here, under every feature app, because two sibling apps use them: ``links.roi``
(which counts the clicks, conversions and spend) and ``analytics`` (the dashboard card, the
PDF report and the CSV export, which reach ``links.roi`` through its AppConfig hook).
``analytics.definitions`` lists them beside the post KPIs. A figure whose denominator is
zero or unknown has no value (None), shown as "—", never as 0 or infinity.

- clicks = human visits through SMM's own short links (bots and link-preview crawlers
  left out);
- unique clicks = distinct visitors per day, summed over the days (a visitor is a salted
  hash that changes daily; no address is kept);
- CTR (own) = own clicks / impressions the networks reported for the same posts;
- conversions = orders credited to the campaign (last tracked click within the attribution
  window, else utm_campaign);
- conversion rate = conversions / own clicks;
- revenue = sum of the credited conversions' values;
- cost = spend entries of the campaign (manual or CSV);
- CPC = cost / own clicks; CPA = cost / conversions;
- ROAS = revenue / cost; ROI = (revenue - cost) / cost.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DASH = "—"

FIGURES = [
    ("clicks", "Clicks (own links)", "Human visits through SMM's short links; bots and link previews left out."),
    ("unique_clicks", "Unique clicks", "Distinct visitors per day, summed over the days."),
    ("own_ctr", "CTR (own clicks)", "Own clicks ÷ impressions the networks reported for the same posts."),
    ("conversions", "Conversions", "Orders credited: the last tracked click within the window, else utm_campaign."),
    ("conversion_rate", "Conversion rate", "Conversions ÷ own clicks."),
    ("revenue", "Revenue", "Sum of the credited conversions' values."),
    ("cost", "Spend", "The campaign's spend entries (typed in or imported)."),
    ("cpc", "Cost per click", "Spend ÷ own clicks."),
    ("cpa", "Cost per acquisition", "Spend ÷ conversions."),
    ("roas", "ROAS", "Revenue ÷ spend."),
    ("roi", "ROI", "(Revenue − spend) ÷ spend."),
]
DEFINITIONS = {key: text for key, _, text in FIGURES}
LABELS = {key: label for key, label, _ in FIGURES}

# With Google Analytics 4 chosen as the source of conversions and revenue (the money settings'
# "Revenue and conversions from", links.models.FiguresSource), the formulas stay and their
# inputs are GA4's: these words replace SMM's for the figures whose inputs change. Every page
# that shows the figures (campaign page, dashboard card) takes its words from ``figures_for``.
GA4 = "ga4"
SOURCE_FIGURES = {
    GA4: {
        "conversions": (
            "Conversions (GA4 key events)",
            "Google Analytics 4's key events in sessions of the campaign (GA4 credits them to the "
            "session's utm_campaign; SMM's attribution window does not apply).",
        ),
        "conversion_rate": ("Conversion rate", "GA4 key events ÷ own clicks."),
        "revenue": ("Revenue (GA4)", "Google Analytics 4's purchase revenue of those sessions."),
        "cpa": ("Cost per acquisition", "Spend ÷ GA4 key events."),
        "roas": ("ROAS", "GA4 purchase revenue ÷ spend."),
        "roi": ("ROI", "(GA4 purchase revenue − spend) ÷ spend."),
    },
}


def figures_for(source: str = "smm") -> list[tuple[str, str, str]]:
    """(key, label, definition) of every figure, in the words of the conversions' source."""
    words = SOURCE_FIGURES.get(source, {})
    return [(key, *words.get(key, (label, text))) for key, label, text in FIGURES]


def definitions_for(source: str = "smm") -> dict[str, str]:
    """{key: definition} of every figure, in the words of the conversions' source (the API's)."""
    return {key: text for key, _, text in figures_for(source)}


def _div(numerator, denominator) -> Decimal | None:
    if numerator is None or denominator is None:
        return None
    denominator = Decimal(denominator)
    if denominator <= 0:
        return None
    return Decimal(numerator) / denominator


def own_ctr(clicks, impressions) -> Decimal | None:
    return _div(clicks or 0, impressions)


def conversion_rate(conversions, clicks) -> Decimal | None:
    return _div(conversions or 0, clicks)


def cpc(cost, clicks) -> Decimal | None:
    return _div(cost, clicks)


def cpa(cost, conversions) -> Decimal | None:
    return _div(cost, conversions)


def roas(revenue, cost) -> Decimal | None:
    return _div(revenue or 0, cost)


def roi(revenue, cost) -> Decimal | None:
    if cost is None:
        return None
    return _div(Decimal(revenue or 0) - Decimal(cost), cost)


def figures(*, impressions, clicks, unique_clicks, conversions, revenue, cost) -> dict:
    """Every figure of one row from its sums (impressions None when no network reported any)."""
    return {
        "impressions": impressions,
        "clicks": clicks,
        "unique_clicks": unique_clicks,
        "own_ctr": own_ctr(clicks, impressions),
        "conversions": conversions,
        "conversion_rate": conversion_rate(conversions, clicks),
        "revenue": revenue,
        "cost": cost,
        "cpc": cpc(cost, clicks),
        "cpa": cpa(cost, conversions),
        "roas": roas(revenue, cost),
        "roi": roi(revenue, cost),
    }


CENT = Decimal("0.01")
KINDS = {
    "own_ctr": "percent",
    "conversion_rate": "percent",
    "roi": "percent",
    "roas": "times",
    "revenue": "money",
    "cost": "money",
    "cpc": "money",
    "cpa": "money",
}


def display(key: str, value, currency: str = "") -> str:
    """A figure as people read it: 2.5%, 3.20x, 1,234.50 EUR, 1,234; None -> "—"."""
    if value is None:
        return DASH
    kind = KINDS.get(key, "count")
    if kind == "percent":
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if kind == "times":
        return f"{Decimal(value).quantize(CENT, ROUND_HALF_UP)}×"
    if kind == "money":
        amount = f"{Decimal(value).quantize(CENT, ROUND_HALF_UP):,}"
        return f"{amount} {currency}".strip()
    return f"{int(value):,}"


def plain(key: str, value) -> str:
    """A figure for CSV and JSON: a plain decimal string (4 places for ratios), "" when None."""
    if value is None:
        return ""
    if KINDS.get(key, "count") in ("percent", "times"):
        return str(Decimal(value).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    if KINDS.get(key) == "money":
        return str(Decimal(value).quantize(CENT, ROUND_HALF_UP))
    return str(int(value))
