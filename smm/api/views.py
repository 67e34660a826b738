"""API endpoints under /api/v1/workspaces/<ws>/. Thin: resolve the workspace and the
caller's role (permissions.WorkspaceRight), read scoped rows, call the same named
functions as the pages (posts.actions, posts.media, posts.scheduling,
content_calendar.events, analytics.kpis, inbox.actions)."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from analytics import kpis as analytics_kpis
from analytics.models import PostMetricLatest
from analytics.periods import PeriodError, parse_period
from content_calendar.events import calendar_events
from inbox import actions as inbox_actions
from inbox.models import InboxItem, Status
from posts import actions
from posts.forms import CampaignForm, SlotForm
from posts.media import store_upload
from posts.models import Campaign, MediaAsset, Post, PostingSlot, PostMedia, PostTarget
from posts.scheduling import next_free_slot
from smm.api import serializers as s
from smm.api.filters import AccountFilter, InboxFilter, PostFilter
from smm.api.idempotency import idempotent
from smm.api.permissions import WorkspaceRight
from smm.models import Brand, Membership, SocialAccount
from smm.models_api import ApiToken
from smm.request_input import as_id

ID = r"\d+"
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors: {field: [messages]}"),
    403: OpenApiResponse(s.ErrorSerializer, description="Your role cannot do this"),
    404: OpenApiResponse(s.ErrorSerializer, description="Not in this workspace"),
}
READ_ERRORS = {404: ERRORS[404]}

EX_BRAND = {
    "id": 3,
    "name": "Acme Coffee",
    "time_zone": "Europe/Paris",
    "colour": "#4f46e5",
    "paused": False,
    "created_at": "2026-01-05T09:00:00Z",
}
EX_ACCOUNT = {
    "id": 7,
    "brand": 3,
    "network": "mastodon",
    "handle": "@acme@social.example",
    "display_name": "Acme",
    "avatar_url": "",
    "base_url": "https://social.example",
    "status": "connected",
    "status_reason": "",
    "token_expires_at": None,
    "connected_at": "2026-01-05T09:10:00Z",
}
EX_TARGET = {
    "id": 41,
    "account": 7,
    "network": "mastodon",
    "handle": "@acme@social.example",
    "text": "Our spring blend is here ☕",
    "state": "scheduled",
    "due_at": "2026-03-02T08:00:00Z",
    "published_at": None,
    "remote_id": "",
    "remote_url": "",
    "attempts": 0,
    "error_kind": "",
    "error_message": "",
    "error_user_message": "",
}
EX_POST = {
    "id": 12,
    "brand": 3,
    "campaign": None,
    "author": 1,
    "text": "Our spring blend is here ☕",
    "link": "https://acme.example/spring",
    "media": [5],
    "scheduled_at": "2026-03-02T08:00:00Z",
    "status": "scheduled",
    "approved_by": None,
    "approved_at": None,
    "created_at": "2026-02-27T10:00:00Z",
    "updated_at": "2026-02-27T10:01:00Z",
    "targets": [EX_TARGET],
    "warnings": [],
    "held": False,
}
EX_MEDIA = {
    "id": 5,
    "url": "https://smm.example/media/media/1/ab12/spring.jpg",
    "thumbnail_url": "https://smm.example/media/media/1/thumbs/cd34.jpg",
    "original_name": "spring.jpg",
    "mime_type": "image/jpeg",
    "size": 183422,
    "width": 1600,
    "height": 1200,
    "alt_text": "A cup of coffee on a sunny table",
    "created_at": "2026-02-27T09:58:00Z",
}
EX_CAMPAIGN = {
    "id": 2,
    "name": "Spring launch",
    "colour": "#0ea5e9",
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-31",
    "created_at": "2026-02-20T12:00:00Z",
}
EX_SLOT = {"id": 9, "brand": 3, "weekday": 0, "time": "09:00:00"}
EX_ITEM = {
    "id": 88,
    "account": 7,
    "network": "mastodon",
    "kind": "comment",
    "author_handle": "@sam@example.org",
    "author_name": "Sam",
    "text": "Is it decaf too?",
    "created_at": "2026-03-02T09:14:00Z",
    "url": "https://social.example/@sam/1",
    "status": "open",
    "assignee": None,
    "priority": 42,
    "sentiment": 0.0,
    "thread_key": "110",
    "post_target": 41,
    "first_response_at": None,
}
FIELD_ERRORS = OpenApiExample(
    "Refused by a network's rules",
    value={"text": ["X @acme: The text is 312 characters; X allows 280."]},
    response_only=True,
    status_codes=["400"],
)


def page_of(example):
    return {"next": "https://smm.example/api/v1/…?cursor=cD0yMDI2", "previous": None, "results": [example]}


def example(name, value, **kw):
    return OpenApiExample(name, value=value, **kw)


class WorkspaceScoped:
    """Every query goes through the request's workspace (the one tenant filter)."""

    permission_classes = [IsAuthenticated, WorkspaceRight]
    lookup_value_regex = ID
    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.for_workspace(self.request.workspace)


