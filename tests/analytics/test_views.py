"""Dashboards, exports and subscriptions: what a person sees, and who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse

from analytics import reports
from analytics.models import ReportSubscription
from tests.html import external_resources

pytestmark = pytest.mark.django_db

WEEK = {"period": "week", "week": "2026-W10"}
PARIS_WED = dt.datetime(2026, 3, 4, 11, 0, tzinfo=dt.UTC)  # 12:00 in Paris


@pytest.fixture
def data(two_workspaces, make_account, publish, measure, followers):
    """Alpha (Paris) has an Instagram account with two measured posts in 2026-W10."""
    a = two_workspaces
    a["a"].time_zone = "Europe/Paris"
    a["a"].save()
    insta = make_account(a["brand_a"], "instagram", "@alpha_insta")
    first = publish(insta, PARIS_WED, text="Spring menu is here")
    second = publish(insta, PARIS_WED + dt.timedelta(days=1), text="Meet the baristas")
    measure(first, PARIS_WED + dt.timedelta(days=3), impressions=1000, reach=800, likes=40, comments=6, clicks=4)
    measure(second, PARIS_WED + dt.timedelta(days=3), impressions=500, likes=5)
    followers(insta, dt.date(2026, 3, 1), 2000)
    followers(insta, dt.date(2026, 3, 8), 2075)
    a["insta"] = insta
    return a


def url(name, ws, **query):
    from urllib.parse import urlencode

    base = reverse(f"analytics:{name}", kwargs={"ws": ws.slug})
    return f"{base}?{urlencode(query)}" if query else base


ALL_PAGES = ["dashboard", "overview", "export_figures", "export_posts", "report", "subscriptions"]


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_analytics_page_is_404_for_another_workspace(client, data, page):
    # given Bob, owner of Beta only
    client.force_login(data["owner_b"])
    # when he opens Alpha's analytics
    response = client.get(url(page, data["a"], **WEEK))
    # then it does not exist for him
    assert response.status_code == 404


@pytest.mark.parametrize("page", ALL_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, data, page):
    response = client.get(url(page, data["a"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_brand_of_another_workspace_in_the_filter_is_404(client, data, make_brand):
    other_brand = make_brand(data["b"], "Beta brand")
    client.force_login(data["owner_a"])
    for page in ("dashboard", "export_figures", "export_posts"):
        assert client.get(url(page, data["a"], brand=other_brand.pk, **WEEK)).status_code == 404


def test_a_client_can_read_the_dashboard_with_its_figures(client, data, make_member):
    # given a client login of Alpha
    viewer = make_member(data["a"], "client", username="client")
    client.force_login(viewer)

    # when it opens the brand dashboard of week 10
    response = client.get(url("dashboard", data["a"], brand=data["brand_a"].pk, **WEEK))

    # then it sees the KPI tiles: 1,500 impressions, 55 engagements, rate 55/1500 = 3.67%, +75 followers
    assert response.status_code == 200
    page = response.content.decode()
    assert "Week 10, 02 Mar – 08 Mar 2026" in page
    assert "1,500" in page and "3.67%" in page and "+75" not in page  # growth shows as a figure, deltas as %
    tiles = {t["key"]: t for t in response.context["tiles"]}
    assert tiles["engagements"]["display"] == "55"
    assert tiles["follower_growth"]["display"] == "75"
    assert tiles["engagement_rate"]["display"] == "3.67%"
    assert "How is this computed?" in page
    assert "Spring menu is here" in page  # the top post
    # the Mastodon account of the brand has no posts: nothing is left out
    assert response.context["board"].left_out["cur"] == 0
    # and plotly comes from this server, never a CDN: its partial bundle, not the 4.8 MB full one
    assert '<script src="/static/vendor/plotly/plotly-cartesian.min.js">' in page
    assert "plotly.min.js" not in page
    assert external_resources(page) == []


def test_an_unreadable_period_is_explained_and_the_default_shown(client, data):
    client.force_login(data["owner_a"])
    response = client.get(url("dashboard", data["a"], period="week", week="2026-W99"), follow=True)
    assert response.status_code == 200
    assert "Week 2026-W99 does not exist" in response.content.decode()


def test_the_figures_csv_has_one_line_per_network_and_kpi(client, data):
    client.force_login(data["owner_a"])

    response = client.get(url("export_figures", data["a"], **WEEK))

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="kpis_alpha_2026-03-02_2026-03-08.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    total = {row["kpi"]: row for row in rows if row["network"] == "all"}
    assert total["Impressions"]["value"] == "1500"
    assert total["Engagement rate"]["value"] == "3.67"  # 55 / 1500 in percent
    assert total["Engagement rate"]["unit"] == "percent"
    assert total["Follower growth"]["value"] == "75"
    assert total["Posts published"]["previous_value"] == "0"
    # the brand's Mastodon account has a row too (no posts: empty figures)
    assert {row["network"] for row in rows} == {"all", "Instagram", "Mastodon"}


def test_the_posts_csv_lists_each_post_with_its_latest_figures(client, data):
    client.force_login(data["owner_a"])

    response = client.get(url("export_posts", data["a"], **WEEK))

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["text"] for row in rows] == ["Spring menu is here", "Meet the baristas"]
    first = rows[0]
    # published at 11:00 UTC = 12:00 in Paris (the workspace's zone, named in the header)
    assert first["published_at (Europe/Paris)"] == "2026-03-04 12:00"
    assert (first["impressions"], first["reach"], first["likes"], first["clicks"]) == ("1000", "800", "40", "4")
    assert first["saves"] == ""  # not reported stays empty, not 0
    assert first["engagements"] == "50"
    assert first["engagement_rate_pct"] == "5.00"
    assert first["network"] == "Instagram"


def test_the_agency_overview_lists_brands_and_the_users_workspaces(client, data, make_member):
    # given Alice also belongs to Beta
    make_member(data["b"], "manager", user=data["owner_a"])
    client.force_login(data["owner_a"])

    response = client.get(url("overview", data["a"], **WEEK))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Alpha Brand" in page
    assert [row["workspace"].slug for row in response.context["workspaces"]] == ["alpha", "beta"]
    # and the brands are compared in a chart: 50 + 5 engagements on 1,500 impressions, none before
    bars, previous, rate = response.context["charts"]["brands"]["data"]
    assert (bars["x"], bars["y"], previous["y"]) == (["Alpha Brand"], [55], [0])
    assert rate["y"] == [3.67]
    assert 'data-chart="brands"' in page


def test_an_overview_with_nothing_measured_says_so(client, two_workspaces):
    client.force_login(two_workspaces["owner_a"])
    response = client.get(url("overview", two_workspaces["a"], **WEEK))
    assert response.context["charts"]["brands"] is None
    assert "No posts measured in this period or the previous one." in response.content.decode()


def test_managers_subscribe_to_the_weekly_email_and_it_goes_out_on_monday_morning(client, data):
    # given Alice subscribes to Alpha's weekly report
    client.force_login(data["owner_a"])
    response = client.post(url("subscribe", data["a"]), {"brand": ""}, follow=True)
    assert "every Monday morning" in response.content.decode()
    sub = ReportSubscription.objects.get(user=data["owner_a"])

    # when the beat runs on Monday 9 March at 05:30 UTC (06:30 in Paris): too early
    assert reports.due_subscriptions(dt.datetime(2026, 3, 9, 5, 30, tzinfo=dt.UTC)) == []
    # and at 06:10 UTC (07:10 in Paris) it is due, and is sent once
    monday = dt.datetime(2026, 3, 9, 6, 10, tzinfo=dt.UTC)
    assert reports.due_subscriptions(monday) == [sub.pk]
    assert reports.send_weekly_report(sub.pk, now=monday) == "sent"
    assert reports.send_weekly_report(sub.pk, now=monday) == "not_due"

    # then the email has the week's figures in plain text and HTML
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "Week 10" in message.subject
    assert "Impressions: 1,500" in message.body
    assert "Spring menu is here" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "1,500" in html


def test_the_printable_report_has_the_charts(client, data):
    client.force_login(data["owner_a"])
    response = client.get(url("report", data["a"], **WEEK))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-chart="trend"' in page and 'id="chart-data"' in page


@pytest.mark.browser
def test_the_pdf_report_is_printed_by_chromium_with_its_charts(client, data):
    # given the figures of week 10
    client.force_login(data["owner_a"])

    # when the PDF is asked for
    response = client.get(url("report", data["a"], format="pdf", **WEEK))

    # then a PDF comes back as a download
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 20_000  # charts and tiles, not an empty page


def test_without_chromium_the_pdf_button_explains_what_is_missing(client, data, monkeypatch):
    from analytics import pdf

    monkeypatch.setattr(pdf, "chromium_path", lambda: None)
    client.force_login(data["owner_a"])

    response = client.get(url("report", data["a"], format="pdf", **WEEK), follow=True)

    assert "PDF export needs Chromium" in response.content.decode()
