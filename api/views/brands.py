"""The API's brands, their weekly posting slots and the next free slot."""

from __future__ import annotations

from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api import openapi
from api import serializers as s
from api.idempotency import idempotent
from api.views.base import BrandChild, WorkspaceScoped, form_errors
from posts.forms import SlotForm
from posts.models import PostingSlot
from posts.scheduling import next_free_slot
from smm.models import Brand


@openapi.brands
class BrandViewSet(WorkspaceScoped, viewsets.ReadOnlyModelViewSet):
    model = Brand
    serializer_class = s.BrandSerializer
    ordering_fields = ["id", "name", "created_at"]
    filterset_fields = ["paused"]


@openapi.slots
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

    @openapi.next_free_slot
    def get(self, request, ws, brand_id):
        brand = self.get_brand()
        when = next_free_slot(brand)
        return Response(
            {"brand": brand.pk, "next_free_slot": when, "local": when.astimezone(brand.tz) if when else None}
        )
