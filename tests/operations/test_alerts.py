"""Alert emails to owners, once per incident, and proactive token refresh."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from posts import health
from smm import operations

pytestmark = pytest.mark.django_db

M = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _workers_alive():
    from django.conf import settings

    for queue in settings.WORKER_QUEUES:
        operations.record_heartbeat(queue)


def test_a_post_late_by_five_minutes_emails_the_owners_once(shop, make_target):
    # given a post 6 minutes late and one 2 minutes late
    six = make_target(shop["mastodon"], state="queued", due_in=-6 * M)
    make_target(shop["x"], state="scheduled", due_in=-2 * M)
    # when the alert check runs twice
    first = operations.run_alerts()
    second = operations.run_alerts()
    # then the owners (not the editor) got one email about the 6-minute one
    assert first["overdue"] == 1 and second["overdue"] == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olga@example.com"]
    assert "late" in message.subject
    assert six.account.handle in message.body


def test_a_silent_queue_emails_once_per_outage(shop):
    from django.conf import settings

    stale = timezone.now() - 3 * M
    operations.record_heartbeat("inbox", stale)
    # the outage is reported once, however often the check runs
    assert operations.run_alerts()["dead_queues"] == ["inbox"]
    assert operations.run_alerts()["dead_queues"] == []
    assert len(mail.outbox) == 1 and "inbox" in mail.outbox[0].subject
    # the worker comes back: incident over
    operations.record_heartbeat("inbox")
    operations.run_alerts()
    # a new outage is a new email
    operations.record_heartbeat("inbox", stale)
    assert operations.run_alerts()["dead_queues"] == ["inbox"]
    assert len(mail.outbox) == 2
    assert settings.WORKER_QUEUES  # every queue was checked


def test_token_expiry_warns_at_seven_and_at_one_day_once_each(shop):
    # given a Mastodon-like account (no refresh) whose token expires in 6 days
    account = shop["mastodon"]
    account.token_expires_at = timezone.now() + dt.timedelta(days=6)
    account.save()
    # when the check runs (twice)
    assert operations.run_alerts()["tokens"] == 1
    assert operations.run_alerts()["tokens"] == 0
    assert len(mail.outbox) == 1
    assert "expires in 6 day(s)" in mail.outbox[0].subject
    # when it is 20 hours from expiry
    later = account.token_expires_at - dt.timedelta(hours=20)
    assert operations.run_alerts(now=later)["tokens"] == 1
    assert operations.run_alerts(now=later)["tokens"] == 0
    token_mails = [m.subject for m in mail.outbox if account.handle in m.subject]
    assert len(token_mails) == 2
    assert "expires in 1 day(s)" in token_mails[1]


class RefreshingAdapter:
    supports_refresh = True

    def __init__(self, expires_at):
        self.expires_at = expires_at

    def refresh(self, account):
        # the network answered without a new refresh token
        account.update_credentials(
            {"access_token": "new-access", "refresh_token": "", "expires_at": self.expires_at.isoformat()}
        )


def test_refreshable_tokens_are_renewed_instead_of_alerting(shop, monkeypatch):
    # given an X account with a refresh token, expiring in 2 days
    account = shop["x"]
    account.credentials = {"access_token": "old-access", "refresh_token": "keep-me"}
    account.token_expires_at = timezone.now() + dt.timedelta(days=2)
    account.save()
    new_expiry = (timezone.now() + dt.timedelta(days=60)).replace(microsecond=0)
    monkeypatch.setattr("smm.accounts.adapter_for", lambda account: RefreshingAdapter(new_expiry))
    # when the check runs
    result = operations.run_alerts()
    # then it refreshed: new access token and expiry stored, refresh token kept, no email
    account.refresh_from_db()
    assert result["tokens"] == 0 and mail.outbox == []
    assert account.credentials == {
        "access_token": "new-access",
        "refresh_token": "keep-me",
        "expires_at": new_expiry.isoformat(),
    }
    assert account.token_expires_at == new_expiry


def test_short_lived_access_tokens_that_renew_send_no_email(shop, monkeypatch):
    # given an X account whose access token lives two hours (as X's do) and renews each time
    account = shop["x"]
    account.credentials = {"access_token": "old-access", "refresh_token": "keep-me"}
    account.token_expires_at = timezone.now() + dt.timedelta(minutes=30)
    account.save()
    renewed = (timezone.now() + dt.timedelta(hours=2)).replace(microsecond=0)
    monkeypatch.setattr("smm.accounts.adapter_for", lambda account: RefreshingAdapter(renewed))
    # when the check runs: renewed, and no one is told to reconnect
    assert operations.run_alerts()["tokens"] == 0 and mail.outbox == []
    account.refresh_from_db()
    assert account.token_expires_at == renewed


def test_a_failed_refresh_falls_back_to_the_email(shop, monkeypatch):
    from smm.platforms.base import AuthExpired

    class Broken:
        supports_refresh = True

        def refresh(self, account):
            raise AuthExpired("revoked")

    account = shop["x"]
    account.token_expires_at = timezone.now() + dt.timedelta(hours=12)
    account.save()
    monkeypatch.setattr("smm.accounts.adapter_for", lambda account: Broken())
    assert operations.run_alerts()["tokens"] == 1
    assert "expires in 1 day(s)" in mail.outbox[0].subject


def test_update_credentials_never_blanks_a_refresh_token():
    from smm.platforms.base import AccountContext

    saved = []
    context = AccountContext(network="x", credentials={"refresh_token": "r1"}, save_credentials=saved.append)
    context.update_credentials({"access_token": "a2", "refresh_token": None})
    context.update_credentials({"refresh_token": ""})
    assert saved[-1] == {"refresh_token": "r1", "access_token": "a2"}
    context.update_credentials({"refresh_token": "r2"})
    assert saved[-1]["refresh_token"] == "r2"


def test_a_post_waiting_for_a_retry_is_late_by_its_chosen_time_and_alerts_once(shop, make_target):
    from posts.models import PostTarget

    # given a post chosen for 6 minutes ago that the engine re-scheduled for a retry in 1 minute
    target = make_target(shop["x"], state="scheduled", due_in=-6 * M)
    PostTarget.objects.filter(pk=target.pk).update(due_at=timezone.now() + M, error_kind="rate_limited")
    # then it is late (and alerted once), however often the retry moves again
    assert operations.run_alerts()["overdue"] == 1
    PostTarget.objects.filter(pk=target.pk).update(due_at=timezone.now() + 3 * M)
    assert operations.run_alerts()["overdue"] == 0
    assert len(mail.outbox) == 1


def test_the_dispatcher_stopping_emails_once_and_says_what_to_check(shop):
    # given the dispatcher last ticked 3 minutes ago (beat stopped)
    health.record_dispatcher_tick(timezone.now() - 3 * M)
    # when the check runs twice
    assert operations.run_alerts()["dispatcher_stopped"] is True
    assert operations.run_alerts()["dispatcher_stopped"] is False
    # then one email to the owners
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[SMM] Scheduled posts are not being sent"
    assert "Celery beat" in mail.outbox[0].body
    # and once it ticks again, a later stop is a new incident
    health.record_dispatcher_tick()
    operations.run_alerts()
    health.record_dispatcher_tick(timezone.now() - 3 * M)
    assert operations.run_alerts()["dispatcher_stopped"] is True


def test_check_operations_alerts_without_celery_when_every_worker_is_down(shop):
    from django.conf import settings
    from django.core.management import CommandError, call_command

    # given no worker and no dispatcher for five minutes (the beat task cannot run)
    long_ago = timezone.now() - 5 * M
    for queue in settings.WORKER_QUEUES:
        operations.record_heartbeat(queue, long_ago)
    health.record_dispatcher_tick(long_ago)
    out = io.StringIO()

    # when the host's scheduler runs the command
    with pytest.raises(CommandError) as failed:
        call_command("check_operations", stdout=out)

    # then it failed (exit status 1), said why, and the owners got their emails
    assert failed.value.returncode == 1
    assert "No worker has taken from the “publish” queue" in out.getvalue()
    assert "The dispatcher has not ticked" in out.getvalue()
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["[SMM] No worker for queue(s): " + ", ".join(settings.WORKER_QUEUES),
                        "[SMM] Scheduled posts are not being sent"]  # fmt: skip
    # and the next run (five minutes later on cron) emails nobody again
    with pytest.raises(CommandError):
        call_command("check_operations", stdout=io.StringIO())
    assert len(mail.outbox) == 2


def test_check_operations_is_quiet_when_all_is_well(shop):
    from django.core.management import call_command

    health.record_dispatcher_tick()
    out = io.StringIO()
    call_command("check_operations", "--quiet", stdout=out)
    assert out.getvalue() == ""
    call_command("check_operations", stdout=out)
    assert "All clear" in out.getvalue()
    assert mail.outbox == []
