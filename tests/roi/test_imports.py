"""CSV imports: orders (bad rows listed, good rows imported, re-upload counted once) and
spend (on the campaign page and by campaign column)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from links import roi
from links.models import Conversion, Spend

pytestmark = pytest.mark.django_db

ORDERS = (
    "order_id,value,currency,occurred_at,click_id,utm_campaign\n"
    "C-1,25.00,EUR,2026-05-03T10:00:00Z,x010,\n"
    "C-2,abc,EUR,2026-05-03T10:00:00Z,,\n"
    "C-3,15.00,USD,2026-05-03T10:00:00Z,,\n"
    ",5.00,EUR,,,\n"
    "C-4,10.00,,2026-05-03,,spring-sale-2026\n"
)


def upload(text: str, name="orders.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_bad_order_rows_are_listed_and_the_good_ones_imported(roi_world):
    result = roi.import_orders(roi_world["ws"], upload(ORDERS))
    assert result.imported == 2 and result.repeated == 0
    lines = dict(result.errors)
    assert sorted(lines) == [3, 4, 5]
    assert lines[3].startswith("value:")
    assert "counts money in EUR" in lines[4]
    assert lines[5].startswith("order_id:")
    assert set(Conversion.objects.filter(source="csv").values_list("order_id", flat=True)) == {"C-1", "C-4"}
    assert Conversion.objects.get(order_id="C-1").campaign == roi_world["campaign"]
    # the same file again: nothing counted twice
    again = roi.import_orders(roi_world["ws"], upload(ORDERS))
    assert again.imported == 0 and again.repeated == 2 and len(again.errors) == 3
    assert Conversion.objects.filter(source="csv").count() == 2


def test_an_orders_file_without_its_columns_is_refused_whole(roi_world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Missing column"):
        roi.import_orders(roi_world["ws"], upload("id,amount\n1,2\n"))


def test_orders_page_shows_what_was_refused(client, roi_world):
    client.force_login(roi_world["owner"])
    response = client.post("/w/acme/links/orders/import/", {"file": upload(ORDERS)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "2</strong> orders imported" in page
    assert "Line 3: value:" in page and "Line 5: order_id:" in page
    response = client.post("/w/acme/links/orders/import/", {"file": upload("id\n1\n")})
    assert "Missing column(s): order_id, value" in response.content.decode()


def test_spend_csv_on_the_campaign_page(client, roi_world):
    client.force_login(roi_world["owner"])
    csv = "date,amount,note\n2026-05-03,30.00,Ads\n2026-13-01,10,\n2026-05-04,-4,\n2026-05-05,12.5,Boost\n"
    url = f"/w/acme/links/campaigns/{roi_world['campaign'].pk}/"
    response = client.post(url + "spend/import/", {"file": upload(csv, "spend.csv")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 3: date:" in page and "Line 4: amount: The amount cannot be negative." in page
    amounts = sorted(Spend.objects.filter(source="csv").values_list("amount", flat=True))
    assert amounts == [Decimal("12.50"), Decimal("30.00")]


def test_spend_csv_by_campaign_name(roi_world):
    csv = "campaign,date,amount\nSpring Sale 2026,2026-05-06,5\nNope,2026-05-06,5\n"
    result = roi.import_spend(roi_world["ws"], upload(csv))
    assert result.imported == 1
    assert result.errors == [(3, "campaign: no campaign named “Nope”.")]
    assert Spend.objects.filter(date=dt.date(2026, 5, 6)).count() == 1
