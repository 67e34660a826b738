"""Series materialised as ordinary posts: once per occurrence however often (or however
concurrently) it runs, never late after downtime, edits change only what is to come."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from posts import actions as post_actions
from posts.models import Post, PostStatus, PostTarget, TargetState
from recurring import actions
from recurring.models import Series, SeriesOccurrence
from recurring.rules import Recurrence
from smm.models import AuditEvent

from .conftest import next_weekday

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def content(world, text="Fresh beans every week"):
    return {"text": text, "accounts": [world["mastodon"]], "link": "", "media": [], "campaign": None}


def paris(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS).astimezone(dt.UTC)


def weekly(world, **extra):
    start = next_weekday(0)
    rec = Recurrence("weekly", start, dt.time(9, 0), "Europe/Paris", days=["MO", "TH"], **extra)
    return start, actions.create_series(world["ws"], world["brand"], world["owner"], content(world), rec)


def series_posts(series):
    ids = SeriesOccurrence.objects.filter(series=series, post__isnull=False).values_list("post_id", flat=True)
    return Post.objects.filter(pk__in=ids).order_by("scheduled_at")


def test_a_weekly_series_plans_the_next_two_weeks_as_scheduled_posts_at_nine_paris(world, settings):
    settings.RECURRING_HORIZON_DAYS = 14
    start, series = weekly(world)
    posts = list(series_posts(series))
    # Mondays and Thursdays from the next Monday, up to 14 days from now
    expected = [paris(start + dt.timedelta(days=d), 9) for d in (0, 3, 7, 10, 14)]
    expected = [e for e in expected if e <= timezone.now() + dt.timedelta(days=14)]
    assert len(expected) >= 3
    assert [p.scheduled_at for p in posts] == expected
    assert all(p.status == PostStatus.SCHEDULED and p.text == "Fresh beans every week" for p in posts)
    assert all(p.targets.get().state == TargetState.SCHEDULED for p in posts)
    assert AuditEvent.objects.filter(verb="post.scheduled").count() == len(posts)
    assert AuditEvent.objects.filter(verb="series.created", subject_id=str(series.pk)).exists()


def test_running_it_again_creates_nothing(world, settings):
    settings.RECURRING_HORIZON_DAYS = 14
    _, series = weekly(world)
    before = Post.objects.count()
    assert actions.materialise(series) == 0
    assert actions.materialise_all() == {"series": 1, "planned": 0, "errors": 0}
    assert Post.objects.count() == before
    assert SeriesOccurrence.objects.filter(series=series).count() == before


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_create_each_post_once(world, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (CI runs it)")
    settings.RECURRING_HORIZON_DAYS = 0
    _, series = weekly(world)
    settings.RECURRING_HORIZON_DAYS = 30
    barrier = threading.Barrier(3)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(actions.materialise(series))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    posts = series_posts(series)
    # Mondays and Thursdays from the next Monday within 30 days: 7 or 8 of them, each once
    assert sum(results) == posts.count() >= 7
    assert sorted(results)[:2] == [0, 0]  # the two runs that waited on the lock found the work done
    assert len({p.scheduled_at for p in posts}) == posts.count()


def test_after_downtime_past_occurrences_are_skipped_and_noted_not_posted_late(world, settings):
    settings.RECURRING_HORIZON_DAYS = 0
    settings.RECURRING_GRACE_MINUTES = 15
    start = dt.date.today() + dt.timedelta(days=3)
    rec = Recurrence("daily", start, dt.time(9, 0), "Europe/Paris")
    series = actions.create_series(world["ws"], world["brand"], world["owner"], content(world), rec)
    assert not series.occurrences.exists()  # nothing within a zero horizon yet
    # SMM was down from before the first occurrence until 09:05 on the third day
    back_at = paris(start + dt.timedelta(days=2), 9, 5)
    assert actions.materialise(series, now=back_at) == 1
    rows = list(series.occurrences.order_by("local_date"))
    assert [r.status for r in rows] == ["skipped", "skipped", "planned"]
    assert rows[0].post is None and "SMM was not running" in rows[0].note
    assert rows[0].note.startswith(f"Skipped {start:%a %d %b %Y} 09:00")
    assert rows[2].post.scheduled_at == paris(start + dt.timedelta(days=2), 9)  # 5 minutes late: within grace
    assert Post.objects.count() == 1
    assert actions.materialise(series, now=back_at) == 0
    assert series.occurrences.count() == 3


def test_editing_changes_coming_posts_only_and_keeps_hand_edited_ones(world, settings):
    settings.RECURRING_HORIZON_DAYS = 14
    start = dt.date.today() + dt.timedelta(days=1)
    rec = Recurrence("daily", start, dt.time(9, 0), "Europe/Paris")
    series = actions.create_series(world["ws"], world["brand"], world["owner"], content(world), rec)
    first, second, third = list(series_posts(series))[:3]
    # the first already went out; a person rewrote the second by hand
    PostTarget.objects.filter(post=first).update(state=TargetState.PUBLISHED, published_at=timezone.now())
    Post.objects.filter(pk=first.pk).update(status=PostStatus.PUBLISHED)
    post_actions.update_post(second, world["owner"], text="Written by hand")

    new = Recurrence("daily", start, dt.time(10, 0), "Europe/Paris")
    counts = actions.edit_series(series, world["owner"], content(world, "New beans, new time"), new)

    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert first.status == PostStatus.PUBLISHED and first.text == "Fresh beans every week"
    assert second.text == "Written by hand" and second.status == PostStatus.SCHEDULED
    assert series.occurrences.get(post=second).status == "kept"
    assert third.status == PostStatus.CANCELLED
    assert counts["kept"] == 1 and counts["withdrawn"] >= 10 and counts["planned"] >= 10
    live = Post.objects.filter(status=PostStatus.SCHEDULED).exclude(pk=second.pk)
    assert live.count() == counts["planned"]
    assert all(p.text == "New beans, new time" for p in live)
    assert all(p.scheduled_at.astimezone(PARIS).time() == dt.time(10, 0) for p in live)
    assert not Post.objects.filter(status=PostStatus.SCHEDULED, text="Fresh beans every week").exists()


def test_pause_withdraws_what_is_coming_and_resume_plans_from_now(world, settings):
    settings.RECURRING_HORIZON_DAYS = 10
    _, series = weekly(world)
    planned = series_posts(series).count()
    assert planned >= 2
    actions.pause(series, world["owner"])
    assert not Post.objects.filter(status=PostStatus.SCHEDULED).exists()
    assert actions.materialise_all()["planned"] == 0
    series.refresh_from_db()
    assert actions.resume(series, world["owner"]) == planned
    assert Post.objects.filter(status=PostStatus.SCHEDULED).count() == planned
    actions.stop(series, world["owner"])
    assert not Post.objects.filter(status=PostStatus.SCHEDULED).exists()
    assert actions.materialise_all() == {"series": 0, "planned": 0, "errors": 0}


def test_a_contributor_s_occurrences_wait_for_approval(world, make_member, settings):
    settings.RECURRING_HORIZON_DAYS = 7
    world["ws"].approval_policy = "contributors"
    world["ws"].save()
    writer = make_member(world["ws"], "contributor", username="cora")
    rec = Recurrence("daily", dt.date.today() + dt.timedelta(days=1), dt.time(9), "Europe/Paris", count=2)
    series = actions.create_series(world["ws"], world["brand"], writer, content(world), rec)
    assert [p.status for p in series_posts(series)] == [PostStatus.PENDING_APPROVAL] * 2


def test_content_the_network_refuses_is_noted_on_the_occurrence(world, settings):
    settings.RECURRING_HORIZON_DAYS = 3
    rec = Recurrence("daily", dt.date.today() + dt.timedelta(days=1), dt.time(9), "Europe/Paris", count=1)
    series = actions.create_series(world["ws"], world["brand"], world["owner"], content(world, "x" * 600), rec)
    row = series.occurrences.get()
    assert row.status == "not_created" and row.post is None
    assert "500" in row.note  # Mastodon's limit, in the adapter's words
    assert not Post.objects.exists()


def test_a_client_cannot_start_a_series(world, make_member):
    from django.core.exceptions import PermissionDenied

    client = make_member(world["ws"], "client", username="cliff")
    rec = Recurrence("daily", dt.date.today() + dt.timedelta(days=1), dt.time(9), "Europe/Paris")
    with pytest.raises(PermissionDenied):
        actions.create_series(world["ws"], world["brand"], client, content(world), rec)
    assert not Series.objects.exists()


def test_materialised_posts_keep_nine_on_the_paris_clock_across_the_2027_switch(world, settings):
    settings.RECURRING_HORIZON_DAYS = 4
    rec = Recurrence("daily", dt.date(2027, 3, 26), dt.time(9, 0), "Europe/Paris", count=4)
    series = actions.create_series(world["ws"], world["brand"], world["owner"], content(world), rec)
    assert not series.occurrences.exists()  # more than 4 days away
    actions.materialise(series, now=dt.datetime(2027, 3, 25, 12, tzinfo=dt.UTC))
    assert [p.scheduled_at for p in series_posts(series)] == [
        dt.datetime(2027, 3, 26, 8, tzinfo=dt.UTC),  # Fri 09:00 CET
        dt.datetime(2027, 3, 27, 8, tzinfo=dt.UTC),  # Sat 09:00 CET
        dt.datetime(2027, 3, 28, 7, tzinfo=dt.UTC),  # Sun 09:00 CEST: clocks went forward at 02:00
        dt.datetime(2027, 3, 29, 7, tzinfo=dt.UTC),  # Mon 09:00 CEST, the 4th and last
    ]
    assert actions.materialise(series, now=dt.datetime(2027, 3, 30, tzinfo=dt.UTC)) == 0


def test_an_occurrence_already_planned_is_skipped_not_sent_late_after_downtime(world, settings):
    """The horizon plans posts days ahead: after downtime (or a pause) longer than the grace,
    the dispatcher cancels those with a history line instead of sending a burst of late posts.
    A post a person moves or sends again is theirs: no limit stands."""
    from posts.publishing import claim_batch

    settings.RECURRING_HORIZON_DAYS = 14
    settings.RECURRING_GRACE_MINUTES = 15
    start, series = weekly(world)
    first, second = list(series_posts(series))[:2]
    assert first.publish_by == first.scheduled_at + dt.timedelta(minutes=15)
    # SMM comes back 20 minutes after the first occurrence and 5 minutes after the second
    PostTarget.objects.filter(post=first).update(due_at=timezone.now() - dt.timedelta(minutes=20))
    Post.objects.filter(pk=first.pk).update(publish_by=timezone.now() - dt.timedelta(minutes=5))
    PostTarget.objects.filter(post=second).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    Post.objects.filter(pk=second.pk).update(publish_by=timezone.now() + dt.timedelta(minutes=10))

    claimed = claim_batch()

    late_target = first.targets.get()
    assert late_target.state == TargetState.CANCELLED
    assert late_target.pk not in claimed
    assert "its time passed" in late_target.error_user_message
    first.refresh_from_db()
    assert first.status == PostStatus.CANCELLED
    history = AuditEvent.objects.get(verb="target.skipped_late", subject_id=str(first.pk))
    assert "a repeating post does not go out late" in history.message
    assert second.targets.get().pk in claimed  # within its grace: sent

    # a person moves a later occurrence: their time stands, however late the dispatcher gets to it
    third = list(series_posts(series))[2]
    moved = post_actions.reschedule_post(third, third.scheduled_at + dt.timedelta(hours=1), world["owner"])
    assert moved.publish_by is None
