"""The API's posts: write, change, schedule, approve, cancel, settle unknown outcomes, read metrics
(posts.actions does each; this only reads the request and answers)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from analytics.models import PostMetricLatest
from api import openapi
from api import serializers as s
from api.filters import PostFilter
from api.idempotency import idempotent
from api.views.base import WorkspaceScoped
from posts import actions, threads
from posts.models import Post, PostMedia, PostTarget


def post_queryset(workspace):
    return (
        Post.objects.for_workspace(workspace)
        .select_related("brand")  # for ``held``
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("account").order_by("id")),
            Prefetch("postmedia_set", queryset=PostMedia.objects.order_by("order", "id")),
        )
    )


@openapi.posts
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
            options=data.get("options"),
            link=data.get("link", ""),
            media=data.get("media", ()),
            campaign=data.get("campaign"),
            membership=request.membership,
        )
        if data.get("parts") or data.get("first_comment") or data.get("parts_by_account"):
            threads.set_thread(
                post,
                threads.clean_parts(data.get("parts")),
                data.get("first_comment", ""),
                per_account=data.get("parts_by_account"),
            )
        return self._answer(post, status.HTTP_201_CREATED)

    def partial_update(self, request, ws, pk):
        post = self.get_object()
        body = s.PostUpdateSerializer(data=request.data, context={"request": request}, partial=True)
        body.instance_post = post  # its accounts and media, for checking options the body does not change
        body.is_valid(raise_exception=True)
        data = body.validated_data
        changes = {
            name: data[name] for name in ("text", "accounts", "variants", "options", "link", "media") if name in data
        }
        if "campaign" in data:
            changes["campaign"] = data["campaign"]
        post = actions.update_post(post, request.user, membership=request.membership, **changes)
        if {"parts", "parts_by_account", "first_comment", "accounts"} & set(data):
            parts, comment = threads.post_thread(post)
            # accounts whose parts differ keep them unless this body changes them
            kept = {
                t.account_id: list(t.parts)
                for t in post.targets.all()
                if t.parts and t.parts != parts and "parts" not in data
            }
            threads.set_thread(
                post,
                threads.clean_parts(data["parts"]) if "parts" in data else parts,
                data.get("first_comment", comment),
                per_account={**kept, **(data.get("parts_by_account") or {})},
            )
        return self._answer(post)

    def update(self, request, *args, **kwargs):  # PUT is not offered; PATCH changes what it names
        return self.partial_update(request, *args, **kwargs)

    @openapi.posts_schedule
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

    @openapi.posts_unschedule
    @action(detail=True, methods=["post"])
    def unschedule(self, request, ws, pk):
        return self._answer(actions.unschedule(self.get_object(), **self._ctx()))

    @openapi.posts_approve
    @action(detail=True, methods=["post"])
    def approve(self, request, ws, pk):
        body = s.CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = actions.approve(self.get_object(), request.user, request.membership, body.validated_data["comment"])
        return self._answer(post)

    @openapi.posts_request_changes
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, ws, pk):
        body = s.RequiredCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = actions.request_changes(
            self.get_object(), request.user, body.validated_data["comment"], request.membership
        )
        return self._answer(post)

    @openapi.posts_cancel
    @action(detail=True, methods=["post"])
    def cancel(self, request, ws, pk):
        return self._answer(actions.cancel(self.get_object(), **self._ctx()))

    @openapi.posts_duplicate
    @action(detail=True, methods=["post"])
    def duplicate(self, request, ws, pk):
        return self._answer(actions.duplicate(self.get_object(), **self._ctx()), status.HTTP_201_CREATED)

    @openapi.posts_retry_target
    @action(detail=True, methods=["post"], url_path=r"targets/(?P<target_id>\d+)/retry")
    def retry_target(self, request, ws, pk, target_id):
        post, target, _ = self._target(target_id)
        actions.retry_target(target, request.user, request.membership)
        return self._answer(post)

    @openapi.posts_target_on_network
    @action(detail=True, methods=["post"], url_path=r"targets/(?P<target_id>\d+)/on-network")
    def target_on_network(self, request, ws, pk, target_id):
        post, target, body = self._target(target_id, s.PostLinkSerializer)
        actions.mark_on_network(target, request.user, request.membership, url=body["url"])
        return self._answer(post)

    @openapi.posts_send_target_again
    @action(detail=True, methods=["post"], url_path=r"targets/(?P<target_id>\d+)/send-again")
    def send_target_again(self, request, ws, pk, target_id):
        post, target, _ = self._target(target_id, s.SendAgainSerializer)
        actions.send_again(target, request.user, request.membership)
        return self._answer(post)

    @openapi.posts_metrics
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def metrics(self, request, ws, pk):
        post = self.get_object()
        rows = PostMetricLatest.objects.for_workspace(request.workspace).filter(post=post).order_by("target_id")
        return Response(s.PostMetricsSerializer(rows, many=True).data)
