"""The publish task: lease, call, record; every error class down its own path."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.utils import timezone

from posts import publishing
from posts.models import Notification, PostStatus, PostTarget, TargetState
from smm.models import SocialAccount
from smm.platforms.base import AuthExpired, OutcomeUnknown, Permanent, RateLimited, Transient

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run the task body as a worker would, with its after-commit hooks (notifications)."""

    def run(target_id):
        with django_capture_on_commit_callbacks(execute=True):
            return publishing.publish_target(target_id)

    return run


def fetch(target) -> PostTarget:
    return PostTarget.objects.select_related("post", "account").get(pk=target.pk)


def seconds_until(moment) -> float:
    return (moment - timezone.now()).total_seconds()


def test_a_queued_target_is_published_and_recorded(publish, make_target, fake_adapter):
    # given a queued target
    target = make_target(state=TargetState.QUEUED)
    # when the task runs
    assert publish(target.pk) == "published"
    # then the network got it with the target's key, and the result is on the row
    row = fetch(target)
    assert fake_adapter.published == [str(target.idempotency_key)]
    assert row.state == TargetState.PUBLISHED
    assert row.attempts == 1
    assert row.remote_id and row.remote_url.startswith("https://fake.example/")
    assert row.published_at is not None and row.locked_until is None
    assert row.post.status == PostStatus.PUBLISHED


def test_running_twice_publishes_once(publish, make_target, fake_adapter):
    # given a queued target whose message is delivered twice
    target = make_target(state=TargetState.QUEUED)
    # when both deliveries run
    first = publish(target.pk)
    second = publish(target.pk)
    # then the second finds it published and does nothing
    assert (first, second) == ("published", "skipped")
    assert len(fake_adapter.published) == 1
    assert fetch(target).attempts == 1


@pytest.mark.parametrize("state", [TargetState.SCHEDULED, TargetState.PUBLISHING, TargetState.CANCELLED])
def test_only_a_queued_target_is_taken(publish, make_target, fake_adapter, state):
    target = make_target(state=state)
    assert publish(target.pk) == "skipped"
    assert fake_adapter.calls == []
    assert fetch(target).state == state


def test_a_brand_paused_after_dispatch_holds_its_posts(publish, make_target, fake_adapter, engine_world):
    # given a queued target whose brand was paused meanwhile (crisis switch)
    target = make_target(state=TargetState.QUEUED)
    engine_world["brand"].paused = True
    engine_world["brand"].save()
    # when the task runs, then nothing is sent and the target waits, scheduled
    assert publish(target.pk) == "held"
    assert fake_adapter.calls == []
    assert fetch(target).state == TargetState.SCHEDULED


def test_a_disconnected_account_holds_its_posts(publish, make_target, fake_adapter, engine_world):
    target = make_target(state=TargetState.QUEUED)
    engine_world["account"].mark_needs_reconnect("token revoked")
    assert publish(target.pk) == "held"
    assert fake_adapter.calls == []
    assert fetch(target).state == TargetState.SCHEDULED


def test_rate_limited_waits_what_the_network_said(publish, make_target, fake_adapter):
    # given a network answering "slow down, retry after 120 s"
    fake_adapter.publish_script = [RateLimited("Too many requests", retry_after=120, user_message="Slow down")]
    target = make_target(state=TargetState.QUEUED)
    # when the task runs
    assert publish(target.pk) == "retry"
    # then it is scheduled again no sooner than asked, plus a little jitter
    row = fetch(target)
    assert row.state == TargetState.SCHEDULED
    assert 119 <= seconds_until(row.due_at) <= 120 + 5
    assert (row.error_kind, row.error_message, row.error_user_message) == (
        "rate_limited",
        "Too many requests",
        "Slow down",
    )
    assert row.attempts == 1
    assert row.post.status == PostStatus.SCHEDULED


def test_transient_errors_back_off_exponentially(publish, make_target, fake_adapter, settings):
    settings.PUBLISH_TIMINGS = {**settings.PUBLISH_TIMINGS, "retry_base": 30}
    fake_adapter.publish_script = [Transient("502 Bad Gateway", user_message="The network had a problem")]
    target = make_target(state=TargetState.QUEUED, attempts=2)
    # when the third attempt fails transiently
    assert publish(target.pk) == "retry"
    # then the next one is 30 * 2^2 = 120 s away, with up to 25% jitter
    row = fetch(target)
    assert row.state == TargetState.SCHEDULED and row.attempts == 3
    assert 119 <= seconds_until(row.due_at) <= 150 + 1
    assert row.error_kind == "transient"


