"""The owner sees the unread count in the menu, reads her notices and marks them read."""

import pytest

from posts.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_notices_badge_page_and_mark_all_read(page, live_server, login, screenshot, two_workspaces):
    # given: two unread notices for alice in Alpha
    data = two_workspaces
    ws = data["a"]
    for text in (
        "“Spring menu” for Alpha Brand on @alpha could not be published: the text is too long",
        "@alpha of Alpha Brand needs reconnecting. Its scheduled posts wait until it is reconnected.",
    ):
        Notification.objects.create(workspace=ws, user=data["owner_a"], text=text, url=f"/w/{ws.slug}/")
    # when: she logs in and looks at her workspace
    login("alice")
    page.goto(f"{live_server.url}/w/{ws.slug}/")
    # then: the menu shows 2 beside "Notices"
    assert page.get_by_test_id("nav-badge").inner_text() == "2"
    # when: she opens the notices page
    page.get_by_role("link", name="Notices").click()
    page.wait_for_url("**/posts/notifications/")
    assert page.get_by_test_id("notice").count() == 2
    screenshot("notices-unread")
    # when: she marks all read
    page.get_by_test_id("mark-all-read").click()
    page.wait_for_load_state()
    # then: no badge, no highlighted notice
    assert page.get_by_test_id("nav-badge").count() == 0
    assert page.locator(".notice-unread").count() == 0
    screenshot("notices-read")
