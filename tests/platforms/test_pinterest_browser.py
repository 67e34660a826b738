"""In the browser: picking a Pinterest account shows its own boards and a title field in the
Network options card; with no board chosen the live check asks for one, and the board and
title are saved with the draft."""

import pytest
from playwright.sync_api import expect

from posts.models import MediaAsset, Post
from tests.posts import conftest as posts_conftest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
team = posts_conftest.team  # the composer tests' workspace (a brand, an owner, an editor...)

BOARDS = [{"id": "111", "name": "Summer picnics"}, {"id": "222", "name": "Autumn blends"}]


def test_pinterest_board_and_title_in_the_composer(page, live_server, login, screenshot, team, make_account):
    pinterest = make_account(team.brand, "pinterest", "acmecoffee", limits={"boards": BOARDS})
    MediaAsset.objects.create(
        workspace=team.workspace,
        file="media/beans.jpg",
        original_name="beans.jpg",
        mime_type="image/jpeg",
        size=200_000,
        width=1000,
        height=1500,
    )
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/new/")
    checks = page.get_by_test_id("checks")
    page.locator("#id_text").fill("The autumn blend is here")
    for box in page.locator("input[name=accounts]").all():
        if box.is_checked():
            box.uncheck()
    page.locator(f'input[name=accounts][value="{pinterest.pk}"]').check()
    page.locator("input[name=media]").check(force=True)
    options = page.get_by_test_id(f"options-{pinterest.pk}")
    expect(options).to_be_visible()

    # with no board chosen, the live check asks for one
    expect(checks).to_contain_text("Choose the board the Pin goes on.")
    board = options.get_by_label("Board")
    expect(board.locator("option")).to_have_text(["Choose a board", "Summer picnics", "Autumn blends"])

    # when she picks a board and writes a title
    board.select_option("222")
    options.get_by_label("Pin title (up to 100 characters)").fill("Autumn blend")
    expect(checks).not_to_contain_text("Choose the board")
    screenshot("composer-pinterest-board")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("post-status")).to_have_text("Draft")
    target = Post.objects.get().targets.get()
    assert target.options == {"board": "222", "title": "Autumn blend"}
