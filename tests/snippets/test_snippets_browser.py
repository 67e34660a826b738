"""A manager keeps her brand's hashtag groups on their page: a wrong group comes back
with its message and what she typed; fixed, it is listed and the composer offers it."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_adds_a_hashtag_group_and_finds_it_in_the_composer(
    page, live_server, login, screenshot, make_workspace, make_member, make_brand, make_account
):
    from posts.models import Snippet

    # given: a manager and a brand with one snippet
    ws = make_workspace("Acme")
    make_member(ws, "manager", username="manager")
    brand = make_brand(ws, "Acme Coffee")
    make_account(brand, "mastodon", "@acme@social.example")
    Snippet.objects.create(brand=brand, kind="text", name="Sign-off", body="See you at the shop!")
    login("manager")
    page.goto(f"{live_server.url}/w/{ws.slug}/posts/snippets/{brand.pk}/")

    # when: she saves a hashtag group with a word that is no hashtag
    form = page.get_by_test_id("snippet-form")
    form.get_by_label("Kind").select_option("hashtags")
    form.get_by_label("Name").fill("Autumn")
    form.get_by_label("Inserts").fill("#autumn blend #cosy")
    page.get_by_test_id("save-snippet").click()

    # then: it says which word, and keeps what she typed
    expect(page.get_by_test_id("body-errors")).to_contain_text("“blend” is not one (write it as #blend)")
    expect(form.get_by_label("Inserts")).to_have_value("#autumn blend #cosy")
    expect(form.get_by_label("Name")).to_have_value("Autumn")
    screenshot("snippets-error")

    # when: she fixes it
    form.get_by_label("Inserts").fill("#autumn #blend #cosy")
    page.get_by_test_id("save-snippet").click()
    # then: the page lists it with the snippet
    expect(page.get_by_test_id("hashtag-groups").get_by_test_id("snippet")).to_contain_text("#autumn #blend #cosy")
    expect(page.get_by_test_id("text-snippets").get_by_test_id("snippet")).to_contain_text("See you at the shop!")
    screenshot("snippets-page")

    # and the composer's Insert menu offers both
    page.goto(f"{live_server.url}/w/{ws.slug}/posts/new/")
    page.get_by_test_id("insert-button").click()
    expect(page.get_by_test_id("insert-item")).to_have_text(
        ["Autumn#autumn #blend #cosy", "Sign-offSee you at the shop!"]
    )
