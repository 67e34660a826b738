"""The weekly report's listening section (``ListeningConfig.report_section``, read by
analytics.reports through django.apps: analytics may not import listening)."""

from __future__ import annotations

from listening import figures
from listening.models import Monitor, SpikeAlert
from smm.models import Brand


def weekly_section(workspace, *, start, end, brand_ids=None) -> dict | None:
    """Per brand with monitors: mentions, net sentiment, share of voice, and the week's
    alerts; None when no brand listens."""
    brands = Brand.objects.for_workspace(workspace)
    if brand_ids is not None:
        brands = brands.filter(pk__in=brand_ids)
    listening = set(Monitor.objects.filter(brand__in=brands).values_list("brand_id", flat=True))
    rows = []
    for brand in brands.filter(pk__in=listening):
        found = figures.dashboard(brand, figures.Period(start, end))
        alerts = SpikeAlert.objects.filter(monitor__brand=brand, bucket_start__gte=start, bucket_start__lt=end)
        rows.append(
            {
                "brand": brand.name,
                "volume": found["volume"],
                "net_sentiment": found["net_sentiment"],
                "share_of_voice": found["share_of_voice"],
                "positive": found["positive"],
                "negative": found["negative"],
                "alerts": [
                    {
                        "label": f"{a.get_series_display()} spike on “{a.monitor.name}”: {a.count} in "
                        f"{a.window_minutes} min, {a.bucket_start:%a %d %b %H:%M} UTC",
                        "path": a.get_absolute_url(),
                    }
                    for a in alerts.select_related("monitor", "workspace")[:10]
                ],
            }
        )
    if not rows:
        return None
    return {
        "rows": rows,
        "definitions": "Net sentiment = (positive − negative) ÷ (positive + negative), neutral left out. "
        "Share of voice = the brand's mentions ÷ (the brand's + its competitor monitors' mentions).",
    }
