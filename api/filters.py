"""Filters of the API's lists (django-filter): what a client may narrow a list by."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef

from inbox.models import InboxItem, Kind, Status
from posts.models import Post, PostStatus, PostTarget
from smm.models import SocialAccount


class AccountFilter(django_filters.FilterSet):
    brand = django_filters.NumberFilter(field_name="brand_id")
    network = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=SocialAccount.Status.choices)

    class Meta:
        model = SocialAccount
        fields = ["brand", "network", "status"]


class PostFilter(django_filters.FilterSet):
    brand = django_filters.NumberFilter(field_name="brand_id")
    campaign = django_filters.NumberFilter(field_name="campaign_id")
    status = django_filters.MultipleChoiceFilter(choices=PostStatus.choices)
    scheduled_after = django_filters.IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="gte")
    scheduled_before = django_filters.IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="lt")
    account = django_filters.NumberFilter(method="filter_account", label="Posts to this account")

    class Meta:
        model = Post
        fields = ["brand", "campaign", "status", "scheduled_after", "scheduled_before", "account"]

    def filter_account(self, queryset, name, value):
        return queryset.filter(Exists(PostTarget.objects.filter(post=OuterRef("pk"), account_id=value)))


class InboxFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    account = django_filters.NumberFilter(field_name="account_id")
    brand = django_filters.NumberFilter(field_name="account__brand_id")
    network = django_filters.CharFilter(field_name="account__network")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")

    class Meta:
        model = InboxItem
        fields = ["status", "kind", "account", "brand", "network", "assignee", "unassigned"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        membership = getattr(self.request, "membership", None)
        if membership is None or not membership.can("see_internal"):
            # Who has which item is the team's business: for a client these filters
            # do not exist (and so cannot be used to find out).
            for name in ("assignee", "unassigned"):
                self.filters.pop(name, None)
