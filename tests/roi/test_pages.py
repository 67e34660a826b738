"""The campaign page, its forms, the money settings, the dashboard card, the report, the
CSV export and the API figures: the hand-worked figures of tests/roi/conftest.py wherever
they are shown, and one workspace never sees another's."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from links.models import Spend


def text_of(html: str) -> str:
    """The page's words, one space between them (tags, scripts and styles dropped)."""
    import re

    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


pytestmark = pytest.mark.django_db


def page_url(world, suffix=""):
    return f"/w/acme/links/campaigns/{world['campaign'].pk}/{suffix}"


@pytest.fixture
def owner_client(client, roi_world):
    client.force_login(roi_world["owner"])
    return client


def test_campaign_page_shows_the_figures_with_their_definitions(owner_client, roi_world):
    response = owner_client.get(page_url(roi_world))
    assert response.status_code == 200
    text = text_of(response.content.decode())
    assert "120.00 EUR spent of 500.00 EUR (24%)" in text
    for shown in ("Impressions 3,000", "Clicks 60 CTR: 2.0%", "Conversions 4 Conversion rate: 6.7%",
                  "Revenue 200.00 EUR"):  # fmt: skip
        assert shown in text, shown
    for shown in ("Cost per click 2.00 EUR Spend ÷ own clicks.", "Cost per acquisition 30.00 EUR",
                  "ROAS 1.67× Revenue ÷ spend.", "ROI 66.7% (Revenue − spend) ÷ spend."):  # fmt: skip
        assert shown in text, shown
    assert "Conversions are credited to the last tracked click within 30 days" in text
    assert "A-1" in text and "click x001 within 30 days" in text and "utm_campaign spring-sale-2026" in text
    assert "Boost" in text


def test_campaign_page_without_spend_or_clicks_shows_dashes(owner_client, roi_world):
    from posts.models import Campaign

    empty = Campaign.objects.create(workspace=roi_world["ws"], name="Quiet")
    text = text_of(owner_client.get(f"/w/acme/links/campaigns/{empty.pk}/").content.decode())
    assert "0.00 EUR spent · no budget set." in text
    assert "ROI — " in text and "Cost per click — " in text and "CTR: —" in text


def test_over_budget_is_said(owner_client, roi_world):
    roi_world["campaign"].budget = Decimal("100")
    roi_world["campaign"].save()
    text = text_of(owner_client.get(page_url(roi_world)).content.decode())
    assert "120.00 EUR spent of 100.00 EUR (100%) · over budget" in text


