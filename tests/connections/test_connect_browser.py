"""In Chromium: an owner connects a sandbox Mastodon account from the brand page, through
the sandbox's consent page, and then sees the sandbox's public timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from smm.models import SocialAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_a_sandbox_account_from_the_ui(
    make_workspace, make_member, make_brand, live_server, page, login, screenshot, settings
):
    from sandbox.actions import NewStatus, post_status
    from sandbox.models import SandboxAccount
    from smm.platforms.base import AccountContext, PostContent, PublishAttempt
    from smm.platforms.mastodon import MastodonAdapter

    # given an owner with a brand and no accounts
    settings.ALLOW_PRIVATE_OUTBOUND = True
    workspace = make_workspace("Acme")
    make_member(workspace, "owner", username="olivia")
    brand = make_brand(workspace, "Acme Coffee")
    login("olivia")

    # when she connects Mastodon with the sandbox as the server
    page.goto(f"{live_server.url}{brand.get_absolute_url()}")
    page.get_by_test_id("connect-account").click()
    expect(page.get_by_test_id("network-linkedin")).to_contain_text("Not configured by your administrator")
    screenshot("connect-choose-network")
    page.get_by_role("button", name="Connect Mastodon").click()
    page.fill("input[name=instance]", f"{live_server.url}/sandbox")
    page.get_by_role("button", name="Continue to sign in").click()

    # then the sandbox asks her to authorize SMM
    expect(page.get_by_role("heading", name="Authorize SMM for an account on this network?")).to_be_visible()
    page.fill("input[name=new_username]", "acme_browser")
    screenshot("connect-sandbox-consent")
    page.get_by_role("button", name="Authorize").click()

    # and she is back on the brand with the account connected
    expect(page.get_by_text("is connected to Acme Coffee")).to_be_visible()
    row = page.get_by_test_id("account").filter(has_text="@acme_browser")
    expect(row).to_contain_text("Connected")
    screenshot("connect-brand-connected")
    account = SocialAccount.objects.get(network="mastodon")
    assert account.credentials["access_token"] not in page.content()

    # when the account publishes through the real adapter and someone replies
    result = MastodonAdapter().publish(
        AccountContext(network="mastodon", base_url=account.base_url, credentials=account.credentials),
        PostContent(text="Our first post from SMM ☕ New autumn blend is in: https://acme.example/autumn #coffee"),
        PublishAttempt(idempotency_key="browser-1"),
    )
    fan = SandboxAccount.objects.create(username="maya_brews", display_name="Maya Chen", is_audience=True)
    post_status(fan, NewStatus(text="@acme_browser Can't wait to try it!", in_reply_to_id=result.remote_id))

    # then the sandbox timeline shows the post with its reply
    page.goto(f"{live_server.url}/sandbox/")
    expect(page.get_by_text("Sandbox network (demo)").first).to_be_visible()
    expect(page.get_by_text("Our first post from SMM")).to_be_visible()
    expect(page.get_by_text("Can't wait to try it!")).to_be_visible()
    screenshot("sandbox-timeline")