def test_transient_errors_fail_for_good_after_max_attempts(
    publish, make_target, fake_adapter, engine_world, mailoutbox
):
    fake_adapter.publish_script = [Transient("503 Service Unavailable")]
    target = make_target(state=TargetState.QUEUED, attempts=publishing.MAX_ATTEMPTS - 1)
    assert publish(target.pk) == "failed"
    row = fetch(target)
    assert row.state == TargetState.FAILED and row.attempts == publishing.MAX_ATTEMPTS
    assert f"tried {publishing.MAX_ATTEMPTS} times" in row.error_user_message
    assert row.post.status == PostStatus.FAILED
    # and the owner and the manager are told, by email and in the app; the editor is not
    assert sorted(n.user.username for n in Notification.objects.all()) == ["max", "olivia"]
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["max@example.com", "olivia@example.com"]


def test_permanent_error_fails_with_the_networks_words(publish, make_target, fake_adapter):
    fake_adapter.publish_script = [
        Permanent("Validation failed: Text character limit of 500 exceeded", user_message="The text is too long")
    ]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "failed"
    row = fetch(target)
    assert row.state == TargetState.FAILED
    assert row.error_message == "Validation failed: Text character limit of 500 exceeded"
    assert row.error_user_message == "The text is too long"
    assert fake_adapter.calls == ["publish"]  # no retry


def test_permanent_error_without_plain_words_gets_some(publish, make_target, fake_adapter):
    fake_adapter.publish_script = [Permanent("HTTP 418")]
    target = make_target(state=TargetState.QUEUED)
    publish(target.pk)
    assert fetch(target).error_user_message == "Mastodon refused the post: HTTP 418"


