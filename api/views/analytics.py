"""The API's KPIs: the dashboard's figures (analytics.kpis) for the dashboard's filters."""

from __future__ import annotations

import math

from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from analytics import filters
from analytics import kpis as analytics_kpis
from api import openapi
from api import serializers as s
from api.views.base import WorkspaceScoped
from smm.models import Brand


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
        workspace, params = request.workspace, request.query_params
        # The dashboard's parsing (analytics/filters.py); where the page shows a default
        # instead, the API refuses with field errors.
        problems = {}
        try:
            ids = [b.pk for b in filters.chosen_brands(params.getlist("brand"), Brand.objects.for_workspace(workspace))]
        except filters.FilterProblem as problem:
            problems[problem.field] = [problem.message]
        try:
            networks = filters.chosen_networks(params.getlist("network"))
        except filters.FilterProblem as problem:
            problems[problem.field] = [problem.message]
        try:
            period = filters.chosen_period(params, workspace.tz)
        except filters.FilterProblem as problem:
            problems[problem.field] = [problem.message]
        if problems:
            raise ValidationError(problems)
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
