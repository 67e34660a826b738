"""A manager opens a campaign from the campaigns list: spend vs budget, the funnel and the
figures with their definitions; adds spend (a typo first, kept and explained), uploads a
spend CSV with a bad row (listed), and sees the ROI move. Desktop and a 390 px phone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from links.models import Spend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaign_page(page, live_server, login, screenshot, roi_world, tmp_path):
    login("olive")
    page.goto(f"{live_server.url}/w/acme/posts/campaigns/")
    page.get_by_test_id("campaign-page").click()
    expect(page.get_by_test_id("budget")).to_contain_text("120.00 EUR spent of 500.00 EUR (24%)")
    funnel = page.get_by_test_id("funnel")
    expect(funnel.locator("[data-step=impressions]")).to_contain_text("3,000")
    expect(funnel.locator("[data-step=clicks]")).to_contain_text("CTR: 2.0%")
    expect(funnel.locator("[data-step=conversions]")).to_contain_text("Conversion rate: 6.7%")
    expect(funnel.locator("[data-step=revenue]")).to_contain_text("200.00 EUR")
    figures = page.get_by_test_id("figures")
    expect(figures.locator("[data-figure=roi]")).to_contain_text("66.7%")
    expect(figures.locator("[data-figure=roi]")).to_contain_text("(Revenue − spend) ÷ spend.")
    expect(figures.locator("[data-figure=roas]")).to_contain_text("1.67×")
    expect(page.get_by_test_id("attribution-rule")).to_contain_text("last tracked click within 30 days")
    expect(page.get_by_test_id("network-row")).to_have_count(3)
    expect(page.get_by_test_id("conversion-row")).to_have_count(4)
    screenshot("roi-campaign-desktop")

    # a typo: refused in words, what was typed is still there
    form = page.get_by_test_id("spend-form")
    form.locator("input[name=date]").fill("2026-05-03")
    form.locator("input[name=amount]").fill("80 €")
    form.locator("input[name=note]").fill("Ads week 2")
    form.get_by_role("button", name="Add spend").click()
    form = page.get_by_test_id("spend-form")
    expect(form).to_contain_text("Give an amount like 49.90")
    expect(form.locator("input[name=note]")).to_have_value("Ads week 2")
    form.locator("input[name=amount]").fill("80.00")
    form.get_by_role("button", name="Add spend").click()
    expect(page.get_by_test_id("budget")).to_contain_text("200.00 EUR spent of 500.00 EUR (40%)")
    # (200 - 200) / 200
    expect(page.get_by_test_id("figures").locator("[data-figure=roi]")).to_contain_text("0.0%")

    # a CSV with one bad row: the good one is imported, the bad one listed
    spend_csv = tmp_path / "spend.csv"
    spend_csv.write_text("date,amount,note\n2026-05-04,50.00,Boost 2\n2026-05-05,lots,\n")
    upload = page.get_by_test_id("spend-upload")
    upload.locator("input[type=file]").set_input_files(str(spend_csv))
    upload.get_by_role("button", name="Upload").click()
    expect(page.get_by_test_id("upload-errors")).to_contain_text("Line 3: amount:")
    expect(page.get_by_test_id("budget")).to_contain_text("250.00 EUR spent")
    assert sorted(Spend.objects.values_list("amount", flat=True)) == [
        Decimal("40.00"), Decimal("50.00"), Decimal("80.00"), Decimal("80.00")
    ]  # fmt: skip
    screenshot("roi-campaign-after-spend")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/w/acme/links/campaigns/{roi_world['campaign'].pk}/")
    expect(page.get_by_test_id("funnel")).to_be_visible()
    # nothing wider than the phone: tables scroll inside their cards
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot("roi-campaign-phone")

    # the dashboard card
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(f"{live_server.url}/w/acme/analytics/?period=custom&start=2026-05-01&end=2026-05-31")
    card = page.get_by_test_id("money-card")
    expect(card).to_contain_text("last tracked click within 30 days")
    expect(card.get_by_test_id("money-row")).to_contain_text("Spring Sale 2026")
    card.scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/roi-dashboard-card.png", clip=card.bounding_box())
