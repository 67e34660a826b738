"""Approval notices: approvers are told a post waits for them, authors are told it was
approved or sent back, in the app and by email (sent by a Celery task after commit), and
each person may turn those emails off on their profile."""

from __future__ import annotations

import html

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from posts import actions, notifications
from posts.models import Notification
from smm.models import profile_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team):
    """Real names, as the notices and emails use them."""
    for user, first, last in (
        (team.contributor, "Carl", "Hansen"),
        (team.manager, "Dana", "Reyes"),
        (team.client, "Cleo", "Park"),
        (team.owner, "Olga", "Berg"),
    ):
        user.first_name, user.last_name = first, last
        user.save()
    return team


@pytest.fixture
def celery_sent(monkeypatch):
    """Records what is handed to Celery and runs it, as a worker would."""
    from posts import tasks

    sent = []

    def delay(*args):
        sent.append((tasks.email_notices.name, args))
        tasks.email_notices.apply(args=args).get()

    monkeypatch.setattr(tasks.email_notices, "delay", delay)
    return sent


@pytest.fixture
def submit(people, write_post, tomorrow, django_capture_on_commit_callbacks, celery_sent):
    """The contributor submits "Spring blend…" for approval (after-commit work runs)."""

    def run(text="Spring blend is back in the shop this week"):
        post = write_post(text, author=people.contributor)
        with django_capture_on_commit_callbacks(execute=True):
            post = actions.schedule_post(post, tomorrow, people.contributor)
        assert post.status == "pending_approval"
        return post

    return run


def emails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_a_submitted_post_tells_every_approver_in_the_app_and_by_email(
    people, write_post, tomorrow, django_capture_on_commit_callbacks, celery_sent
):
    # given: a contributor's post in Acme, where contributors need approval
    post = write_post("Spring blend is back in the shop this week", author=people.contributor)
    # when: she submits it
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.schedule_post(post, tomorrow, people.contributor)
        # then: nothing is emailed before the change is committed
        assert mail.outbox == [] and celery_sent == []
    for callback in callbacks:
        callback()
    # then: everyone who may approve (owner, manager, client) gets a notice, nobody else
    notices = Notification.objects.filter(workspace=people.workspace)
    assert sorted(n.user.username for n in notices) == ["client", "manager", "owner"]
    notice = notices.get(user=people.manager)
    assert notice.text.startswith("Carl Hansen asks for your approval: “Spring blend is back in the shop")
    assert "Acme Coffee" in notice.text and notice.url == post.get_absolute_url()
    # and one email each, handed to Celery once, with a link to the post
    assert [name for name, _ in celery_sent] == ["posts.tasks.email_notices"]
    assert sorted(m.to[0] for m in mail.outbox) == ["client@example.com", "manager@example.com", "owner@example.com"]
    message = emails_to(people.client)[0]
    assert message.subject == "[SMM] Waiting for your approval: “Spring blend is back in the shop this week”"
    assert "Carl Hansen asks for your approval" in message.body
    assert f"{settings.SITE_URL.rstrip('/')}{post.get_absolute_url()}" in message.body
    assert f"{settings.SITE_URL.rstrip('/')}{reverse('profile')}" in message.body  # where to turn it off
    # and the notice is on the client's notices page
    assert notifications.unread_count(people.client, people.workspace) == 1


def test_approving_tells_the_author(people, submit, django_capture_on_commit_callbacks):
    post = submit()
    mail.outbox.clear()
    # when: Dana approves it with a word of thanks
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(post, people.manager, comment="Lovely photo")
    # then: Carl is told, in the app and by email, and nobody else
    notice = Notification.objects.get(user=people.contributor)
    assert notice.text.startswith("Dana Reyes approved “Spring blend is back in the shop")
    assert "— comment: Lovely photo" in notice.text
    assert notice.url == post.get_absolute_url()
    assert [m.to for m in mail.outbox] == [["contributor@example.com"]]
    assert mail.outbox[0].subject == "[SMM] Approved: “Spring blend is back in the shop this week”"
    assert "Dana Reyes approved" in mail.outbox[0].body
    assert post.get_absolute_url() in mail.outbox[0].body