# --- workspaces, brands, accounts, members ---------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Workspaces you may see",
        description="A token sees its own workspace; a signed-in session sees every workspace of the user.",
        examples=[
            example(
                "Workspaces",
                page_of(
                    {
                        "slug": "acme-coffee",
                        "name": "Acme Coffee",
                        "time_zone": "Europe/Paris",
                        "approval_policy": "contributors",
                        "role": "editor",
                    }
                ),
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One workspace",
        responses={200: s.WorkspaceSerializer, **READ_ERRORS},
        examples=[
            example(
                "Workspace",
                {
                    "slug": "acme-coffee",
                    "name": "Acme Coffee",
                    "time_zone": "Europe/Paris",
                    "approval_policy": "contributors",
                    "role": "editor",
                },
            )
        ],
    ),
)
class WorkspaceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.WorkspaceSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "ws"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    ordering_fields = ["name", "id"]
    ordering = "id"
    filter_backends = []

    def _memberships(self):
        if isinstance(self.request.auth, ApiToken):
            return [self.request.auth.membership]
        return list(Membership.objects.for_user(self.request.user))

    def get_queryset(self):
        from smm.models import Workspace

        if getattr(self, "swagger_fake_view", False):
            return Workspace.objects.none()
        return Workspace.objects.filter(pk__in=[m.workspace_id for m in self._memberships()])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["roles"] = {m.workspace_id: m.role for m in self._memberships()}
        return context


@extend_schema_view(
    list=extend_schema(summary="Brands", examples=[example("Brands", page_of(EX_BRAND))]),
    retrieve=extend_schema(
        summary="One brand", responses={200: s.BrandSerializer, **READ_ERRORS}, examples=[example("Brand", EX_BRAND)]
    ),
)
class BrandViewSet(WorkspaceScoped, viewsets.ReadOnlyModelViewSet):
    model = Brand
    serializer_class = s.BrandSerializer
    ordering_fields = ["id", "name", "created_at"]
    filterset_fields = ["paused"]


@extend_schema_view(
    list=extend_schema(
        summary="Connected social accounts (never their secrets)", examples=[example("Accounts", page_of(EX_ACCOUNT))]
    ),
    retrieve=extend_schema(
        summary="One social account",
        responses={200: s.SocialAccountSerializer, **READ_ERRORS},
        examples=[example("Account", EX_ACCOUNT)],
    ),
)
class SocialAccountViewSet(WorkspaceScoped, viewsets.ReadOnlyModelViewSet):
    model = SocialAccount
    serializer_class = s.SocialAccountSerializer
    filterset_class = AccountFilter
    ordering_fields = ["id", "network", "handle", "connected_at"]


