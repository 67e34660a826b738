"""A reply whose outcome is unknown (the network answered without its id, the answer
was lost, the sender died mid-send) is looked up on the network, else shown to a person
as not confirmed: never sent again on its own, however often the sweeper runs."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from inbox import actions, tasks
from inbox.models import InboxItem, InboxReply
from smm.models import AuditEvent
from smm.platforms.base import PublishResult
from tests.inbox.conftest import MASTODON, network_item

pytestmark = pytest.mark.django_db

STATUSES = f"{MASTODON}/api/v1/statuses"
# Mastodon's answer to a new status, as the instance documents it, minus the id.
WITHOUT_ID = {
    "created_at": "2026-03-02T10:05:00.000Z",
    "in_reply_to_id": "2",
    "content": "<p>So sorry!</p>",
    "url": "https://social.example/@acme/5001",
}


@pytest.fixture
def item(shop, add_items):
    (row,) = add_items(shop["account"], network_item("2", text="My order arrived broken."))
    return row


@pytest.fixture
def reply(shop, item):
    return InboxReply.objects.create(item=item, author=shop["owner"], text="So sorry! A new one is on its way.")


def context_of(*descendants):
    return {"ancestors": [], "descendants": list(descendants)}


def our_status(status_id, *, text, reply_to="2", account_id="900", minutes_ago=0):
    written = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    return {
        "id": str(status_id),
        "created_at": written.isoformat().replace("+00:00", "Z"),
        "in_reply_to_id": reply_to,
        "account": {"id": account_id, "acct": "acme"},
        "content": f'<p><span class="h-card"><a href="https://elsewhere.social/@sam">@sam</a></span> {text}</p>',
        "url": f"https://social.example/@acme/{status_id}",
    }


def posts_sent(network) -> int:
    return sum(1 for call in network.calls if call.request.method == "POST" and call.request.url == STATUSES)


def expire_lease(reply):
    InboxReply.objects.filter(pk=reply.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))


def test_an_answer_without_an_id_is_never_sent_again(shop, item, reply, network, eager_celery):
    # given the instance takes the reply but answers without its id, and the thread
    # does not show it (yet)
    network.add(responses.POST, STATUSES, json=WITHOUT_ID)
    network.add(responses.GET, f"{STATUSES}/2/context", json=context_of())

    # when the reply is sent, and the sweeper runs again and again afterwards
    assert actions.send_reply(reply.pk) == "unknown"
    for _ in range(3):
        tasks.resend_queued_replies()
        InboxReply.objects.filter(pk=reply.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))

    # then it was posted once and waits for a person, who is told what to do
    assert posts_sent(network) == 1
    reply.refresh_from_db()
    assert reply.state == "unknown"
    assert reply.error_message == "We could not confirm this reply was sent. Check on Mastodon whether it is there."
    # and the item does not count as answered on a guess
    assert InboxItem.objects.get(pk=item.pk).first_response_at is None


def test_an_answer_without_an_id_is_resolved_by_finding_our_reply_in_the_thread(shop, item, reply, network):
    # given the instance answers without the id, and the thread shows our reply
    network.add(responses.POST, STATUSES, json=WITHOUT_ID)
    others = our_status("4999", text="So sorry! A new one is on its way.", account_id="31")  # someone else's
    older = our_status("4000", text="So sorry! A new one is on its way.", minutes_ago=60 * 24)  # an old answer
    ours = our_status("5001", text="So sorry! A new one is on its way.")
    network.add(responses.GET, f"{STATUSES}/2/context", json=context_of(others, older, ours))

    # when
    assert actions.send_reply(reply.pk) == "sent"

    # then it is sent, with the id and link the thread gave
    reply.refresh_from_db()
    assert (reply.state, reply.remote_id, reply.url) == ("sent", "5001", "https://social.example/@acme/5001")
    assert posts_sent(network) == 1
    answered = InboxItem.objects.get(pk=item.pk)
    assert answered.first_response_at is not None and answered.responded_by == shop["owner"]


def test_a_reply_whose_sender_died_is_looked_up_not_posted_again(shop, item, reply, network, eager_celery):
    # given a reply left "sending" by a worker that died, and a thread that shows it
    InboxReply.objects.filter(pk=reply.pk).update(state="sending")
    expire_lease(reply)
    network.add(
        responses.GET, f"{STATUSES}/2/context", json=context_of(our_status("5002", text=reply.text, minutes_ago=1))
    )

    # when the sweeper comes by
    tasks.resend_queued_replies()

    # then it is found, not posted again
    reply.refresh_from_db()
    assert (reply.state, reply.remote_id) == ("sent", "5002")
    assert posts_sent(network) == 0


def test_a_stalled_reply_the_network_cannot_show_waits_for_a_person(shop, item, reply, network, eager_celery):
    # given a stalled reply, and an instance that will not show the thread
    InboxReply.objects.filter(pk=reply.pk).update(state="sending")
    expire_lease(reply)
    network.add(responses.GET, f"{STATUSES}/2/context", status=503)

    # when the sweeper comes by, twice
    tasks.resend_queued_replies()
    tasks.resend_queued_replies()

    # then it waits for a person, and nothing was posted
    reply.refresh_from_db()
    assert reply.state == "unknown"
    assert posts_sent(network) == 0


class Exploding:
    """An adapter whose answer cannot be read (a bug after the request went out)."""

    idempotency = ""

    def __init__(self):
        self.replies = 0

    def reply(self, account, item, text):
        self.replies += 1
        return {}["id"]

    def find_reply(self, account, item, text, *, since):
        return None


def test_an_unexpected_error_after_sending_is_an_unknown_outcome(reply, use_adapter):
    adapter = use_adapter(Exploding())
    assert actions.send_reply(reply.pk) == "unknown"
    expire_lease(reply)
    assert actions.send_reply(reply.pk) == "not claimed"
    assert actions.resolve_stalled_reply(reply.pk) == "not claimed"
    assert adapter.replies == 1
    reply.refresh_from_db()
    assert reply.state == "unknown"


class SlowToAnswer:
    """A network whose answer (with the reply's id) comes after the sender's lease ran out:
    meanwhile the sweeper looked for the reply, did not find it yet, and left it to a person."""

    idempotency = "none"

    def __init__(self, reply):
        self.stalled = reply

    def reply(self, account, item, text):
        expire_lease(self.stalled)
        assert actions.resolve_stalled_reply(self.stalled.pk) == "unknown"
        return PublishResult(remote_id="5003", url="https://social.example/@acme/5003", published_at=None)

    def find_reply(self, account, item, text, *, since):
        return None


def test_a_slow_answer_with_the_id_settles_a_reply_the_sweeper_left_unconfirmed(reply, use_adapter):
    # given a send whose answer arrives after the sweeper marked the reply "not confirmed"
    use_adapter(SlowToAnswer(reply))
    # when the answer arrives, with the reply's id
    assert actions.send_reply(reply.pk) == "sent"

    # then it is sent (nobody is asked to decide, so nobody sends it a second time)
    reply.refresh_from_db()
    assert (reply.state, reply.remote_id, reply.error_message) == ("sent", "5003", "")
    assert InboxItem.objects.get(pk=reply.item_id).first_response_at is not None


def test_a_person_sees_an_unconfirmed_reply_and_says_it_is_there(client, shop, item, reply):
    # given a reply whose outcome is unknown
    InboxReply.objects.filter(pk=reply.pk).update(
        state="unknown",
        error_message="We could not confirm this reply was sent. Check on Mastodon whether it is there.",
    )
    client.force_login(shop["owner"])

    # the conversation says so, with no "Try again" that would post blindly
    html = client.get(item.get_absolute_url()).content.decode()
    assert "not confirmed" in html
    assert "We could not confirm this reply was sent. Check on Mastodon whether it is there." in html
    assert "Try again" not in html
    check = reverse("inbox:reply_check", kwargs={"ws": shop["ws"].slug, "item_id": item.pk, "reply_id": reply.pk})
    assert check in html

    # the check page shows the reply and both answers
    page = client.get(check).content.decode()
    assert reply.text in page
    assert "It is not there: send it again" in page
    assert "answer twice" in page

    # when the person found it on the network
    on_network = reverse(
        "inbox:reply_on_network", kwargs={"ws": shop["ws"].slug, "item_id": item.pk, "reply_id": reply.pk}
    )
    response = client.post(on_network)

    # then it counts as sent, and that is in the audit log
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.state == "sent"
    assert InboxItem.objects.get(pk=item.pk).first_response_at == reply.created_at
    assert AuditEvent.objects.filter(verb="inbox.reply_confirmed", actor=shop["owner"]).exists()


def test_a_person_who_does_not_find_it_sends_it_again_once(
    client, shop, item, reply, network, eager_celery, django_capture_on_commit_callbacks
):
    InboxReply.objects.filter(pk=reply.pk).update(state="unknown")
    network.add(responses.POST, STATUSES, json=our_status("5003", text=reply.text))
    client.force_login(shop["owner"])
    send_again = reverse(
        "inbox:reply_send_again", kwargs={"ws": shop["ws"].slug, "item_id": item.pk, "reply_id": reply.pk}
    )

    # when the person sends it again, and the button is pressed twice
    with django_capture_on_commit_callbacks(execute=True):
        with_commit = client.post(send_again)
        client.post(send_again)

    # then it went out once, and that is in the audit log
    assert with_commit.status_code == 302
    reply.refresh_from_db()
    assert (reply.state, reply.remote_id) == ("sent", "5003")
    assert posts_sent(network) == 1
    assert AuditEvent.objects.filter(verb="inbox.reply_sent_again", actor=shop["owner"]).count() == 1


@pytest.mark.parametrize("name", ["reply_on_network", "reply_send_again"])
def test_a_client_cannot_decide_about_an_unconfirmed_reply(client, shop, item, reply, make_member, name):
    InboxReply.objects.filter(pk=reply.pk).update(state="unknown")
    client.force_login(make_member(shop["ws"], "client"))
    url = reverse(f"inbox:{name}", kwargs={"ws": shop["ws"].slug, "item_id": item.pk, "reply_id": reply.pk})
    assert client.post(url).status_code == 403
    reply.refresh_from_db()
    assert reply.state == "unknown"


def test_a_reply_that_is_not_unconfirmed_cannot_be_confirmed_or_sent_again(client, shop, item, reply):
    InboxReply.objects.filter(pk=reply.pk).update(state="sent", remote_id="77")
    client.force_login(shop["owner"])
    kwargs = {"ws": shop["ws"].slug, "item_id": item.pk, "reply_id": reply.pk}
    client.post(reverse("inbox:reply_send_again", kwargs=kwargs))
    client.post(reverse("inbox:reply_on_network", kwargs=kwargs))
    reply.refresh_from_db()
    assert (reply.state, reply.remote_id) == ("sent", "77")
    assert not AuditEvent.objects.filter(verb__startswith="inbox.reply_").exclude(verb="inbox.reply").exists()


def test_replies_stored_as_failed_for_an_unknown_outcome_before_become_not_confirmed(item, reply):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("inbox.migrations.0006_old_unconfirmed_replies")
    # given a reply stored as failed the old way (its outcome unknown: "Try again" would
    # send it blindly), and one the network truly refused
    InboxReply.objects.filter(pk=reply.pk).update(state=InboxReply.State.FAILED, error_message=migration.OLD_MESSAGE)
    refused = InboxReply.objects.create(
        item=item, author=reply.author, text="Another", state=InboxReply.State.FAILED, error_message="Too long"
    )
    # when the migration runs
    migration.failed_to_unknown(apps, None)
    # then the first waits for a person; the refused one stays failed
    reply.refresh_from_db()
    refused.refresh_from_db()
    assert reply.state == InboxReply.State.UNKNOWN and "could not confirm" in reply.error_message
    assert (refused.state, refused.error_message) == (InboxReply.State.FAILED, "Too long")