def test_sending_back_tells_the_author_with_the_comment(people, submit, django_capture_on_commit_callbacks):
    post = submit()
    mail.outbox.clear()
    # when: Dana sends it back
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_changes(post, people.manager, "Use the new photo, please.")
    # then: Carl reads who, what and why
    notice = Notification.objects.get(user=people.contributor)
    assert notice.text.startswith("Dana Reyes sent back “Spring blend is back in the shop")
    assert notice.text.endswith("— comment: Use the new photo, please.")
    assert [m.to for m in mail.outbox] == [["contributor@example.com"]]
    message = mail.outbox[0]
    assert message.subject == "[SMM] Sent back: “Spring blend is back in the shop this week”"
    assert "— comment: Use the new photo, please." in message.body
    # and on his notices page
    from django.test import Client

    browser = Client()
    browser.force_login(people.contributor)
    page = browser.get(reverse("posts:notifications", kwargs={"ws": people.workspace.slug})).content.decode()
    assert "sent back “Spring blend" in html.unescape(page)


def test_email_opt_out_is_respected_and_the_in_app_notice_still_appears(
    people, submit, django_capture_on_commit_callbacks
):
    # given: the owner wants no approval requests by email, Carl no outcomes by email
    owner = profile_for(people.owner)
    owner.email_approval_requests = False
    owner.save()
    author = profile_for(people.contributor)
    author.email_approval_outcomes = False
    author.save()
    # when: Carl submits, Dana sends it back
    post = submit()
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_changes(post, people.manager, "Shorter, please.")
    # then: no email to the owner nor to Carl, the others still get theirs
    assert emails_to(people.owner) == [] and emails_to(people.contributor) == []
    assert len(emails_to(people.manager)) == 1 and len(emails_to(people.client)) == 1
    # and both still have their notices in the app
    assert notifications.unread_count(people.owner, people.workspace) == 1
    assert notifications.unread_count(people.contributor, people.workspace) == 1


def test_nobody_outside_the_workspace_or_without_the_right_is_told(
    people, submit, make_workspace, make_member, django_capture_on_commit_callbacks
):
    # given: Globex, whose owner is a stranger to Acme, and whose client is Acme's editor
    other = make_workspace("Globex")
    stranger = make_member(other, "owner", username="stranger")
    make_member(other, "client", user=people.editor)
    # when: a post of Acme is submitted and approved
    post = submit()
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(post, people.client)
    # then: neither the stranger nor the editor (no approve right in Acme) hears of it
    assert not Notification.objects.filter(user__in=[stranger, people.editor]).exists()
    assert not Notification.objects.filter(workspace=other).exists()
    assert emails_to(stranger) == [] and emails_to(people.editor) == []
    # and the approver is not told about her own approval
    assert not Notification.objects.filter(user=people.client, text__contains="approved").exists()


def test_moving_a_post_that_already_waits_does_not_ask_again(people, submit, tomorrow):
    # given: a post waiting for approval (three approvers told)
    post = submit()
    # when: Carl moves it an hour later, still waiting
    actions.reschedule_post(post, tomorrow.replace(hour=(tomorrow.hour + 1) % 24), people.contributor)
    # then: no second round of notices
    assert Notification.objects.count() == 3


def test_a_mail_server_that_is_down_leaves_the_notices(people, submit, monkeypatch, caplog):
    # given: sending mail fails
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    # when: a post is submitted
    submit()
    # then: the notices are there, the failure is logged, nothing was sent
    assert Notification.objects.count() == 3
    assert mail.outbox == []
    assert "Could not email" in caplog.text


def test_the_email_task_is_safe_to_run_twice(people, submit, celery_sent):
    from posts import tasks

    submit()
    ids = list(Notification.objects.values_list("pk", flat=True))
    # when: a worker runs the same task again (a redelivered message)
    tasks.email_notices.apply(args=(ids,)).get()
    # then: no second email
    assert len(mail.outbox) == 3


def test_the_profile_page_turns_each_email_off_and_on(client, people):
    # given: the manager on her profile page, both emails on by default
    client.force_login(people.manager)
    page = html.unescape(client.get(reverse("profile")).content.decode())
    assert "Email me when a post waits for my approval" in page
    assert "Email me when my posts are approved or sent back" in page
    assert page.count('type="checkbox"') == 2 and page.count("checked") == 2
    # when: she turns the approval requests off (unchecked boxes are not sent)
    response = client.post(
        reverse("profile"), {"time_zone": "Europe/Berlin", "email_approval_outcomes": "on"}, follow=True
    )
    # then: saved, and the page says so
    assert "Your profile is saved." in html.unescape(response.content.decode())
    profile = profile_for(people.manager)
    assert (profile.time_zone, profile.email_approval_requests, profile.email_approval_outcomes) == (
        "Europe/Berlin",
        False,
        True,
    )
