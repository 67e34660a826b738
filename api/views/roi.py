"""Campaign ROI in the API: the signed conversion endpoint (no token: an HMAC of the body
with the workspace's conversion secret, as our outgoing webhooks are signed) and the
campaign figures (links.roi, defined in posts.roi_definitions)."""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import as_field_errors
from api.views.base import WorkspaceScoped
from links import roi
from links.models import Conversion
from posts import roi_definitions as d
from posts.models import Campaign
from smm import webhooks
from smm.models import Workspace

logger = logging.getLogger(__name__)

TOLERANCE = 300  # seconds between the signed timestamp and now

EX_FIGURES = {
    "impressions": "3000",
    "clicks": "60",
    "unique_clicks": "50",
    "own_ctr": "0.0200",
    "conversions": "4",
    "conversion_rate": "0.0667",
    "revenue": "200.00",
    "cost": "120.00",
    "cpc": "2.00",
    "cpa": "30.00",
    "roas": "1.6667",
    "roi": "0.6667",
}
EX_CONVERSION = {
    "id": 12,
    "order_id": "A-1001",
    "value": "49.90",
    "currency": "EUR",
    "occurred_at": "2026-05-04T10:30:00Z",
    "campaign": 3,
    "target": 41,
    "link": 17,
    "attribution": "click Jd8s0aQk2LmX9wq1 within 30 days",
    "source": "api",
    "repeated": False,
}
EX_RULE = (
    "Conversions are credited to the last tracked click within 30 days; "
    "without one, to the campaign named by utm_campaign."
)


def _example(name, value):
    return OpenApiResponse(OpenApiTypes.OBJECT, examples=[OpenApiExample(name, value=value)])


def _figures(row: dict) -> dict:
    return {key: d.plain(key, row.get(key)) or None for key in ["impressions", *[k for k, _, _ in d.FIGURES]]}


def conversion_json(conversion: Conversion) -> dict:
    return {
        "id": conversion.pk,
        "order_id": conversion.order_id,
        "value": str(conversion.value),
        "currency": conversion.currency,
        "occurred_at": conversion.occurred_at,
        "campaign": conversion.campaign_id,
        "target": conversion.target_id,
        "link": conversion.link_id,
        "attribution": conversion.attribution,
        "source": conversion.source,
    }


