"""A client opens the inbox in the browser: the conversation is there, the team's notes,
assignment, who answered and the keyword scoring are not."""

from __future__ import annotations

import pytest
from django.utils import timezone

from inbox import actions
from inbox.models import InboxItem, InboxKeyword, InboxReply
from tests.inbox.conftest import network_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Internal: she threatened to sue last spring, handle with care"


def test_a_client_opens_an_item_with_a_team_note_and_sees_none_of_it(
    page, live_server, login, screenshot, shop, make_member, add_items
):
    # given an item the team has worked: scored by a keyword, assigned, noted and answered
    ws, owner = shop["ws"], shop["owner"]
    zed = make_member(ws, "editor", username="zed-assignee")
    make_member(ws, "client", username="cora-client")
    InboxKeyword.objects.create(workspace=ws, word="lawsuit", weight=40)
    (item,) = add_items(
        shop["account"], network_item(text="My mug broke on day one. I am thinking of a lawsuit.", minutes_ago=90)
    )
    actions.assign(item, zed, owner)
    actions.add_note(item, owner, NOTE)
    now = timezone.now()
    InboxReply.objects.create(
        item=item, author=zed, text="So sorry! A new mug is on its way today.", state="sent", sent_at=now
    )
    InboxItem.objects.filter(pk=item.pk).update(first_response_at=now, responded_by=zed)

    # when the client logs in and opens the inbox, then the item
    login("cora-client")
    page.goto(f"{live_server.url}/w/{ws.slug}/inbox/")
    row = page.locator("[data-inbox-row]").first
    row.get_by_text("My mug broke on day one").wait_for()
    list_text = page.locator("main").inner_text()
    screenshot("inbox-client-list")
    row.get_by_role("link").first.click()
    page.get_by_test_id("thread").wait_for()
    item_text = page.locator("main").inner_text()
    screenshot("inbox-client-item")

    # then the conversation is there: what was written, and the brand's answer
    assert "My mug broke on day one" in item_text
    assert "So sorry! A new mug is on its way today." in item_text
    # and nothing of the team's handling of it, on the item or in the list
    for text in (item_text, list_text):
        assert NOTE not in text
        assert "Internal notes" not in text
        assert "zed-assignee" not in text
        assert "keyword: lawsuit" not in text
        assert "Assigned to me" not in text
    assert page.locator(".prio, [data-testid=reason], .notes").count() == 0
    # nor a way to act on it
    assert page.get_by_test_id("reply-form").count() == 0


def test_an_unconfirmed_reply_is_checked_by_a_person(page, live_server, login, screenshot, shop, add_items):
    # given a reply whose outcome is unknown (the network answered without its id)
    (item,) = add_items(shop["account"], network_item(text="Do you ship to Norway?"))
    InboxReply.objects.create(
        item=item,
        author=shop["owner"],
        text="Yes, we do! Delivery takes about a week.",
        state="unknown",
        error_message="We could not confirm this reply was sent. Check on Mastodon whether it is there.",
    )

    # when the owner opens the conversation
    login("olivia")
    page.goto(f"{live_server.url}{item.get_absolute_url()}")

    # then the reply says it is not confirmed, with a way to check, and no blind "Try again"
    reply = page.get_by_test_id("thread-reply")
    assert "not confirmed" in reply.inner_text()
    assert "Check on Mastodon whether it is there." in reply.inner_text()
    assert reply.get_by_text("Try again").count() == 0
    with page.expect_navigation():
        reply.get_by_role("button", name="Check and decide").click()
    page.get_by_test_id("reply-check").wait_for()
    assert "get the same answer twice" in page.get_by_test_id("reply-check").inner_text()
    screenshot("inbox-reply-check")

    # when she found it on the network
    with page.expect_navigation():
        page.get_by_test_id("reply-on-network").click()

    # then it is sent, and the item counts as answered
    page.get_by_test_id("thread-reply").get_by_text("sent").wait_for()
    assert InboxReply.objects.get(item=item).state == "sent"
    assert InboxItem.objects.get(pk=item.pk).first_response_at is not None