@extend_schema_view(
    list=extend_schema(
        summary="Members (for assigning inbox items)",
        examples=[example("Members", page_of({"id": 4, "username": "eve", "role": "editor"}))],
    ),
)
class MemberViewSet(WorkspaceScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    model = Membership
    serializer_class = s.MemberSerializer
    ordering_fields = ["id"]

    def get_queryset(self):
        return super().get_queryset().select_related("user")


# --- media, campaigns, posting slots ---------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Media library", examples=[example("Media", page_of(EX_MEDIA))]),
    retrieve=extend_schema(
        summary="One image",
        responses={200: s.MediaAssetSerializer, **READ_ERRORS},
        examples=[example("Image", EX_MEDIA)],
    ),
    create=extend_schema(
        summary="Upload an image",
        description="multipart/form-data with `file` (JPEG, PNG, GIF or WebP) and optional `alt_text`. "
        "The image is checked by its content, re-encoded without metadata and thumbnailed. "
        "Send `Idempotency-Key` to make a retry safe.",
        request={"multipart/form-data": s.MediaUploadSerializer},
        responses={201: s.MediaAssetSerializer, **ERRORS},
        examples=[
            example("Uploaded", EX_MEDIA, response_only=True, status_codes=["201"]),
            example(
                "Not an image",
                {"file": ["This file is not an image we can use: upload a JPEG, PNG, GIF or WebP picture."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
)
class MediaViewSet(WorkspaceScoped, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = MediaAsset
    serializer_class = s.MediaAssetSerializer
    rights = {"create": "write_posts"}
    ordering_fields = ["id", "created_at"]

    def get_serializer_class(self):
        return s.MediaUploadSerializer if self.action == "create" else s.MediaAssetSerializer

    @idempotent
    def create(self, request, ws):
        upload = s.MediaUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            asset = store_upload(
                request.workspace,
                upload.validated_data["file"],
                alt_text=upload.validated_data["alt_text"],
                user=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from None
        return Response(s.MediaAssetSerializer(asset).data, status=status.HTTP_201_CREATED)


def form_errors(form) -> dict:
    return {
        ("non_field_errors" if k == "__all__" else k): [e["message"] for e in v]
        for k, v in form.errors.get_json_data().items()
    }


@extend_schema_view(
    list=extend_schema(summary="Campaigns", examples=[example("Campaigns", page_of(EX_CAMPAIGN))]),
    retrieve=extend_schema(
        summary="One campaign",
        responses={200: s.CampaignSerializer, **READ_ERRORS},
        examples=[example("Campaign", EX_CAMPAIGN)],
    ),
    create=extend_schema(
        summary="Create a campaign",
        responses={201: s.CampaignSerializer, **ERRORS},
        examples=[
            example(
                "New campaign",
                {"name": "Spring launch", "starts_on": "2026-03-01", "ends_on": "2026-03-31"},
                request_only=True,
            ),
            example("Created", EX_CAMPAIGN, response_only=True, status_codes=["201"]),
            example(
                "Name taken",
                {"name": ["A campaign with this name exists already."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
)
class CampaignViewSet(WorkspaceScoped, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = Campaign
    serializer_class = s.CampaignSerializer
    rights = {"create": "write_posts"}
    ordering_fields = ["id", "name", "created_at"]

    @idempotent
    def create(self, request, ws):
        body = s.CampaignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: ("" if v is None else str(v)) for k, v in body.validated_data.items()}
        form = CampaignForm(data, workspace=request.workspace)  # the page's rules (unique name, dates)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        campaign = form.save(commit=False)
        campaign.workspace = request.workspace
        campaign.save()
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class BrandChild:
    def get_brand(self) -> Brand:
        return get_object_or_404(Brand.objects.for_workspace(self.request.workspace), pk=self.kwargs["brand_id"])


@extend_schema_view(
    list=extend_schema(summary="A brand's weekly posting slots", examples=[example("Slots", page_of(EX_SLOT))]),
    create=extend_schema(
        summary="Add a posting slot",
        responses={201: s.PostingSlotSerializer, **ERRORS},
        examples=[
            example("Monday 9:00", {"weekday": 0, "time": "09:00"}, request_only=True),
            example("Added", EX_SLOT, response_only=True, status_codes=["201"]),
            example(
                "Exists", {"non_field_errors": ["That slot exists already."]}, response_only=True, status_codes=["400"]
            ),
        ],
    ),
    destroy=extend_schema(summary="Remove a posting slot", responses={204: None, **ERRORS}),
)
class PostingSlotViewSet(
    WorkspaceScoped,
    BrandChild,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    model = PostingSlot
    serializer_class = s.PostingSlotSerializer
    rights = {"create": "schedule_posts", "destroy": "schedule_posts"}
    ordering_fields = ["id", "weekday", "time"]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PostingSlot.objects.none()
        return super().get_queryset().filter(brand=self.get_brand())

    @idempotent
    def create(self, request, ws, brand_id):
        brand = self.get_brand()
        body = s.PostingSlotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = SlotForm({"weekday": body.validated_data["weekday"], "time": body.validated_data["time"]})
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        slot = form.save(commit=False)
        slot.brand = brand
        if PostingSlot.objects.filter(brand=brand, weekday=slot.weekday, time=slot.time).exists():
            raise ValidationError({"non_field_errors": ["That slot exists already."]})
        slot.save()
        return Response(s.PostingSlotSerializer(slot).data, status=status.HTTP_201_CREATED)


class NextFreeSlotView(WorkspaceScoped, BrandChild, GenericAPIView):
    model = PostingSlot
    serializer_class = s.NextSlotSerializer

    @extend_schema(
        summary="The brand's next free posting slot",
        responses={200: s.NextSlotSerializer, **READ_ERRORS},
        examples=[
            example(
                "Next slot",
                {"brand": 3, "next_free_slot": "2026-03-02T08:00:00Z", "local": "2026-03-02T09:00:00+01:00"},
            )
        ],
    )
    def get(self, request, ws, brand_id):
        brand = self.get_brand()
        when = next_free_slot(brand)
        return Response(
            {"brand": brand.pk, "next_free_slot": when, "local": when.astimezone(brand.tz) if when else None}
        )


# --- posts -------------------------------------------------------------------------------------


def post_queryset(workspace):
    return (
        Post.objects.for_workspace(workspace)
        .select_related("brand")  # for ``held``
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("account").order_by("id")),
            Prefetch("postmedia_set", queryset=PostMedia.objects.order_by("order", "id")),
        )
    )


POST_WRITE_EXAMPLE = {
    "brand": 3,
    "accounts": [7, 8],
    "text": "Our spring blend is here ☕",
    "variants": {"8": "Our spring blend is here ☕ #coffee"},
    "link": "https://acme.example/spring",
    "media": [5],
}


def _action_schema(summary, description="", request=None, examples=()):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: s.PostSerializer, **ERRORS},
        examples=[example("The post", EX_POST, response_only=True, status_codes=["200"]), *examples],
    )


@extend_schema_view(
    list=extend_schema(summary="Posts", examples=[example("Posts", page_of(EX_POST))]),
    retrieve=extend_schema(
        summary="One post with its targets",
        responses={200: s.PostSerializer, **READ_ERRORS},
        examples=[example("Post", EX_POST)],
    ),
    create=extend_schema(
        summary="Write a post (a draft) for some accounts",
        description="Creates a draft with one target per account. Schedule it with …/schedule/. "
        "Send `Idempotency-Key` so a retried request never makes a second post.",
        request=s.PostWriteSerializer,
        responses={
            201: s.PostSerializer,
            **ERRORS,
            409: OpenApiResponse(s.ErrorSerializer, description="Idempotency-Key reused with another body"),
        },
        examples=[
            example("Two accounts", POST_WRITE_EXAMPLE, request_only=True),
            example(
                "Created",
                {**EX_POST, "status": "draft", "scheduled_at": None},
                response_only=True,
                status_codes=["201"],
            ),
            example(
                "Account of another brand",
                {"accounts": ["@x of Other Brand does not belong to Acme Coffee."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a post",
        description="Only while nothing of it is publishing or published. A scheduled post stays scheduled "
        "after its content is checked again against every network's rules.",
        request=s.PostUpdateSerializer,
        responses={200: s.PostSerializer, **ERRORS},
        examples=[
            example("New text", {"text": "Spring blend: now in stores"}, request_only=True),
            example("Changed", EX_POST, response_only=True, status_codes=["200"]),
            FIELD_ERRORS,
        ],
    ),
)
class PostViewSet(WorkspaceScoped, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = Post
    serializer_class = s.PostSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["id", "created_at", "updated_at"]
    rights = {
        "create": "write_posts",
        "partial_update": "write_posts",
        "schedule": "schedule_posts",
        "unschedule": "schedule_posts",
        "approve": "approve_posts",
        "request_changes": "approve_posts",
        "cancel": "write_posts",
        "duplicate": "write_posts",
        "retry_target": "schedule_posts",
        "target_on_network": "resolve_outcomes",
        "send_target_again": "resolve_outcomes",
    }

    filterset_class = PostFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Post.objects.none()
        return post_queryset(self.request.workspace)

    def _target(self, target_id, body=None):
        """This post, one of its targets and the request's body read by ``body`` (a
        serializer; a 400 names the field): what each action on a target starts from."""
        post = self.get_object()
        target = get_object_or_404(PostTarget.objects.filter(post=post), pk=target_id)
        if body is None:
            return post, target, {}
        reader = body(data=self.request.data)
        reader.is_valid(raise_exception=True)
        return post, target, reader.validated_data

    def _answer(self, post, code=status.HTTP_200_OK):
        warnings = getattr(post, "warnings", [])
        fresh = post_queryset(self.request.workspace).get(pk=post.pk)
        fresh.warnings = warnings
        return Response(s.PostSerializer(fresh).data, status=code)

    def _ctx(self):
        return {"actor": self.request.user, "membership": self.request.membership}

    @idempotent
    def create(self, request, ws):
        body = s.PostWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        post = actions.create_post(
            request.workspace,
            data["brand"],
            request.user,
            data.get("text", ""),
            data["accounts"],
            variants=data.get("variants"),
            link=data.get("link", ""),
            media=data.get("media", ()),
            campaign=data.get("campaign"),
            membership=request.membership,
        )
        return self._answer(post, status.HTTP_201_CREATED)

    def partial_update(self, request, ws, pk):
        post = self.get_object()
        body = s.PostUpdateSerializer(data=request.data, context={"request": request}, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        changes = {name: data[name] for name in ("text", "accounts", "variants", "link", "media") if name in data}
        if "campaign" in data:
            changes["campaign"] = data["campaign"]
        post = actions.update_post(post, request.user, membership=request.membership, **changes)
        return self._answer(post)

    def update(self, request, *args, **kwargs):  # PUT is not offered; PATCH changes what it names
        return self.partial_update(request, *args, **kwargs)

    @_action_schema(
        "Schedule a post",
        "Exactly one of `at` (an ISO 8601 time with offset), `next_free_slot: true` (the brand's next free posting "
        "slot) or `now: true`. Every target is checked against its network's rules first; problems come back as "
        "field errors. If your role's posts need approval, the post waits for approval instead.",
        s.ScheduleSerializer,
        [
            example("Next free slot", {"next_free_slot": True}, request_only=True),
            example("At a time", {"at": "2026-03-02T09:00:00+01:00"}, request_only=True),
            FIELD_ERRORS,
        ],
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request, ws, pk):
        post = self.get_object()
        body = s.ScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("next_free_slot"):
            post = actions.add_to_queue(post, request.user, request.membership)
        elif body.validated_data.get("now"):
            post = actions.publish_now(post, request.user, request.membership)
        else:
            post = actions.schedule_post(post, body.validated_data["at"], request.user, request.membership)
        return self._answer(post)

    @_action_schema("Unschedule (back to draft)", request=None)
    @action(detail=True, methods=["post"])
    def unschedule(self, request, ws, pk):
        return self._answer(actions.unschedule(self.get_object(), **self._ctx()))

    @_action_schema(
        "Approve a post waiting for approval",
        request=s.CommentSerializer,
        examples=[example("Approve", {"comment": "Looks good"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, ws, pk):
        body = s.CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = actions.approve(self.get_object(), request.user, request.membership, body.validated_data["comment"])
        return self._answer(post)

    @_action_schema(
        "Send a post back to its author",
        request=s.RequiredCommentSerializer,
        examples=[example("Request changes", {"comment": "Please add the price"}, request_only=True)],
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, ws, pk):
        body = s.RequiredCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = actions.request_changes(
            self.get_object(), request.user, body.validated_data["comment"], request.membership
        )
        return self._answer(post)

    @_action_schema("Cancel what has not gone out", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, ws, pk):
        return self._answer(actions.cancel(self.get_object(), **self._ctx()))

    @extend_schema(
        summary="Duplicate as a new draft",
        request=None,
        responses={201: s.PostSerializer, **ERRORS},
        examples=[example("The copy", {**EX_POST, "id": 13, "status": "draft", "scheduled_at": None})],
    )
    @action(detail=True, methods=["post"])
    def duplicate(self, request, ws, pk):
        return self._answer(actions.duplicate(self.get_object(), **self._ctx()), status.HTTP_201_CREATED)

    @extend_schema(
        summary="Retry a failed target now",
        description="Only a `failed` target. A target whose outcome is `unknown` may be on the network already: "
        "settle it with …/on-network/ or …/send-again/ instead.",
        request=None,
        parameters=[OpenApiParameter("target_id", int, OpenApiParameter.PATH)],
        responses={200: s.PostSerializer, **ERRORS},
        examples=[example("Retried", EX_POST)],
    )
    @action(detail=True, methods=["post"], url_path=r"targets/(?P<target_id>\d+)/retry")
    def retry_target(self, request, ws, pk, target_id):
        post, target, _ = self._target(target_id)
        actions.retry_target(target, request.user, request.membership)
        return self._answer(post)

    @extend_schema(
        summary="An unknown outcome: it is on the network",
        description="For a target whose state is `unknown` (the network's answer was lost and it cannot be "
        "looked up): you found the post on the network, so it is marked published. Give its `url` if you have it; "
        "SMM reads the post's id from it where the network's links allow (then its metrics are read as usual). "
        "Owners and managers only.",
        request=s.PostLinkSerializer,
        parameters=[OpenApiParameter("target_id", int, OpenApiParameter.PATH)],
        responses={200: s.PostSerializer, **ERRORS},
        examples=[
            example("With its link", {"url": "https://social.example/@acme/113512345678901234"}, request_only=True),
            example("Marked published", EX_POST, response_only=True, status_codes=["200"]),
            example(
                "Not a link",
                {"url": ["Paste the post's web address, starting with https://."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"targets/(?P<target_id>\d+)/on-network")
    def target_on_network(self, request, ws, pk, target_id):
        post, target, body = self._target(target_id, s.PostLinkSerializer)
        actions.mark_on_network(target, request.user, request.membership, url=body["url"])
        return self._answer(post)

    @extend_schema(
        summary="An unknown outcome: it is not there, send it again",
        description="For a target whose state is `unknown`: you looked and the post is not on the network, so it "
        "is sent again now. If it is there after all, it appears twice: send `confirm: true` to say you looked. "
        "(Retry is refused for these targets for that reason.) Owners and managers only.",
        request=s.SendAgainSerializer,
        parameters=[OpenApiParameter("target_id", int, OpenApiParameter.PATH)],
        responses={200: s.PostSerializer, **ERRORS},
        examples=[
            example("Confirmed", {"confirm": True}, request_only=True),
            example("Sent again", EX_POST, response_only=True, status_codes=["200"]),
            example(
                "Not confirmed",
                {
                    "confirm": [
                        "If the post is on the network after all, sending it again makes it appear twice. "
                        "Look at the account first, then send “confirm”: true."
                    ]
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"targets/(?P<target_id>\d+)/send-again")
    def send_target_again(self, request, ws, pk, target_id):
        post, target, _ = self._target(target_id, s.SendAgainSerializer)
        actions.send_again(target, request.user, request.membership)
        return self._answer(post)

    @extend_schema(
        summary="Latest metrics per published target",
        responses={200: s.PostMetricsSerializer(many=True), **READ_ERRORS},
        examples=[
            example(
                "Metrics",
                [
                    {
                        "target": 41,
                        "account": 7,
                        "network": "mastodon",
                        "published_at": "2026-03-02T08:00:03Z",
                        "captured_at": "2026-03-02T09:00:00Z",
                        "impressions": None,
                        "reach": None,
                        "likes": 12,
                        "comments": 3,
                        "shares": 4,
                        "saves": None,
                        "clicks": None,
                        "video_views": None,
                        "engagements": 19,
                    }
                ],
            )
        ],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def metrics(self, request, ws, pk):
        post = self.get_object()
        rows = PostMetricLatest.objects.for_workspace(request.workspace).filter(post=post).order_by("target_id")
        return Response(s.PostMetricsSerializer(rows, many=True).data)


# --- calendar, analytics --------------------------------------------------------------------------

RANGE_PARAMS = [
    OpenApiParameter("start", str, required=True, description="ISO date or date-time (in time_zone when no offset)"),
    OpenApiParameter("end", str, required=True, description="ISO date or date-time; at most 100 days after start"),
    OpenApiParameter("time_zone", str, description="IANA zone for the answer (default: the workspace's)"),
    OpenApiParameter("brand", int, many=True),
    OpenApiParameter("account", int, many=True),
    OpenApiParameter("network", str, many=True),
    OpenApiParameter("campaign", int, many=True),
    OpenApiParameter("state", str, many=True, description="Post status"),
    OpenApiParameter("slots", bool),
]


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

    @extend_schema(
        summary="The calendar of a date range",
        description="Posts (as calendar cards), posting slots (with slots=true), campaigns and notes between "
        "start and end: the same events the calendar page draws.",
        parameters=RANGE_PARAMS,
        responses={200: s.CalendarSerializer, 400: ERRORS[400]},
        examples=[
            example(
                "A week",
                {
                    "start": "2026-03-02T00:00:00+01:00",
                    "end": "2026-03-09T00:00:00+01:00",
                    "time_zone": "Europe/Paris",
                    "events": [
                        {"id": "post-12", "title": "Our spring blend is here", "start": "2026-03-02T09:00:00+01:00"}
                    ],
                },
            )
        ],
    )
    def get(self, request, ws):
        tz = zone_param(request, request.workspace.tz)
        events, start, end = calendar_events(request.workspace, request.membership, request.query_params, tz)
        return Response({"start": start, "end": end, "time_zone": tz.key, "events": events})


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

    @extend_schema(
        summary="KPIs of some brands over a period",
        description="The dashboard's figures (DESIGN.md definitions) with the previous period's. Periods: "
        "`period=week&week=2026-W09` (default: the last complete ISO week), `period=7d|28d|90d[&end=…]`, "
        "`period=custom&start=…&end=…`; dates are in the workspace's time zone.",
        parameters=[
            OpenApiParameter("brand", int, many=True, description="Default: every brand"),
            OpenApiParameter("network", str, many=True),
            OpenApiParameter("period", str, enum=["week", "7d", "28d", "90d", "custom"]),
            OpenApiParameter("week", str),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses={200: s.KpiReportSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[
            example(
                "A week",
                {
                    "brands": [3],
                    "period": {
                        "kind": "week",
                        "start": "2026-02-23",
                        "end": "2026-03-01",
                        "label": "Week 9, 23 Feb – 01 Mar 2026",
                        "time_zone": "Europe/Paris",
                    },
                    "previous_period": {
                        "kind": "week",
                        "start": "2026-02-16",
                        "end": "2026-02-22",
                        "label": "Week 8, 16 Feb – 22 Feb 2026",
                        "time_zone": "Europe/Paris",
                    },
                    "kpis": [
                        {
                            "key": "engagements",
                            "label": "Engagements",
                            "kind": "count",
                            "value": 120.0,
                            "previous": 95.0,
                            "display": "120",
                            "note": "Likes + comments + shares …",
                        }
                    ],
                    "left_out_of_rates": 2,
                },
            )
        ],
    )
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


# --- inbox ------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Inbox items (comments, mentions, messages)", examples=[example("Items", page_of(EX_ITEM))]
    ),
    retrieve=extend_schema(
        summary="One inbox item",
        responses={200: s.InboxItemSerializer, **READ_ERRORS},
        examples=[example("Item", EX_ITEM)],
    ),
)
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

    @extend_schema(
        summary="Assign to a member (or unassign)",
        request=s.AssignSerializer,
        responses={200: s.InboxItemSerializer, **ERRORS},
        examples=[
            example("Assign", {"assignee": 4}, request_only=True),
            example("Assigned", {**EX_ITEM, "assignee": 4}, response_only=True, status_codes=["200"]),
        ],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, ws, pk):
        item = self.get_object()
        body = s.AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignee = None
        if body.validated_data["assignee"] is not None:
            membership = (
                Membership.objects.for_workspace(request.workspace)
                .filter(user_id=body.validated_data["assignee"])
                .select_related("user")
                .first()
            )
            if membership is None or not membership.can("reply_inbox"):
                raise ValidationError({"assignee": ["That person cannot answer this workspace's inbox."]})
            assignee = membership.user
        inbox_actions.assign(item, assignee, request.user)
        return Response(self.get_serializer(item).data)

    @extend_schema(
        summary="Reply on the network",
        request=s.ReplySerializer,
        responses={202: s.InboxReplySerializer, **ERRORS},
        examples=[
            example("Reply", {"text": "Yes, there is a decaf version!", "done": True}, request_only=True),
            example(
                "Queued",
                {
                    "id": 3,
                    "item": 88,
                    "text": "Yes, there is a decaf version!",
                    "state": "queued",
                    "created_at": "2026-03-02T09:20:00Z",
                },
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, ws, pk):
        item = self.get_object()
        body = s.ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reply = inbox_actions.queue_reply(item, request.user, body.validated_data["text"])
        if body.validated_data["done"]:
            inbox_actions.set_status(item, Status.DONE, request.user)
        return Response(s.InboxReplySerializer(reply).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Mark done",
        request=None,
        responses={200: s.InboxItemSerializer, **ERRORS},
        examples=[example("Done", {**EX_ITEM, "status": "done"})],
    )
    @action(detail=True, methods=["post"])
    def done(self, request, ws, pk):
        item = self.get_object()
        inbox_actions.set_status(item, Status.DONE, request.user)
        return Response(self.get_serializer(item).data)

    @extend_schema(
        summary="Open again",
        request=None,
        responses={200: s.InboxItemSerializer, **ERRORS},
        examples=[example("Open", EX_ITEM)],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, ws, pk):
        item = self.get_object()
        inbox_actions.set_status(item, Status.OPEN, request.user)
        return Response(self.get_serializer(item).data)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
@authentication_classes([])
@throttle_classes([])
def not_found(request):
    return Response({"detail": "No such API endpoint or object."}, status=status.HTTP_404_NOT_FOUND)
