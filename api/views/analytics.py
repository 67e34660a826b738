"""The API's KPIs: the dashboard's figures (analytics.kpis) for the dashboard's filters."""

from __future__ import annotations

import math

from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from analytics import kpis as analytics_kpis
from analytics.periods import PeriodError, parse_period
from api import openapi
from api import serializers as s
from api.views.base import WorkspaceScoped
from smm.models import Brand
from smm.request_input import as_id


def _number(value):
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _period(period):
    return {
        "kind": period.kind,
        "start": period.start,
        "end": period.end,
        "label": period.label,
        "time_zone": period.tz.key,
    }


class KpiView(WorkspaceScoped, GenericAPIView):
    model = Brand
    serializer_class = s.KpiReportSerializer
    rights = {"get": "view_analytics"}

    @openapi.kpis
    def get(self, request, ws):
        workspace = request.workspace
        brands = Brand.objects.for_workspace(workspace)
        raw = request.query_params.getlist("brand")
        if raw:
            if any(as_id(value) is None for value in raw):
                raise ValidationError({"brand": ["Give brand ids (numbers)."]})
            ids = sorted({as_id(v) for v in raw})
            found = set(brands.filter(pk__in=ids).values_list("pk", flat=True))
            if found != set(ids):
                raise ValidationError({"brand": ["No such brand in this workspace."]})
        else:
            ids = list(brands.values_list("pk", flat=True))
        try:
            period = parse_period(request.query_params, workspace.tz)
        except PeriodError as exc:
            raise ValidationError({"period": [str(exc)]}) from None
        networks = request.query_params.getlist("network") or None
        dashboard = analytics_kpis.compute(analytics_kpis.Scope(workspace, ids, networks), period)
        kpis = [
            {
                "key": t["key"],
                "label": t["label"],
                "kind": t["kind"],
                "value": _number(t["value"]),
                "previous": _number(t["previous"]),
                "display": t["display"],
                "note": t["note"],
            }
            for t in dashboard.tiles()
        ]
        return Response(
            {
                "brands": ids,
                "period": _period(period),
                "previous_period": _period(period.previous()),
                "kpis": kpis,
                "left_out_of_rates": int(_number(dashboard.left_out.get("cur")) or 0),
            }
        )
