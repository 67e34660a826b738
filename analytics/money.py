"""The campaign money figures on the dashboard, the report and the CSV export.

The rows come from the links app (clicks, conversions, spend), which analytics may not
import: it names ``roi_rows = "dotted.path"`` on its AppConfig, a callable
``(workspace, *, start, end, brand_ids) -> {"rows", "currency", "rule", "source"}`` (the source
of conversions and revenue, which decides the figures' words). The figures'
definitions are in ``analytics.definitions`` (MONEY_FIGURES, from posts.roi_definitions).
Without such an app (or when it fails) the card is simply not shown.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.utils.module_loading import import_string

from analytics import definitions

logger = logging.getLogger(__name__)

CARD_KEYS = ("clicks", "conversions", "revenue", "cost", "roi")


def campaign_money(workspace, *, start=None, end=None, brand_ids=None) -> dict | None:
    for config in apps.get_app_configs():
        path = getattr(config, "roi_rows", None)
        if not path:
            continue
        try:
            found = import_string(path)(workspace, start=start, end=end, brand_ids=brand_ids)
        except Exception:
            logger.exception("Campaign money hook %s failed; the dashboard shows no campaign money", path)
            return None
        currency = found["currency"]
        for row in found["rows"]:
            row["shown"] = {
                key: definitions.money_display(key, row.get(key), currency) for key, _, _ in definitions.MONEY_FIGURES
            }
        # Labels and definitions in the words of the conversions' source (SMM's or GA4's)
        figures = {
            key: (key, label, text) for key, label, text in definitions.money_figures_for(found.get("source", ""))
        }
        found["columns"] = [figures[key] for key in CARD_KEYS]
        return found
    return None
