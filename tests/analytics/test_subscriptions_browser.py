"""A client subscribes herself to the weekly report in the browser, then stops it from the
link in the email without logging in."""

import datetime as dt
import os
import re

import pytest
from django.core import mail

from analytics import reports
from analytics.models import ReportSubscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_subscribes_and_stops_it_from_the_email(
    page, live_server, login, screenshot, two_workspaces, make_member
):
    # given: Cleo, a client of Alpha
    ws = two_workspaces["a"]
    make_member(ws, "client", username="cleo")
    # when: she opens the weekly email page and subscribes to the whole workspace
    login("cleo")
    page.goto(f"{live_server.url}/w/{ws.slug}/analytics/reports/")
    page.get_by_test_id("subscribe").get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()
    # then: the page says she will get it, and lists it
    assert "You will get the weekly report of Alpha every Monday morning" in page.inner_text("body")
    artifacts = os.path.dirname(screenshot("report-subscribed-client"))
    sub = ReportSubscription.objects.get(user__username="cleo")

    # when: Monday's report goes out
    assert reports.send_weekly_report(sub.pk, now=dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)) == "sent"
    link = re.search(r"https?://\S+/reports/unsubscribe/\S+/", mail.outbox[-1].body).group(0)
    # and she follows its link in another browser, not logged in
    context = page.context.browser.new_context()
    other = context.new_page()
    other.goto(live_server.url + "/" + link.split("/", 3)[3])
    # then: she is asked first, and the subscription is still there
    card = other.get_by_test_id("unsubscribe")
    assert "Stop the weekly report of Alpha" in card.inner_text()
    assert ReportSubscription.objects.filter(pk=sub.pk).exists()
    other.screenshot(path=os.path.join(artifacts, "report-unsubscribe-ask.png"), full_page=True)
    # when: she confirms
    other.get_by_test_id("confirm-unsubscribe").click()
    other.wait_for_load_state()
    # then: it is stopped
    assert "You will no longer get the weekly report of Alpha" in other.get_by_test_id("unsubscribe").inner_text()
    assert not ReportSubscription.objects.filter(pk=sub.pk).exists()
    other.screenshot(path=os.path.join(artifacts, "report-unsubscribe-done.png"), full_page=True)
    context.close()
