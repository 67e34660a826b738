"""The demo history generator: seeded, realistic, idempotent."""

import pytest
from django.core.management import call_command

from analytics.models import AccountDailySnapshot, PostMetricLatest, PostMetricSnapshot
from posts.models import PostTarget

pytestmark = pytest.mark.django_db


def test_generate_history_is_seeded_and_runs_once_per_brand(two_workspaces):
    # given Alpha's brand with a Mastodon account
    # when the history is generated twice with the same seed
    call_command("generate_history", seed=42, days=30, workspace=["alpha"], verbosity=0)
    first = (PostTarget.objects.count(), PostMetricSnapshot.objects.count())
    call_command("generate_history", seed=42, days=30, workspace=["alpha"], verbosity=0)

    # then the second run changes nothing, and Beta got nothing
    assert (PostTarget.objects.count(), PostMetricSnapshot.objects.count()) == first
    assert not PostTarget.objects.filter(post__workspace=two_workspaces["b"]).exists()
    # every target has its latest row; Mastodon reports no impressions, Instagram does
    assert PostMetricLatest.objects.count() == first[0] > 20
    assert not PostMetricLatest.objects.filter(network="mastodon", impressions__isnull=False).exists()
    assert PostMetricLatest.objects.filter(network="instagram", impressions__gt=0).exists()
    # video networks report views; Mastodon does not
    assert PostMetricLatest.objects.filter(network="youtube", video_views__gt=0).exists()
    assert not PostMetricLatest.objects.filter(network="mastodon", video_views__isnull=False).exists()
    # and a month of daily follower counts per account (Mastodon + 5 history-only demo ones:
    # Instagram, LinkedIn, TikTok, YouTube, Pinterest)
    assert AccountDailySnapshot.objects.count() == 6 * 31


def test_replace_regenerates_instead_of_adding(two_workspaces):
    call_command("generate_history", seed=7, days=20, workspace=["alpha"], verbosity=0)
    before = PostTarget.objects.count()
    call_command("generate_history", seed=7, days=20, workspace=["alpha"], replace=True, verbosity=0)
    # same seed, same history (a post due in the seconds between the runs may join)
    assert before <= PostTarget.objects.count() <= before + 3
