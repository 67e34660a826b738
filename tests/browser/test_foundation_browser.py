"""A person logs in, switches workspace from the navigation, and sees the right brands."""

import pytest

from smm.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_switch_workspace_and_see_brands(page, live_server, login, screenshot, two_workspaces, make_brand):
    # given: alice owns Alpha (brand "Alpha Brand") and edits Beta (brand "Beta Outdoor")
    data = two_workspaces
    make_brand(data["b"], "Beta Outdoor", time_zone="Asia/Tokyo")
    Membership.objects.create(workspace=data["b"], user=data["owner_a"], role="editor")

    # when: she logs in
    login("alice")
    page.goto(f"{live_server.url}/w/{data['a'].slug}/")
    # then: she sees Alpha's brand and its account
    assert page.locator("h1").first.inner_text() == "Alpha"
    assert page.get_by_text("Alpha Brand").is_visible()
    assert page.get_by_text("@alpha").is_visible()
    screenshot("foundation-workspace-alpha")

    # when: she switches to Beta with the workspace switcher
    page.get_by_test_id("workspace-switcher").locator("summary").click()
    page.get_by_test_id("workspace-switcher").get_by_role("link", name="Beta").click()
    page.wait_for_url(f"**/w/{data['b'].slug}/")

    # then: Beta's brands, and none of Alpha's
    assert page.locator("h1").first.inner_text() == "Beta"
    assert page.get_by_text("Beta Outdoor").is_visible()
    assert page.get_by_text("Asia/Tokyo").is_visible()
    assert page.get_by_text("Alpha Brand").count() == 0
    screenshot("foundation-workspace-beta")
