"""A manager connects Google Analytics 4 on the money settings (a wrong file first: refused
in words, the property id kept), sees the account it connected with and the last pull's
result, chooses GA4 as the source of revenue and conversions, and reads the campaign page:
GA4's figures per source beside ours, and the ROI on GA4's revenue (hand-worked in
tests/roi/test_ga4_pages.py: ROI 100.0%, ROAS 2.00×)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from links.models import Ga4Connection
from tests.roi.test_ga4_pages import ga4_rows
from tests.roi.test_ga4_pull import EMAIL, service_key  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_ga4_and_use_its_revenue(
    page,
    live_server,
    login,
    screenshot,
    roi_world,
    service_key,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    from links import tasks

    monkeypatch.setattr(tasks.ga4_pull, "delay", lambda connection_id: None)  # no Google here
    login("olive")
    page.goto(f"{live_server.url}/w/acme/links/money/")
    section = page.get_by_test_id("ga4")
    expect(section).to_contain_text("Google Analytics 4")

    # a wrong file: refused in words, the property id still typed
    wrong = tmp_path / "client_secret.json"
    wrong.write_text(json.dumps({"installed": {"client_id": "x.apps.googleusercontent.com"}}))
    form = page.get_by_test_id("ga4-form")
    form.locator("input[name=property_id]").fill("123456789")
    form.locator("input[name=key_file]").set_input_files(str(wrong))
    form.get_by_role("button", name="Connect").click()
    expect(page.get_by_test_id("ga4-form")).to_contain_text("not a service account key")
    expect(page.get_by_test_id("ga4-form").locator("input[name=property_id]")).to_have_value("123456789")
    screenshot("ga4-wrong-key")

    # the service account's key
    good = tmp_path / "acme-analytics-0f1e2d.json"
    good.write_text(json.dumps(service_key))
    form = page.get_by_test_id("ga4-form")
    form.locator("input[name=key_file]").set_input_files(str(good))
    form.get_by_role("button", name="Connect").click()
    expect(page.get_by_test_id("ga4-email")).to_have_text(EMAIL)
    assert service_key["private_key"].splitlines()[1] not in page.content()

    # what a pull left (rows of 3 May; the pull itself is tested against recorded answers)
    ga4_rows(roi_world)
    Ga4Connection.objects.filter(workspace=roi_world["ws"]).update(
        last_pull_at=timezone.now(), last_pull_ok=True, last_result="2 campaign rows for 4 Feb 2026–4 May 2026."
    )
    page.reload()
    expect(page.get_by_test_id("ga4-last-result")).to_contain_text("2 campaign rows")
    page.get_by_test_id("money-form").get_by_label("Google Analytics 4").check()
    page.get_by_test_id("money-form").get_by_role("button", name="Save").click()
    screenshot("ga4-connected")

    page.goto(f"{live_server.url}/w/acme/links/campaigns/{roi_world['campaign'].pk}/")
    expect(page.get_by_test_id("attribution-rule")).to_contain_text("Google Analytics 4's key events")
    figures = page.get_by_test_id("figures")
    expect(figures.locator("[data-figure=roi]")).to_contain_text("100.0%")
    expect(figures.locator("[data-figure=roas]")).to_contain_text("2.00×")
    expect(figures.locator("[data-figure=conversions]")).to_contain_text("GA4 key events")
    expect(page.get_by_test_id("ga4-row")).to_have_count(2)
    expect(page.get_by_test_id("ga4-total")).to_contain_text("240.00 EUR")
    page.get_by_test_id("ga4-figures").scroll_into_view_if_needed()
    screenshot("ga4-campaign")
