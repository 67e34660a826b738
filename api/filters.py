"""Filters of the API's lists (django-filter): what a client may narrow a list by."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef

from inbox.models import InboxItem, Kind, Status
from posts.models import Post, PostStatus, PostTarget
from smm.models import SocialAccount
from smm.request_input import as_id


class IdFilter(django_filters.NumberFilter):
    """An object id. A number that cannot be one (negative, a fraction, past 64 bits) matches
    nothing, as it would on PostgreSQL; SQLite raised OverflowError on some (a 500)."""

    def filter(self, qs, value):
        if value is None:
            return qs
        number = as_whole_id(value)
        return qs.none() if number is None else super().filter(qs, number)


def as_whole_id(value) -> int | None:
    """The id a number from a query (a Decimal: "3" or "3.0") spells, else None."""
    return as_id(int(value)) if value.is_finite() and value == value.to_integral_value() else None


class AccountFilter(django_filters.FilterSet):
    brand = IdFilter(field_name="brand_id")
    network = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=SocialAccount.Status.choices)

    class Meta:
        model = SocialAccount
        fields = ["brand", "network", "status"]


class PostFilter(django_filters.FilterSet):
    brand = IdFilter(field_name="brand_id")
    campaign = IdFilter(field_name="campaign_id")
    status = django_filters.MultipleChoiceFilter(choices=PostStatus.choices)
    scheduled_after = django_filters.IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="gte")
    scheduled_before = django_filters.IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="lt")
    account = django_filters.NumberFilter(method="filter_account", label="Posts to this account")

    class Meta:
        model = Post
        fields = ["brand", "campaign", "status", "scheduled_after", "scheduled_before", "account"]

    def filter_account(self, queryset, name, value):
        number = as_whole_id(value)
        if number is None:
            return queryset.none()
        return queryset.filter(Exists(PostTarget.objects.filter(post=OuterRef("pk"), account_id=number)))


class InboxFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    account = IdFilter(field_name="account_id")
    brand = IdFilter(field_name="account__brand_id")
    network = django_filters.CharFilter(field_name="account__network")
    assignee = IdFilter(field_name="assignee_id")
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
