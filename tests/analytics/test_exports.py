"""The CSV exports as a spreadsheet user reads them: whole numbers without ".0", rates as
percentages with two decimals, ISO dates and times in a named time zone, an empty cell
for what a network did not report, and every column documented."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
import re

import pytest
from django.urls import reverse

from analytics import exports

pytestmark = pytest.mark.django_db

WEEK = {"period": "week", "week": "2026-W10"}
WED = dt.datetime(2026, 3, 4, 11, 0, tzinfo=dt.UTC)
INTEGER = re.compile(r"-?\d+")
PERCENT = re.compile(r"-?\d+\.\d{2}")
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "exports.md"


@pytest.fixture
def data(two_workspaces, make_account, publish, measure, followers):
    """Alpha (New York) has a Mastodon account: one post with impressions, one without."""
    a = two_workspaces
    a["a"].time_zone = "America/New_York"
    a["a"].save()
    account = a["account_a"]
    first = publish(account, WED, text="Spring menu is here")
    second = publish(account, WED + dt.timedelta(days=1), text="=1+1 is our new blend")
    measure(first, WED + dt.timedelta(days=3), impressions=1000, reach=800, likes=40, comments=6, clicks=4)
    measure(second, WED + dt.timedelta(days=3), likes=5)  # this network reported no impressions
    followers(account, dt.date(2026, 3, 1), 2000)
    followers(account, dt.date(2026, 3, 8), 2075)
    return a


def download(client, name, ws) -> tuple[list[str], list[dict]]:
    response = client.get(reverse(f"analytics:{name}", kwargs={"ws": ws.slug}), WEEK)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    # a byte-order mark, so Excel reads accents and emoji as UTF-8
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    rows = list(reader)
    for row in rows:
        assert not {"None", "nan", "NaN", "<NA>"} & set(row.values()), row
    return reader.fieldnames, rows


def test_the_posts_csv_reads_as_a_spreadsheet_expects(client, data):
    client.force_login(data["owner_a"])

    header, rows = download(client, "export_posts", data["a"])

    # times in the workspace's zone, the zone named in the header
    assert header[0] == "published_at (America/New_York)"
    assert "measured_at (America/New_York)" in header
    assert header[-1] == "engagement_rate_pct"
    first, second = rows
    # 11:00 UTC on 4 March is 06:00 in New York
    assert first["published_at (America/New_York)"] == "2026-03-04 06:00"
    assert LOCAL_TIME.fullmatch(first["measured_at (America/New_York)"])
    for column in ("impressions", "reach", "likes", "comments", "clicks", "engagements"):
        assert INTEGER.fullmatch(first[column]), (column, first[column])
    assert (first["impressions"], first["likes"], first["engagements"]) == ("1000", "40", "50")
    # 50 / 1000 = 5 %
    assert first["engagement_rate_pct"] == "5.00"
    assert first["saves"] == ""  # not reported: empty, not 0
    # the post without impressions has no rate, and its own counts are still whole numbers
    assert second["impressions"] == "" and second["engagement_rate_pct"] == ""
    assert second["likes"] == "5"
    # a text a spreadsheet would run as a formula stays text; a handle stays as it is
    assert second["text"] == "'=1+1 is our new blend"
    assert second["account"] == "@alpha"


def test_the_figures_csv_reads_as_a_spreadsheet_expects(client, data):
    client.force_login(data["owner_a"])

    header, rows = download(client, "export_figures", data["a"])

    assert header == [column.name for column in exports.FIGURE_COLUMNS]
    total = {row["kpi"]: row for row in rows if row["network"] == "all"}
    assert total["Impressions"]["unit"] == "count"
    assert total["Impressions"]["value"] == "1000"
    assert total["Follower growth"]["value"] == "75"
    assert total["Posts published"]["previous_value"] == "0"
    assert total["Engagement rate"]["unit"] == "percent"
    assert total["Engagement rate"]["value"] == "5.00"  # 50 / 1000 over the post that reports impressions
    assert total["Engagement rate"]["previous_value"] == ""  # nothing measured the week before
    assert total["Engagement rate"]["change"] == ""
    for row in rows:
        for column in ("period_start", "period_end", "previous_period_start", "previous_period_end"):
            assert DATE.fullmatch(row[column])
        pattern = {"count": INTEGER, "seconds": INTEGER, "percent": PERCENT}[row["unit"]]
        for column in ("value", "previous_value", "change"):
            assert row[column] == "" or pattern.fullmatch(row[column]), (row["kpi"], column, row[column])
        assert row["change_pct"] == "" or PERCENT.fullmatch(row["change_pct"])
    assert total["Impressions"]["period_start"] == "2026-03-02"


def test_an_empty_period_gives_the_header_only(client, data):
    client.force_login(data["owner_a"])
    response = client.get(
        reverse("analytics:export_posts", kwargs={"ws": data["a"].slug}), {"period": "week", "week": "2025-W10"}
    )
    lines = response.content.decode("utf-8").removeprefix("\ufeff").splitlines()
    assert lines == [",".join(exports.header(exports.POST_COLUMNS, data["a"].tz))]


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (12.0, "integer", "12"),
        (-3.0, "integer", "-3"),
        (None, "integer", ""),
        (float("nan"), "integer", ""),
        (0.0345, "percent", "3.45"),
        (-0.000001, "percent", "0.00"),
        (None, "percent", ""),
        (dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), "datetime", "2026-07-02 01:30"),
        (dt.date(2026, 3, 2), "date", "2026-03-02"),
        (90.4, "seconds", "90"),
        ("@acme_coffee", "text", "@acme_coffee"),
        ("- new menu", "text", "- new menu"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "text", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ('+HYPERLINK("https://x.example")', "text", '\'+HYPERLINK("https://x.example")'),
        ("Spring menu", "text", "Spring menu"),
    ],
)
def test_each_kind_of_cell_has_one_form(value, kind, shown):
    import zoneinfo

    assert exports.cell(value, kind, zoneinfo.ZoneInfo("Europe/Paris")) == shown


def test_every_column_is_documented_with_its_unit():
    docs = DOCS.read_text()
    for column in (*exports.POST_COLUMNS, *exports.FIGURE_COLUMNS):
        lines = [line for line in docs.splitlines() if line.startswith(f"| `{column.name}`")]
        assert any(column.meaning in line for line in lines), f"{column.name} is not explained in docs/exports.md"
