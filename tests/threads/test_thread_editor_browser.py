"""A marketer writes a thread for Mastodon and X and a first comment for Instagram: adds
parts, sees each part counted as each network counts, reorders and removes parts, saves,
and finds every part and the first comment on the post page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from posts.models import FirstCommentStatus, Post, TargetState
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Acme", approval_policy="none")
    make_member(ws, "editor", username="editor")
    brand = make_brand(ws, "Acme Coffee", time_zone="Europe/Berlin")
    accounts = {
        "mastodon": make_account(brand, "mastodon", "@acme@social.example", base_url="https://social.example"),
        "x": make_account(brand, "x", "@acmecoffee"),
        "instagram": make_account(brand, "instagram", "@acme.coffee"),
    }
    return ws, accounts


def parts(page):
    return page.get_by_test_id("thread-parts").get_by_test_id("thread-part")


def test_thread_editor_counts_reorders_and_saves(page, live_server, login, screenshot, team):
    ws, accounts = team
    login("editor")
    page.goto(f"{live_server.url}/w/{ws.slug}/posts/new/")
    editor = page.get_by_test_id("thread-editor")
    expect(editor.get_by_test_id("thread-block")).to_be_visible()
    expect(editor.get_by_test_id("first-comment-block")).to_be_visible()  # Instagram is chosen

    page.locator("#id_text").fill("Our autumn blend, a thread 🧵")
    editor.get_by_test_id("add-part").click()
    expect(parts(page)).to_have_count(1)
    expect(parts(page).nth(0).locator("label")).to_have_text("Part 2")
    expect(parts(page).nth(0).locator("textarea")).to_be_focused()
    page.keyboard.type("Roasted in small batches ☕ https://example.com/autumn-blend-2026-limited-edition")
    editor.get_by_test_id("add-part").click()
    page.keyboard.type("Tasting notes: " + "caramel, " * 30)
    editor.get_by_test_id("add-part").click()
    page.keyboard.type("Order now")

    # each part counted as each network counts (X: link 23, emoji 2; Mastodon: link 23)
    first_counts = parts(page).nth(0).get_by_test_id("part-counts")
    expect(first_counts).to_contain_text("X 51 / 280")
    expect(first_counts).to_contain_text("Mastodon 50 / 500")
    expect(first_counts).not_to_contain_text("Instagram")  # no thread there
    second = parts(page).nth(1)
    expect(second.get_by_test_id("part-counts")).to_contain_text("X 284 / 280 (4 over)")
    expect(second).to_have_class("thread-part part-over")
    expect(page.get_by_test_id("checks")).to_contain_text("Part 3: This is 4 characters over X's 280-character limit")
    page.get_by_test_id("first-comment").fill("#coffee #autumnblend #smallbatch")
    screenshot("thread-editor-over")

    # shorten part 3, move "Order now" up to be part 3, remove nothing yet
    second.locator("textarea").fill("Tasting notes: caramel, fig, cocoa.")
    expect(second.get_by_test_id("part-counts")).to_contain_text("X 35 / 280")
    parts(page).nth(2).get_by_test_id("part-up").click()
    expect(parts(page).nth(1).locator("textarea")).to_have_value("Order now")
    expect(parts(page).nth(1).locator("label")).to_have_text("Part 3")
    expect(parts(page).nth(2).locator("label")).to_have_text("Part 4")
    expect(parts(page).nth(1).get_by_test_id("part-up")).to_be_focused()
    # and remove it again
    parts(page).nth(1).get_by_test_id("part-remove").click()
    expect(parts(page)).to_have_count(2)
    expect(parts(page).nth(1).locator("label")).to_have_text("Part 3")
    expect(parts(page).nth(1).locator("textarea")).to_have_value("Tasting notes: caramel, fig, cocoa.")

    # unticking Instagram hides nothing typed; unticking both thread networks says only part 1 goes out
    page.locator(f'input[name=accounts][value="{accounts["mastodon"].pk}"]').uncheck()
    page.locator(f'input[name=accounts][value="{accounts["x"].pk}"]').uncheck()
    expect(editor.get_by_test_id("thread-none")).to_be_visible()
    page.locator(f'input[name=accounts][value="{accounts["mastodon"].pk}"]').check()
    page.locator(f'input[name=accounts][value="{accounts["x"].pk}"]').check()
    expect(editor.get_by_test_id("thread-none")).to_be_hidden()
    expect(parts(page).nth(0).get_by_test_id("part-counts")).to_contain_text("X 51 / 280")  # checked again
    screenshot("thread-editor")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("post-status")).to_have_text("Draft")
    post = Post.objects.get()
    by_network = {t.account.network: t for t in post.targets.select_related("account")}
    expected = [
        "Roasted in small batches ☕ https://example.com/autumn-blend-2026-limited-edition",
        "Tasting notes: caramel, fig, cocoa.",
    ]
    assert by_network["x"].parts == expected and by_network["mastodon"].parts == expected
    assert by_network["instagram"].parts == []
    assert by_network["instagram"].first_comment == "#coffee #autumnblend #smallbatch"
    assert by_network["x"].first_comment == ""
    threads_on_page = page.get_by_test_id("target").filter(has=page.get_by_test_id("thread-parts"))
    expect(threads_on_page).to_have_count(2)
    expect(threads_on_page.first.get_by_test_id("thread-part-row")).to_have_count(3)
    expect(page.get_by_test_id("first-comment-state")).to_contain_text("#coffee #autumnblend #smallbatch")
    screenshot("thread-post-page-draft")

    # the editor shows the saved parts again
    page.goto(f"{live_server.url}/w/{ws.slug}/posts/{post.pk}/edit/")
    expect(parts(page)).to_have_count(2)
    expect(parts(page).nth(1).locator("textarea")).to_have_value("Tasting notes: caramel, fig, cocoa.")
    expect(page.get_by_test_id("first-comment")).to_have_value("#coffee #autumnblend #smallbatch")

    # on a phone the parts, their counts and their buttons fit the screen
    page.set_viewport_size({"width": 360, "height": 800})
    page.get_by_test_id("thread-editor").scroll_into_view_if_needed()
    expect(parts(page).nth(0).get_by_test_id("part-count").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("thread-editor").screenshot(path=f"{ARTIFACTS}/thread-editor-phone.png")


def test_post_page_shows_each_part_and_a_failed_first_comment(page, live_server, login, screenshot, team):
    ws, accounts = team
    post = Post.objects.create(workspace=ws, brand=accounts["x"].brand, text="Part one", status="published")
    x = post.targets.create(
        account=accounts["x"],
        text="Part one",
        state=TargetState.FAILED,
        parts=["Part two", "Part three"],
        publish_state={
            "thread": [
                {"id": "1", "url": "https://x.com/acmecoffee/status/1", "at": "2026-03-01T10:00:00+00:00"},
                {"id": "2", "url": "https://x.com/acmecoffee/status/2", "at": "2026-03-01T10:00:01+00:00"},
            ]
        },
        error_user_message="Parts 1–2 of the thread are on X; part 3 of 3: X refused the post: duplicate content.",
    )
    post.targets.create(
        account=accounts["instagram"],
        text="Part one",
        state=TargetState.PUBLISHED,
        remote_id="1790",
        remote_url="https://www.instagram.com/p/abc/",
        first_comment="#coffee",
        first_comment_status=FirstCommentStatus.FAILED,
        first_comment_error="Comments are turned off for this post.",
    )
    login("editor")
    page.goto(f"{live_server.url}/w/{ws.slug}/posts/{post.pk}/")
    rows = page.get_by_test_id("thread-part-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).get_by_test_id("part-state")).to_have_text("Published")
    expect(rows.nth(1).get_by_test_id("part-url")).to_have_attribute("href", "https://x.com/acmecoffee/status/2")
    expect(rows.nth(2).get_by_test_id("part-state")).to_have_text("Not sent")
    expect(page.get_by_test_id("first-comment-state")).to_contain_text(
        "The post is live; its first comment failed: Comments are turned off for this post."
    )
    assert x.pk
    screenshot("thread-post-page-published")