class ConversionView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []  # the signature is the authentication; per-address rate limit as the API's

    @extend_schema(
        summary="Record a conversion (signed)",
        description=(
            "Body: JSON with order_id, value, currency (the workspace's only), occurred_at, click_id and/or "
            "utm_campaign. Headers: X-SMM-Timestamp (Unix seconds, within 5 minutes) and X-SMM-Signature: "
            "sha256=HMAC-SHA256(conversion secret, timestamp + '.' + raw body). A known order_id is counted "
            "once: 200 with the stored conversion; a new one: 201."
        ),
        request=OpenApiTypes.OBJECT,
        examples=[
            OpenApiExample(
                "An order",
                request_only=True,
                value={
                    "order_id": "A-1001",
                    "value": "49.90",
                    "currency": "EUR",
                    "occurred_at": "2026-05-04T10:30:00Z",
                    "click_id": "Jd8s0aQk2LmX9wq1",
                    "utm_campaign": "spring-sale",
                },
            )
        ],
        responses={
            201: _example("Recorded", EX_CONVERSION),
            200: _example("Already known (counted once)", {**EX_CONVERSION, "repeated": True}),
            400: _example("Field errors", {"currency": ["This workspace counts money in EUR; ..."]}),
            401: _example(
                "Bad signature", {"detail": "Signature missing or wrong, or timestamp older than 5 minutes."}
            ),
        },
        tags=["Campaign ROI"],
    )
    def post(self, request, ws):
        body = request.body
        timestamp = request.headers.get(webhooks.TIMESTAMP_HEADER, "")
        signature = request.headers.get(webhooks.SIGNATURE_HEADER, "")
        workspace = Workspace.objects.filter(slug=ws).first()
        secret = roi.settings_for(workspace).signing_secret if workspace is not None else ""
        reason = None
        if not timestamp or not signature:
            reason = "missing signature headers"
        elif not secret:
            reason = "no conversion secret" if workspace is not None else "unknown workspace"
        elif not webhooks.verify(secret, timestamp, body, signature, tolerance=TOLERANCE):
            reason = "bad signature or timestamp older than 5 minutes"
        if reason:
            logger.warning(
                "Conversion refused for workspace %s: %s (from %s)", ws[:60], reason, request.META.get("REMOTE_ADDR")
            )
            return Response(
                {"detail": "Signature missing or wrong, or timestamp older than 5 minutes."},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        try:
            data = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError({"non_field_errors": ["The body is not JSON."]}) from None
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        try:
            conversion, created = roi.record_conversion(workspace, data)
        except DjangoValidationError as error:
            raise ValidationError(as_field_errors(error)) from None
        return Response(
            {**conversion_json(conversion), "repeated": not created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _window(params, workspace) -> roi.Window:
    import datetime as dt

    problems, bounds = {}, {}
    for name in ("start", "end"):
        raw = params.get(name)
        if not raw:
            continue
        day = parse_date(raw)
        if day is None:
            problems[name] = ["Give a date like 2026-05-04."]
            continue
        if name == "end":
            day += dt.timedelta(days=1)  # inclusive end day
        bounds[name] = dt.datetime.combine(day, dt.time(), tzinfo=workspace.tz)
    if problems:
        raise ValidationError(problems)
    return roi.Window(bounds.get("start"), bounds.get("end"))


PERIOD = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (workspace time zone)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included"),
]


class CampaignFiguresView(WorkspaceScoped, GenericAPIView):
    model = Campaign
    rights = {"get": "view_analytics"}

    @extend_schema(
        operation_id="campaigns_figures_list",
        summary="Money and click figures per campaign",
        description="Clicks, unique clicks, CTR (own), conversions, conversion rate, revenue, spend, CPC, CPA, "
        "ROAS and ROI per campaign with any activity. Ratios are decimals (0.25 = 25%); null when undefined.",
        parameters=PERIOD,
        responses={
            200: _example(
                "Campaigns",
                {
                    "currency": "EUR",
                    "attribution": EX_RULE,
                    "definitions": {"roi": "(Revenue − spend) ÷ spend."},
                    "campaigns": [{"id": 3, "name": "Spring Sale 2026", "budget": "500.00", **EX_FIGURES}],
                },
            ),
            400: _example("Field errors", {"start": ["Give a date like 2026-05-04."]}),
        },
        tags=["Campaign ROI"],
    )
    def get(self, request, ws):
        workspace = request.workspace
        settings = roi.settings_for(workspace)
        rows = roi.campaign_rows(workspace, window=_window(request.query_params, workspace))
        return Response(
            {
                "currency": settings.currency,
                "attribution": roi.attribution_rule(settings),
                "definitions": d.definitions_for(settings.figures_from),
                "campaigns": [
                    {"id": r["campaign"].pk, "name": r["campaign"].name, "budget": d.plain("cost", r["budget"]) or None}
                    | _figures(r)
                    for r in rows
                ],
            }
        )


class CampaignFiguresDetailView(WorkspaceScoped, GenericAPIView):
    model = Campaign
    rights = {"get": "view_analytics"}

    @extend_schema(
        operation_id="campaign_figures_retrieve",
        summary="One campaign's figures, per network, post and brand",
        responses={
            200: _example(
                "A campaign",
                {
                    "id": 3,
                    "name": "Spring Sale 2026",
                    "currency": "EUR",
                    "budget": "500.00",
                    "attribution": EX_RULE,
                    "definitions": {"roi": "(Revenue − spend) ÷ spend."},
                    "figures": EX_FIGURES,
                    "by_network": [{"key": "x", "label": "x", **EX_FIGURES, "cost": None}],
                    "by_post": [],
                    "by_brand": [],
                },
            ),
            404: _example("Not in this workspace", {"detail": "No Campaign matches the given query."}),
        },
        tags=["Campaign ROI"],
    )
    def get(self, request, ws, campaign_id):
        workspace = request.workspace
        campaign = get_object_or_404(Campaign.objects.for_workspace(workspace), pk=campaign_id)
        settings = roi.settings_for(workspace)
        row = roi.campaign_rows(workspace, campaign_ids=[campaign.pk])[0]
        out = {
            "id": campaign.pk,
            "name": campaign.name,
            "currency": settings.currency,
            "budget": d.plain("cost", campaign.budget) or None,
            "attribution": roi.attribution_rule(settings),
            "definitions": d.definitions_for(settings.figures_from),
            "figures": _figures(row),
        }
        for group in ("network", "post", "brand"):
            out[f"by_{group}"] = [
                {"key": r["key"], "label": str(r["label"])} | _figures(r)
                for r in roi.breakdown(workspace, campaign, group)
            ]
        return Response(out)