def test_expired_auth_without_refresh_asks_for_a_reconnect(
    publish, make_target, fake_adapter, engine_world, mailoutbox
):
    fake_adapter.publish_script = [AuthExpired("The access token is invalid")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "failed"
    row = fetch(target)
    assert row.state == TargetState.FAILED and row.error_kind == "auth"
    assert "Reconnect the account" in row.error_user_message
    account = SocialAccount.objects.get(pk=engine_world["account"].pk)
    assert account.status == SocialAccount.Status.NEEDS_RECONNECT
    # two notices each for owner and manager: the failed post and the account
    texts = sorted(Notification.objects.filter(user=engine_world["owner"]).values_list("text", flat=True))
    assert len(texts) == 2 and any("needs reconnecting" in t for t in texts)
    assert len(mailoutbox) == 2


def test_expired_auth_is_refreshed_once_then_published(publish, make_target, fake_adapter, engine_world):
    fake_adapter.supports_refresh = True
    fake_adapter.publish_script = [AuthExpired("expired"), None]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "published"
    assert fake_adapter.calls == ["publish", "refresh", "publish"]
    # the refreshed token was saved, encrypted, on the account
    account = SocialAccount.objects.get(pk=engine_world["account"].pk)
    assert account.credentials["access_token"] == "fresh-token"


def test_a_refresh_that_fails_asks_for_a_reconnect(publish, make_target, fake_adapter, engine_world):
    fake_adapter.supports_refresh = True
    fake_adapter.publish_script = [AuthExpired("expired")]
    fake_adapter.refresh_script = [AuthExpired("refresh token revoked")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "failed"
    assert fake_adapter.calls == ["publish", "refresh"]
    assert SocialAccount.objects.get(pk=engine_world["account"].pk).status == SocialAccount.Status.NEEDS_RECONNECT


def _dropped() -> OutcomeUnknown:
    try:
        raise requests.ConnectionError("Connection aborted: RemoteDisconnected")
    except requests.ConnectionError as cause:
        exc = OutcomeUnknown("The connection dropped before it answered")
        exc.__cause__ = cause
        return exc


def test_lost_answer_is_resolved_as_published(publish, make_target, fake_adapter):
    # given a network that stored the post but whose answer was lost
    found = fake_adapter.ok()
    fake_adapter.publish_script = [_dropped()]
    fake_adapter.lookup_script = [found]
    target = make_target(state=TargetState.QUEUED)
    # when the task runs, then it looks the post up instead of sending it again
    assert publish(target.pk) == "published"
    assert fake_adapter.calls == ["publish", "lookup"]
    row = fetch(target)
    assert (row.state, row.remote_id, row.attempts) == (TargetState.PUBLISHED, found.remote_id, 1)


def test_lost_answer_of_a_post_never_sent_is_retried(publish, make_target, fake_adapter):
    fake_adapter.publish_script = [_dropped()]
    fake_adapter.lookup_script = [None]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "retry"
    row = fetch(target)
    assert row.state == TargetState.SCHEDULED and row.error_kind == "transient"


def test_undecidable_outcome_goes_to_a_person_with_evidence(publish, make_target, fake_adapter, mailoutbox):
    fake_adapter.publish_script = [_dropped()]
    fake_adapter.lookup_script = [OutcomeUnknown("The idempotency key has expired")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "unknown"
    row = fetch(target)
    assert row.state == TargetState.UNKNOWN and row.error_kind == "unknown"
    assert "dropped before it answered" in row.error_message and "idempotency key has expired" in row.error_message
    assert "It is on" in row.error_user_message and "send it again" in row.error_user_message
    assert row.post.status == PostStatus.NEEDS_ATTENTION
    assert len(mailoutbox) == 1 and "check whether" in mailoutbox[0].subject.lower()


def test_a_lookup_whose_answer_is_lost_too_is_tried_again_later(publish, make_target, fake_adapter, settings):
    settings.PUBLISH_TIMINGS = {**settings.PUBLISH_TIMINGS, "sweep": 15}
    fake_adapter.publish_script = [_dropped()]
    fake_adapter.lookup_script = [_dropped()]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "resolving"
    row = fetch(target)
    # still publishing, with a short lease for the sweeper to look again
    assert row.state == TargetState.PUBLISHING
    assert 0 < seconds_until(row.locked_until) <= 15
    assert row.publish_state["lookups"] == 1


def test_a_timeout_is_left_to_settle_before_looking(publish, make_target, fake_adapter):
    try:
        raise requests.ReadTimeout("read timed out")
    except requests.ReadTimeout as cause:
        timeout = OutcomeUnknown("did not answer in time")
        timeout.__cause__ = cause
    fake_adapter.publish_script = [timeout]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "resolving"
    assert fake_adapter.calls == ["publish"]  # no lookup while the network may still be working
    assert fetch(target).state == TargetState.PUBLISHING


def test_an_unexpected_error_is_never_blindly_retried(publish, make_target, fake_adapter):
    fake_adapter.publish_script = [KeyError("id")]
    fake_adapter.lookup_script = [fake_adapter.ok()]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "published"
    assert fake_adapter.calls == ["publish", "lookup"]


def test_publish_state_is_saved_before_the_call_that_could_publish(publish, make_target, fake_adapter):
    # given an adapter that remembers a record key, then loses the answer
    def remember_then_drop(attempt):
        attempt.remember(record_key="3kabc")
        raise _dropped()

    fake_adapter.publish_script = [remember_then_drop]
    fake_adapter.lookup_script = [OutcomeUnknown("cannot tell")]
    target = make_target(state=TargetState.QUEUED)
    publish(target.pk)
    # then what it remembered is on the row for the lookup and for a person
    assert fetch(target).publish_state["record_key"] == "3kabc"


def test_retry_delay_is_capped_and_jittered():
    for attempts in range(1, 12):
        delay = publishing.retry_delay(attempts, base=30)
        expected = min(publishing.BACKOFF_CAP, 30 * 2 ** (attempts - 1))
        assert expected <= delay <= expected * 1.25
    assert publishing.retry_delay(50, base=30) <= publishing.BACKOFF_CAP * 1.25


def test_rate_limit_delay_honours_retry_after():
    for retry_after in (0, 1, 30, 900):
        delay = publishing.rate_limit_delay(retry_after, 1)
        assert retry_after <= delay <= retry_after + 5
    # no Retry-After: backoff
    assert publishing.rate_limit_delay(None, 1) >= 1


def test_an_old_due_time_is_replaced_by_the_retry_time(publish, make_target, fake_adapter):
    fake_adapter.publish_script = [RateLimited("slow down", retry_after=10)]
    target = make_target(state=TargetState.QUEUED, due_in=-3600)
    publish(target.pk)
    assert fetch(target).due_at > timezone.now() + dt.timedelta(seconds=9)


@pytest.mark.django_db(transaction=True)  # the task closes a broken connection, as a worker does
def test_a_database_outage_is_retried_quickly_and_publishes_once(make_target, fake_adapter, monkeypatch):
    # given a queued target, and a database that refuses the worker once
    from django.db import OperationalError

    from posts.tasks import publish_target

    target = make_target(state=TargetState.QUEUED)
    real = publishing.publish_target
    calls = []

    def flaky(target_id):
        calls.append(target_id)
        if len(calls) == 1:
            raise OperationalError("FATAL: sorry, too many clients already")
        return real(target_id)

    monkeypatch.setattr(publishing, "publish_target", flaky)
    # when the task runs (eagerly: Celery re-runs a retried task at once)
    publish_target.apply(args=[target.pk])
    # then it tried again instead of waiting for the queue lease, and published once
    assert len(calls) == 2
    row = fetch(target)
    assert row.state == TargetState.PUBLISHED
    assert len(fake_adapter.published) == 1
