"""A community manager works the inbox in the browser: the negative item is on top, the
keyboard moves and opens, a saved reply answers on the sandbox network, d marks done,
and a new mention arrives in the list without a reload."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from inbox import tasks
from inbox.models import InboxItem, InboxKeyword, SavedReply
from tests.inbox.sandbox_world import sandbox_world, say

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(settings, eager_celery):
    settings.ALLOW_PRIVATE_OUTBOUND = True
    cache.clear()


def test_open_the_angry_item_reply_with_a_saved_reply_and_mark_done(page, live_server, login, screenshot, shop):
    from sandbox.models import SandboxAccount, SandboxStatus

    # given three mentions on the sandbox network, one of them angry, polled into the inbox
    brand_remote, sam = sandbox_world(live_server, shop)
    ann = SandboxAccount.objects.create(username="ann", display_name="Ann Lee", is_audience=True)
    say(ann, "@acmecoffee the oat latte today was lovely, thank you!")
    angry = say(sam, "@acmecoffee my grinder arrived broken. Terrible, I want a refund!")
    say(ann, "@acmecoffee do you open on Sundays?")
    InboxKeyword.objects.create(workspace=shop["ws"], word="refund", weight=30)
    SavedReply.objects.create(
        workspace=shop["ws"], title="Sorry", text="Hi {first_name}, so sorry! {brand} will send a new one today."
    )
    tasks.poll_account(shop["account"].pk)
    assert InboxItem.objects.count() == 3

    # when the owner opens the inbox
    login("olivia")
    page.goto(f"{live_server.url}/w/{shop['ws'].slug}/inbox/")

    # then the angry item is on top, with its reasons
    rows = page.locator("[data-inbox-row]")
    assert rows.count() == 3
    top = rows.first
    assert "grinder arrived broken" in top.inner_text()
    assert "keyword: refund" in top.inner_text()
    assert re.search(r"negative sentiment \(-0\.\d\d\)", top.inner_text())
    screenshot("inbox-list")

    # when she moves down and back up with j / k and opens it with Enter
    page.keyboard.press("j")
    assert "selected" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "selected" in (top.get_attribute("class") or "")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/inbox/\d+/"))
    assert page.get_by_test_id("thread").get_by_text("my grinder arrived broken").is_visible()

    # and answers with the saved reply (r focuses the reply box)
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "text"
    page.locator("[data-saved-reply]").select_option(label="Sorry")
    assert page.locator("[data-reply-text]").input_value() == "Hi Sam, so sorry! Acme Coffee will send a new one today."
    with page.expect_navigation():
        page.get_by_test_id("send-reply").click()

    # then the reply is in the thread, sent, and on the sandbox network as an answer
    reply = page.get_by_test_id("thread-reply")
    reply.get_by_text("sent").wait_for()
    assert "Hi Sam, so sorry!" in reply.inner_text()
    answers = SandboxStatus.objects.filter(in_reply_to=angry, account=brand_remote)
    assert answers.count() == 1
    screenshot("inbox-conversation-replied")

    # when she presses d, the item is done and she lands on the next one
    with page.expect_navigation():
        page.keyboard.press("d")
    item = InboxItem.objects.get(remote_id=str(angry.pk))
    assert item.status == "done"
    assert item.first_response_at is not None

    # and back in the list, a new mention arrives without a reload
    page.goto(f"{live_server.url}/w/{shop['ws'].slug}/inbox/?sort=newest")
    assert page.get_by_text("my grinder arrived broken").count() == 0  # done items leave the open list
    say(sam, "@acmecoffee also, the lid is cracked")
    tasks.poll_account(shop["account"].pk)
    page.get_by_text("also, the lid is cracked").wait_for(timeout=15_000)
    screenshot("inbox-live-arrival")
