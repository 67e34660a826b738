"""In Chromium: a manager finds a post of unknown outcome, is warned before sending it again
(it would appear twice if it is there after all), sends it again; on another account she
says it is on the network, with its link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from posts import actions
from posts.models import TargetState
from posts.states import refresh_post_status, transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_settles_two_unknown_outcomes(page, live_server, login, screenshot, team, write_post):
    # given: a post whose outcome is unknown on both accounts
    post = actions.schedule_post(write_post(), timezone.now() + dt.timedelta(hours=1), team.editor)
    for target in post.targets.all():
        transition(target, TargetState.QUEUED, queued_at=timezone.now())
        transition(target, TargetState.PUBLISHING, attempts=1)
        transition(
            target,
            TargetState.UNKNOWN,
            error_kind="unknown",
            error_message="The worker stopped while publishing (its lease expired)",
            error_user_message=f"We could not confirm whether this post reached {target.account.network_label}.",
        )
    refresh_post_status(post)
    on_mastodon = post.targets.get(account=team.mastodon)
    on_x = post.targets.get(account=team.x)

    # when: the manager opens the post
    login("manager")
    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    mastodon_row = page.locator('[data-testid="target"]', has_text="@acme@social.example")
    x_row = page.locator('[data-testid="target"]', has_text="@acmecoffee")

    # then: each target offers the two answers, and no Retry
    expect(mastodon_row.get_by_role("button", name="It is on Mastodon")).to_be_visible()
    expect(x_row.get_by_role("button", name="It is on X")).to_be_visible()
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    screenshot("outcome-post-page")

    # when: she says it is not on X, she is warned first
    x_row.get_by_role("button", name=re.compile("It is not there: send it again")).click()
    confirm = page.locator('[data-testid="send-again-confirm"]')
    expect(confirm).to_contain_text("appear twice")
    screenshot("outcome-send-again-confirm")
    page.get_by_role("button", name="It is not there: send it again").click()

    # then: back on the post, X is waiting to be sent again
    expect(page.locator(".flash")).to_contain_text("Sending it again to X @acmecoffee")
    expect(x_row.locator('[data-testid="target-state"]')).to_have_text("Scheduled")
    on_x.refresh_from_db()
    assert on_x.state == TargetState.SCHEDULED

    # when: she found the Mastodon post and pastes its link
    mastodon_row.get_by_label(re.compile("Link to the post")).fill("https://social.example/@acme/113512345678901234")
    mastodon_row.get_by_role("button", name="It is on Mastodon").click()

    # then: it is published, with its link on the page
    expect(page.locator(".flash")).to_contain_text("Marked published on Mastodon @acme@social.example")
    expect(mastodon_row.locator('[data-testid="remote-url"]')).to_have_attribute(
        "href", "https://social.example/@acme/113512345678901234"
    )
    screenshot("outcome-settled")
    on_mastodon.refresh_from_db()
    assert (on_mastodon.state, on_mastodon.remote_id) == (TargetState.PUBLISHED, "113512345678901234")
