"""Weekly report subscriptions: every member (clients too) subscribes and unsubscribes
themselves, nobody else; each report email carries an unsubscribe link that works without
logging in."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from analytics import reports
from analytics.models import ReportSubscription

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 9, 6, 10, tzinfo=dt.UTC)  # 07:10 in Paris


@pytest.fixture
def alpha(two_workspaces, make_member):
    data = two_workspaces
    data["a"].time_zone = "Europe/Paris"
    data["a"].save()
    data["client_a"] = make_member(data["a"], "client", username="cleo")
    data["editor_a"] = make_member(data["a"], "editor", username="eddie")
    return data


def url(name, ws, **kwargs):
    return reverse(f"analytics:{name}", kwargs={"ws": ws.slug, **kwargs})


def text_of(response):
    return html.unescape(strip_tags(response.content.decode()))


def test_a_client_subscribes_and_unsubscribes_herself(client, alpha):
    # given: Cleo, a client of Alpha, on the weekly email page
    client.force_login(alpha["client_a"])
    page = client.get(url("subscriptions", alpha["a"])).content.decode()
    assert "cleo@example.com" in page and 'data-testid="subscribe"' in page
    # when: she subscribes to the whole workspace's report
    response = client.post(url("subscribe", alpha["a"]), {"brand": ""}, follow=True)
    # then: she gets it, and the page says so
    assert "You will get the weekly report of Alpha every Monday morning" in text_of(response)
    sub = ReportSubscription.objects.get(workspace=alpha["a"])
    assert sub.user == alpha["client_a"] and sub.brand is None
    # when: she unsubscribes
    response = client.post(url("unsubscribe", alpha["a"], subscription_id=sub.pk), follow=True)
    # then: it is gone
    assert "Unsubscribed from the weekly report." in text_of(response)
    assert not ReportSubscription.objects.exists()


def test_an_editor_subscribes_to_one_brand(client, alpha):
    client.force_login(alpha["editor_a"])
    client.post(url("subscribe", alpha["a"]), {"brand": alpha["brand_a"].pk})
    assert ReportSubscription.objects.get().brand == alpha["brand_a"]


def test_a_client_cannot_subscribe_or_unsubscribe_someone_else(client, alpha):
    # given: the owner gets the report
    owners = ReportSubscription.objects.create(workspace=alpha["a"], user=alpha["owner_a"])
    client.force_login(alpha["client_a"])
    # when: the client posts the owner as the subscriber (a hand-made form)
    client.post(url("subscribe", alpha["a"]), {"brand": alpha["brand_a"].pk, "user": alpha["owner_a"].pk})
    # then: only her own address was subscribed
    assert list(ReportSubscription.objects.filter(brand=alpha["brand_a"]).values_list("user__username", flat=True)) == [
        "cleo"
    ]
    # and the owner's subscription is not hers to remove
    assert client.post(url("unsubscribe", alpha["a"], subscription_id=owners.pk)).status_code == 404
    assert ReportSubscription.objects.filter(pk=owners.pk).exists()


def test_subscribing_without_an_email_address_says_so(client, alpha):
    alpha["client_a"].email = ""
    alpha["client_a"].save()
    client.force_login(alpha["client_a"])
    response = client.post(url("subscribe", alpha["a"]), {"brand": ""}, follow=True)
    assert "Your account has no email address" in text_of(response)
    assert not ReportSubscription.objects.exists()


def _send_report(alpha, user):
    sub = ReportSubscription.objects.create(workspace=alpha["a"], user=user)
    assert reports.send_weekly_report(sub.pk, now=MONDAY) == "sent"
    return sub, mail.outbox[-1]


def test_the_clients_report_email_has_an_unsubscribe_link_that_works(alpha):
    # given: Cleo's weekly report went out
    sub, message = _send_report(alpha, alpha["client_a"])
    assert message.to == ["cleo@example.com"]
    links = re.findall(r"https?://\S+/reports/unsubscribe/\S+/", message.body)
    assert len(links) == 1
    html_body, _ = message.alternatives[0]
    assert links[0] in html.unescape(html_body)
    # and mail programs get the one-click header (RFC 8058)
    assert message.extra_headers["List-Unsubscribe"] == f"<{links[0]}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = "/" + links[0].split("/", 3)[3]
    # when: she opens the link, not logged in
    visitor = Client()
    page = text_of(visitor.get(path))
    # then: she is asked to confirm (a link scanner's GET changes nothing)
    assert "Stop the weekly report of Alpha" in page and "c…@example.com" in page
    assert ReportSubscription.objects.filter(pk=sub.pk).exists()
    # when: she confirms
    response = visitor.post(path)
    # then: the subscription is gone and the page says so
    assert response.status_code == 200
    assert "You will no longer get the weekly report of Alpha" in text_of(response)
    assert not ReportSubscription.objects.filter(pk=sub.pk).exists()
    # and the link used again says it is already done
    assert "already unsubscribed" in text_of(visitor.get(path))


def test_a_mail_programs_one_click_unsubscribe_works_without_a_csrf_token(alpha):
    sub, message = _send_report(alpha, alpha["owner_a"])
    path = "/" + message.extra_headers["List-Unsubscribe"].strip("<>").split("/", 3)[3]
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not ReportSubscription.objects.filter(pk=sub.pk).exists()


def test_a_forged_unsubscribe_link_does_nothing(alpha):
    sub = ReportSubscription.objects.create(workspace=alpha["a"], user=alpha["owner_a"])
    good = reports.unsubscribe_url(sub)
    forged = good.replace(good.rstrip("/").rsplit("/", 1)[1], f"{sub.pk}:forged")
    path = "/" + forged.split("/", 3)[3]
    assert Client().post(path).status_code == 404
    assert ReportSubscription.objects.filter(pk=sub.pk).exists()
