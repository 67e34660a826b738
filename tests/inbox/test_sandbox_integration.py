"""The whole path over HTTP against the sandbox network: a mention is polled into the
inbox, and a reply sent from the inbox appears on the network exactly once."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from inbox import actions, tasks
from inbox.models import InboxItem, InboxReply
from tests.inbox.sandbox_world import sandbox_world, say

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _outbound(settings):
    settings.ALLOW_PRIVATE_OUTBOUND = True
    cache.clear()


def test_reply_from_the_inbox_appears_once_on_the_sandbox_even_if_the_task_runs_twice(live_server, shop):
    from sandbox.models import SandboxStatus

    # given a customer complaining to the brand on the sandbox network
    brand_remote, sam = sandbox_world(live_server, shop)
    complaint = say(sam, "@acmecoffee my grinder arrived broken, this is awful")

    # when the account is polled
    assert tasks.poll_account(shop["account"].pk) == "1 new"
    item = InboxItem.objects.get()
    assert item.remote_id == str(complaint.pk)
    # the customer's whole address, as our own account's handle is written
    assert item.author_handle == f"@sam@{urlsplit(live_server.url).hostname}"
    assert item.sentiment < 0

    # and a reply is sent, the task running twice, then once more as if its answer was lost
    reply = actions.queue_reply(item, shop["owner"], "So sorry, Sam! A new one is on its way.")
    assert actions.send_reply(reply.pk) == "sent"
    assert actions.send_reply(reply.pk) == "not claimed"
    InboxReply.objects.filter(pk=reply.pk).update(state=InboxReply.State.QUEUED)
    assert actions.send_reply(reply.pk) == "sent"

    # then the network holds exactly one answer to the complaint, from the brand
    answers = SandboxStatus.objects.filter(in_reply_to=complaint)
    assert answers.count() == 1
    assert answers.get().account == brand_remote
    assert answers.get().text == f"{item.author_handle} So sorry, Sam! A new one is on its way."
    # which mentions the customer: Sam is told about it
    assert sam.notifications.filter(type="mention", status=answers.get()).exists()
    reply.refresh_from_db()
    assert reply.remote_id == str(answers.get().pk)

    # and polling again brings nothing new (our own reply is not an inbox item)
    assert tasks.poll_account(shop["account"].pk) == "0 new"


def test_the_customers_answer_to_our_reply_joins_the_conversation(live_server, shop):
    brand_remote, sam = sandbox_world(live_server, shop)
    complaint = say(sam, "@acmecoffee where is my order?")
    tasks.poll_account(shop["account"].pk)
    item = InboxItem.objects.get()
    reply = actions.queue_reply(item, shop["owner"], "Checking now!")
    actions.send_reply(reply.pk)
    reply.refresh_from_db()

    from sandbox.models import SandboxStatus

    say(sam, "@acmecoffee thanks, found it", reply_to=SandboxStatus.objects.get(pk=reply.remote_id))
    tasks.poll_account(shop["account"].pk)

    follow_up = InboxItem.objects.exclude(pk=item.pk).get()
    assert follow_up.thread_key == item.thread_key
    assert complaint.pk
