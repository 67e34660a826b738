"""In Chromium: the composer shows a history-only account greyed out with its reason, and
an inbox item says why it sits where it does (points per factor, the sentiment's words)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inbox.models import InboxKeyword
from smm.models import SocialAccount
from tests.inbox.conftest import network_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Demo account: shows history only; the sandbox cannot publish to Instagram."


def test_the_composer_says_why_an_account_cannot_be_picked(page, live_server, login, screenshot, shop, make_account):
    history_only = make_account(
        shop["brand"],
        "instagram",
        "@acmecoffee",
        remote_id="demo-instagram-1",
        credentials={},
        status=SocialAccount.Status.PAUSED,
        status_reason=REASON,
    )
    login("olivia")
    page.goto(f"{live_server.url}/w/{shop['ws'].slug}/posts/new/")

    picker = page.locator("fieldset.account-picker")
    box = picker.locator(f'input[value="{history_only.pk}"]')
    expect(box).to_be_disabled()
    expect(picker.get_by_test_id("cannot-publish")).to_have_text(REASON)
    expect(picker.locator(f'input[value="{shop["account"].pk}"]')).to_be_enabled()
    screenshot("composer-history-only-account")

    # the workspace's account list says it too, beside the "Paused" badge
    page.goto(f"{live_server.url}/w/{shop['ws'].slug}/")
    row = page.get_by_test_id("account").filter(has_text="Instagram")
    expect(row.get_by_test_id("account-reason")).to_have_text(REASON)
    screenshot("workspace-history-only-account")


def test_an_inbox_item_explains_its_priority_and_sentiment(page, live_server, login, screenshot, shop, add_items):
    InboxKeyword.objects.create(workspace=shop["ws"], word="refund", weight=25)
    (item,) = add_items(
        shop["account"],
        network_item(
            text="My coffee arrived cold and I want a refund. Terrible service!",
            minutes_ago=5 * 60 + 10,
            author_followers=12_400,
        ),
    )
    login("olivia")
    page.goto(f"{live_server.url}{item.get_absolute_url()}")

    why = page.get_by_test_id("priority-why")
    expect(why).to_contain_text("+25")
    expect(why).to_contain_text("keyword: refund")
    expect(why).to_contain_text("unanswered for 5 h")
    expect(why).to_contain_text(f"= {item.priority}")
    felt = page.get_by_test_id("sentiment-why")
    expect(felt).to_contain_text("Sentiment: Negative")
    expect(felt).to_contain_text("“Terrible”")
    screenshot("inbox-item-why")

    # the list shows the points and the sentiment's strongest words in each row
    page.goto(f"{live_server.url}/w/{shop['ws'].slug}/inbox/")
    row = page.locator("[data-inbox-row]").first
    expect(row).to_contain_text("+25 keyword: refund")
    expect(row.locator(".sentiment-tag")).to_contain_text("Negative −")
    expect(row.locator(".sentiment-tag")).to_contain_text("“Terrible”")
    screenshot("inbox-list-why")
