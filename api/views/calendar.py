"""The API's calendar: the same events the calendar page draws (content_calendar.events)."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api import openapi
from api import serializers as s
from api.views.base import WorkspaceScoped
from content_calendar.events import calendar_events
from posts.models import Post


def zone_param(request, default):
    import zoneinfo

    name = request.query_params.get("time_zone")
    if not name:
        return default
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": [f"{name!r} is not a known time zone."]}) from None


class CalendarView(WorkspaceScoped, GenericAPIView):
    model = Post
    serializer_class = s.CalendarSerializer

    @openapi.calendar
    def get(self, request, ws):
        tz = zone_param(request, request.workspace.tz)
        events, start, end = calendar_events(request.workspace, request.membership, request.query_params, tz)
        return Response({"start": start, "end": end, "time_zone": tz.key, "events": events})