def test_spend_form_keeps_what_was_typed_on_an_error(owner_client, roi_world):
    response = owner_client.post(
        page_url(roi_world, "spend/"), {"date": "2026-05-09", "amount": "12,50€", "note": "Ads"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give an amount like 49.90" in html
    assert 'value="12,50€"' in html and 'value="Ads"' in html
    response = owner_client.post(
        page_url(roi_world, "spend/"), {"date": "2026-05-09", "amount": "12.50", "note": "Ads"}
    )
    assert response.status_code == 302
    assert Spend.objects.filter(note="Ads", amount=Decimal("12.50")).exists()


def test_budget_and_spend_removal(owner_client, roi_world):
    assert owner_client.post(page_url(roi_world, "budget/"), {"budget": "-3"}).status_code == 400
    assert owner_client.post(page_url(roi_world, "budget/"), {"budget": "750.00"}).status_code == 302
    roi_world["campaign"].refresh_from_db()
    assert roi_world["campaign"].budget == Decimal("750.00")
    entry = Spend.objects.get(note="Boost")
    assert owner_client.post(page_url(roi_world, "spend/delete/"), {"spend": entry.pk}).status_code == 302
    assert not Spend.objects.filter(pk=entry.pk).exists()


def test_another_workspace_cannot_see_or_touch_the_campaign(client, roi_world, make_workspace, make_member):
    beta = make_workspace("Beta")
    stranger = make_member(beta, "owner", username="stranger")
    client.force_login(stranger)
    assert client.get(page_url(roi_world)).status_code == 404
    # their own workspace's URL with this campaign's id
    assert client.get(f"/w/{beta.slug}/links/campaigns/{roi_world['campaign'].pk}/").status_code == 404
    entry = Spend.objects.get(note="Boost")
    url = f"/w/{beta.slug}/links/campaigns/{roi_world['campaign'].pk}/spend/delete/"
    assert client.post(url, {"spend": entry.pk}).status_code == 404
    assert Spend.objects.filter(pk=entry.pk).exists()


def test_money_settings_show_the_secret_once(owner_client, roi_world):
    from links import roi

    assert 'href="/w/acme/links/money/"' in owner_client.get("/w/acme/links/settings/").content.decode()

    page = owner_client.post("/w/acme/links/money/", {"rotate": "1"}).content.decode()
    key = roi.settings_for(roi_world["ws"]).signing_secret
    assert key.startswith("cvsec_") and key in page
    assert key not in owner_client.get("/w/acme/links/money/").content.decode()
    response = owner_client.post("/w/acme/links/money/", {"currency": "eur", "attribution_days": "0"})
    assert "Between 1 and 365 days." in response.content.decode()
    assert owner_client.post("/w/acme/links/money/", {"currency": "eur", "attribution_days": "14"}).status_code == 302
    settings = roi.settings_for(roi_world["ws"])
    assert (settings.currency, settings.attribution_days) == ("EUR", 14)


def test_a_new_workspace_chooses_its_currency(client, make_workspace, make_member):
    from links import roi

    beta = make_workspace("Beta")
    client.force_login(make_member(beta, "owner", username="bo"))
    assert client.post(f"/w/{beta.slug}/links/money/", {"currency": "usd", "attribution_days": "7"}).status_code == 302
    assert roi.settings_for(beta).currency == "USD"


def test_the_currency_cannot_change_once_amounts_exist(owner_client, roi_world):
    from links import roi

    response = owner_client.post("/w/acme/links/money/", {"currency": "USD", "attribution_days": "30"})
    assert response.status_code == 200
    assert "already holds conversions or spend in EUR" in response.content.decode()
    assert 'value="USD"' in response.content.decode()
    assert roi.settings_for(roi_world["ws"]).currency == "EUR"


def test_dashboard_card_states_the_rule(owner_client, roi_world):
    response = owner_client.get("/w/acme/analytics/?period=custom&start=2026-05-01&end=2026-05-31")
    text = text_of(response.content.decode())
    assert "What campaigns earned" in text
    assert "credited to the last tracked click within 30 days" in text
    assert "Spring Sale 2026 60 4 200.00 EUR 120.00 EUR 66.7%" in text
    assert "ROI : (Revenue − spend) ÷ spend." in text  # the label is bold: a tag between


def test_report_carries_the_card(owner_client, roi_world):
    response = owner_client.get("/w/acme/analytics/report/?period=custom&start=2026-05-01&end=2026-05-31")
    text = text_of(response.content.decode())
    assert "What campaigns earned" in text and "Spring Sale 2026 60 4 200.00 EUR 120.00 EUR 66.7%" in text


def test_campaigns_csv(owner_client, roi_world):
    response = owner_client.get("/w/acme/analytics/export/campaigns.csv?period=custom&start=2026-05-01&end=2026-05-31")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        {
            "campaign": "Spring Sale 2026",
            "currency": "EUR",
            "budget": "500.00",
            "impressions": "3000",
            "clicks": "60",
            "unique_clicks": "50",
            "ctr_own_pct": "2.00",
            "conversions": "4",
            "conversion_rate_pct": "6.67",
            "revenue": "200.00",
            "spend": "120.00",
            "cpc": "2.00",
            "cpa": "30.00",
            "roas": "1.67",
            "roi_pct": "66.67",
        }
    ]


def test_api_figures(roi_world, client):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(roi_world["owner"])
    data = api.get("/api/v1/workspaces/acme/campaigns/figures/").json()
    assert data["currency"] == "EUR" and "30 days" in data["attribution"]
    [row] = data["campaigns"]
    assert (row["clicks"], row["cpc"], row["roas"], row["roi"], row["budget"]) == (
        "60",
        "2.00",
        "1.6667",
        "0.6667",
        "500.00",
    )
    detail = api.get(f"/api/v1/workspaces/acme/campaigns/{roi_world['campaign'].pk}/figures/").json()
    assert detail["figures"]["cpa"] == "30.00"
    networks = {r["key"]: r for r in detail["by_network"]}
    assert networks["x"]["clicks"] == "40" and networks["x"]["cpc"] is None
    bad = api.get("/api/v1/workspaces/acme/campaigns/figures/?start=May")
    assert bad.status_code == 400 and bad.json() == {"start": ["Give a date like 2026-05-04."]}
    assert api.get("/api/v1/workspaces/acme/campaigns/999999/figures/").status_code == 404


def test_the_pdf_report_carries_the_figures(owner_client, roi_world):
    import io
    import unicodedata

    from pypdf import PdfReader

    response = owner_client.get("/w/acme/analytics/report/?period=custom&start=2026-05-01&end=2026-05-31&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    # NFKC: the PDF's font sets "fi" as one ligature glyph
    text = unicodedata.normalize("NFKC", " ".join(" ".join(page.extract_text() for page in pages).split()))
    assert "What campaigns earned" in text
    assert "last tracked click within 30 days" in text
    card = text[text.index("What campaigns earned") : text.index("How the figures are computed")]
    # the table's cells (a narrow column's words may wrap over lines)
    for shown in ("Spring Sale", "60", "4", "200.00", "120.00", "66.7%", "ROI: (Revenue − spend) ÷ spend."):
        assert shown in card.split() or shown in card, shown
