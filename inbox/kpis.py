"""Response KPIs from the inbox: response rate and median time to first response.

Counted over the items *received* in a period (created_at in [start, end)), per brand
and per member who answered first. Counts are SQL aggregates; the median is
PostgreSQL's ``percentile_cont`` where available and computed from the per-item
durations on SQLite.
"""

from __future__ import annotations

import datetime as dt
import statistics

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Q
from django.db.models.functions import Extract

from inbox.models import InboxItem


class _Median(Aggregate):
    """Median of an expression (PostgreSQL only)."""

    function = "percentile_cont"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _seconds(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def _rate(responded: int, received: int) -> float | None:
    return round(responded / received, 4) if received else None


def _medians_by(items, key: str) -> dict:
    """{key value: median seconds to first response} for answered items."""
    answered = items.filter(first_response_at__isnull=False)
    if connection.vendor == "postgresql":
        wait = ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())
        rows = answered.values(key).annotate(median=_Median(Extract(wait, "epoch")))
        return {row[key]: _seconds(row["median"]) for row in rows}
    durations: dict = {}
    for value, created, first in answered.values_list(key, "created_at", "first_response_at"):
        durations.setdefault(value, []).append((first - created).total_seconds())
    return {value: statistics.median(seconds) for value, seconds in durations.items()}


def response_kpis(workspace, brands, start: dt.datetime, end: dt.datetime) -> dict:
    """Response figures of ``workspace`` for items received in [start, end).

    ``brands``: an iterable of Brand (or ids) to limit to; None or empty means all.

    Returns::

        {
          "received": int,              # items received in the period
          "responded": int,             # of those, answered from the app (first_response_at set)
          "response_rate": float|None,  # responded / received, 0..1; None when nothing was received
          "median_first_response_seconds": float|None,  # over answered items; None when none
          "by_brand": [                 # one row per brand with items, by name
            {"brand_id": int, "brand": str, "received": int, "responded": int,
             "response_rate": float|None, "median_first_response_seconds": float|None},
          ],
          "by_member": [                # one row per person who answered first, most answers first
            {"user_id": int, "member": str, "responded": int,
             "median_first_response_seconds": float|None},
          ],
        }

    A response is the first reply sent from the app; its time is the reply's time on
    the network minus the item's time on the network.
    """
    brand_ids = [getattr(brand, "pk", brand) for brand in brands or []]
    if connection.vendor == "postgresql":
        return _response_kpis_one_query(workspace, brand_ids, start, end)
    items = InboxItem.objects.for_workspace(workspace).filter(created_at__gte=start, created_at__lt=end)
    if brand_ids:
        items = items.filter(account__brand_id__in=brand_ids)

    totals = items.aggregate(received=Count("id"), responded=Count("id", filter=Q(first_response_at__isnull=False)))
    overall_median = _medians_by(items, "workspace_id").get(workspace.pk)

    brand_rows = (
        items.values("account__brand_id", "account__brand__name")
        .annotate(received=Count("id"), responded=Count("id", filter=Q(first_response_at__isnull=False)))
        .order_by("account__brand__name")
    )
    brand_medians = _medians_by(items, "account__brand_id")
    by_brand = [
        {
            "brand_id": row["account__brand_id"],
            "brand": row["account__brand__name"],
            "received": row["received"],
            "responded": row["responded"],
            "response_rate": _rate(row["responded"], row["received"]),
            "median_first_response_seconds": brand_medians.get(row["account__brand_id"]),
        }
        for row in brand_rows
    ]

    member_rows = (
        items.filter(first_response_at__isnull=False, responded_by__isnull=False)
        .values("responded_by_id", "responded_by__username")
        .annotate(responded=Count("id"))
        .order_by("-responded", "responded_by__username")
    )
    member_medians = _medians_by(items.filter(responded_by__isnull=False), "responded_by_id")
    by_member = [
        {
            "user_id": row["responded_by_id"],
            "member": row["responded_by__username"],
            "responded": row["responded"],
            "median_first_response_seconds": member_medians.get(row["responded_by_id"]),
        }
        for row in member_rows
    ]
    return {
        "received": totals["received"],
        "responded": totals["responded"],
        "response_rate": _rate(totals["responded"], totals["received"]),
        "median_first_response_seconds": overall_median,
        "by_brand": by_brand,
        "by_member": by_member,
    }


# PostgreSQL: the same figures in one statement (the totals, the per-brand and the
# per-member rows as grouping sets of one scan), instead of six queries.
_ONE_QUERY = """
SELECT GROUPING(a.brand_id, b.name) AS by_brand, GROUPING(i.responded_by_id, u.username) AS by_member,
       a.brand_id, b.name, i.responded_by_id, u.username,
       count(i.id) AS received,
       count(i.id) FILTER (WHERE i.first_response_at IS NOT NULL) AS responded,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (i.first_response_at - i.created_at)))
         AS median
FROM inbox_inboxitem i
JOIN smm_socialaccount a ON a.id = i.account_id
JOIN smm_brand b ON b.id = a.brand_id
LEFT JOIN auth_user u ON u.id = i.responded_by_id
WHERE i.workspace_id = %(workspace)s AND i.created_at >= %(start)s AND i.created_at < %(end)s {brands}
GROUP BY GROUPING SETS ((), (a.brand_id, b.name), (i.responded_by_id, u.username))
ORDER BY b.name, count(i.id) FILTER (WHERE i.first_response_at IS NOT NULL) DESC, u.username
"""


def _response_kpis_one_query(workspace, brand_ids: list, start: dt.datetime, end: dt.datetime) -> dict:
    sql = _ONE_QUERY.format(brands="AND a.brand_id = ANY(%(brands)s)" if brand_ids else "")
    params = {"workspace": workspace.pk, "start": start, "end": end, "brands": brand_ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    totals = {"received": 0, "responded": 0, "median": None}
    by_brand, by_member = [], []
    for grouped_brand, grouped_member, brand_id, brand, user_id, member, received, responded, median in rows:
        if grouped_brand and grouped_member:  # the grand total
            totals = {"received": received, "responded": responded, "median": _seconds(median)}
        elif not grouped_brand:
            by_brand.append(
                {
                    "brand_id": brand_id,
                    "brand": brand,
                    "received": received,
                    "responded": responded,
                    "response_rate": _rate(responded, received),
                    "median_first_response_seconds": _seconds(median),
                }
            )
        elif user_id is not None and responded:
            by_member.append(
                {
                    "user_id": user_id,
                    "member": member,
                    "responded": responded,
                    "median_first_response_seconds": _seconds(median),
                }
            )
    return {
        "received": totals["received"],
        "responded": totals["responded"],
        "response_rate": _rate(totals["responded"], totals["received"]),
        "median_first_response_seconds": totals["median"],
        "by_brand": by_brand,
        "by_member": by_member,
    }
