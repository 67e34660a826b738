"""The sandbox's status page as a person sees it: a content warning folds the text away
until clicked, and a poll lists its answers."""

import pytest
from playwright.sync_api import expect

from sandbox.actions import NewStatus, post_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_warned_post_with_a_poll(page, live_server, screenshot, sandbox_account):
    brand = sandbox_account("acmecoffee", display_name="Acme Coffee")
    status, _ = post_status(
        brand,
        NewStatus(
            text="Which roast do you like best?",
            spoiler_text="Roast talk",
            poll={"options": ["Light", "Medium", "Dark"], "expires_in": 86400},
        ),
    )

    page.goto(f"{live_server.url}/sandbox/@acmecoffee/{status.pk}")
    warning = page.get_by_test_id("content-warning").first
    expect(warning).to_contain_text("Roast talk")
    expect(warning.locator(".content")).to_be_hidden()
    warning.locator("summary").click()
    expect(warning.locator(".content")).to_have_text("Which roast do you like best?")
    expect(page.get_by_test_id("poll").first.locator("li")).to_have_count(3)
    screenshot("sandbox-status-warning-poll")
