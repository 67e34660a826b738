"""The API's inbox: list, assign, reply, mark done or open (inbox.actions does each)."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import openapi
from api import serializers as s
from api.filters import InboxFilter
from api.views.base import WorkspaceScoped
from inbox import actions as inbox_actions
from inbox.models import InboxItem, Status


@openapi.inbox
class InboxItemViewSet(WorkspaceScoped, viewsets.ReadOnlyModelViewSet):
    model = InboxItem
    serializer_class = s.InboxItemSerializer
    rights = {"assign": "manage_inbox", "reply": "reply_inbox", "done": "reply_inbox", "reopen": "reply_inbox"}

    filterset_class = InboxFilter

    @property
    def ordering_fields(self):
        # Ordering by priority would show a client how the team's keywords score items.
        membership = getattr(self.request, "membership", None)
        if membership is not None and not membership.can("see_internal"):
            return ["id", "created_at"]
        return ["id", "created_at", "priority"]

    def get_queryset(self):
        return super().get_queryset().select_related("account")

    @openapi.inbox_assign
    @action(detail=True, methods=["post"])
    def assign(self, request, ws, pk):
        item = self.get_object()
        body = s.AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # Who may be assigned is the action's rule; its refusal is a field error (api/errors.py).
        inbox_actions.assign(item, body.validated_data["assignee"], request.user)
        return Response(self.get_serializer(item).data)

    @openapi.inbox_reply
    @action(detail=True, methods=["post"])
    def reply(self, request, ws, pk):
        item = self.get_object()
        body = s.ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reply = inbox_actions.queue_reply(item, request.user, body.validated_data["text"])
        if body.validated_data["done"]:
            inbox_actions.set_status(item, Status.DONE, request.user)
        return Response(s.InboxReplySerializer(reply).data, status=status.HTTP_202_ACCEPTED)

    @openapi.inbox_done
    @action(detail=True, methods=["post"])
    def done(self, request, ws, pk):
        item = self.get_object()
        inbox_actions.set_status(item, Status.DONE, request.user)
        return Response(self.get_serializer(item).data)

    @openapi.inbox_reopen
    @action(detail=True, methods=["post"])
    def reopen(self, request, ws, pk):
        item = self.get_object()
        inbox_actions.set_status(item, Status.OPEN, request.user)
        return Response(self.get_serializer(item).data)
