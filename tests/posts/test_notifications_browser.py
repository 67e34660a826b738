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


def test_an_approver_reads_the_request_and_turns_its_email_off(
    page, live_server, login, screenshot, team, write_post, tomorrow, monkeypatch
):
    from posts import actions
    from smm.models import profile_for

    # (the emails are tested in test_notifications_approval.py: no message for a broker here)
    monkeypatch.setattr("posts.tasks.email_notices.delay", lambda notice_ids: None)

    # given: Carl, a contributor, submitted a post for approval
    team.contributor.first_name, team.contributor.last_name = "Carl", "Hansen"
    team.contributor.save()
    post = write_post("Spring blend is back in the shop this week", author=team.contributor)
    actions.schedule_post(post, tomorrow, team.contributor)
    # when: the manager opens her notices
    login("manager")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/notifications/")
    # then: the request is there, and opening it leads to the post
    notice = page.get_by_test_id("notice")
    assert "Carl Hansen asks for your approval: “Spring blend is back in the shop" in notice.inner_text()
    screenshot("notices-approval-request")
    notice.get_by_role("link").first.click()
    page.wait_for_url(f"**{post.get_absolute_url()}")
    # when: she turns the approval request emails off on her profile
    page.goto(f"{live_server.url}/profile/")
    page.get_by_label("Email me when a post waits for my approval").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    # then: saved, the other switch untouched
    assert "Your profile is saved." in page.inner_text("body")
    assert not page.get_by_label("Email me when a post waits for my approval").is_checked()
    assert page.get_by_label("Email me when my posts are approved or sent back").is_checked()
    profile = profile_for(team.manager)
    assert (profile.email_approval_requests, profile.email_approval_outcomes) == (False, True)
    screenshot("profile-email-switches")
