"""Reads, media, campaigns, slots, calendar, KPIs and inbox through the API: happy path,
field errors, role rights and tenancy."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, format="PNG")
    return out.getvalue()


def upload(name="spring.png", data=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type="image/png")


def test_workspaces_brands_accounts_members(api, world):
    client = api()
    assert client.get("/api/v1/workspaces/acme/").json()["role"] == "owner"
    brands = client.get(url("brands/")).json()["results"]
    assert [b["name"] for b in brands] == ["Acme Coffee"]
    assert client.get(url(f"brands/{world['brand'].pk}/")).json()["time_zone"] == "Europe/Paris"
    assert client.get(url(f"brands/{world['other_brand'].pk}/")).status_code == 404
    accounts = client.get(url("accounts/")).json()["results"]
    assert {a["handle"] for a in accounts} == {"@acme", "@acme2"}
    assert all("credentials" not in a for a in accounts)
    assert "secret-token-value" not in client.get(url("accounts/")).content.decode()
    assert client.get(url("accounts/"), {"network": "bluesky"}).json()["results"] == []
    assert client.get(url(f"accounts/{world['other_account'].pk}/")).status_code == 404
    members = client.get(url("members/")).json()["results"]
    assert [m["username"] for m in members] == ["owner"]


def test_media_upload_happy_invalid_and_rights(api, world):
    client = api()
    response = client.post(url("media/"), {"file": upload(), "alt_text": "An orange square"}, format="multipart")
    assert response.status_code == 201, response.content
    asset = response.json()
    assert asset["mime_type"] == "image/png" and asset["width"] == 40 and asset["url"].startswith("http")
    assert client.get(url(f"media/{asset['id']}/")).json()["alt_text"] == "An orange square"
    # not an image: a field error in plain words
    response = client.post(url("media/"), {"file": upload("x.png", b"not an image")}, format="multipart")
    assert response.status_code == 400 and "not an image" in response.json()["file"][0]
    # no file
    assert "file" in client.post(url("media/"), {}, format="multipart").json()
    # a client cannot upload
    assert api("client").post(url("media/"), {"file": upload()}, format="multipart").status_code == 403
    # another workspace cannot see it
    stranger = api(user=world["other_owner"], workspace=world["other"])
    assert stranger.get(url(f"media/{asset['id']}/", ws="other")).status_code == 404


def test_media_upload_is_idempotent(api, world):
    from posts.models import MediaAsset

    client = api()
    first = client.post(url("media/"), {"file": upload()}, format="multipart", HTTP_IDEMPOTENCY_KEY="img-1")
    second = client.post(url("media/"), {"file": upload()}, format="multipart", HTTP_IDEMPOTENCY_KEY="img-1")
    assert first.json()["id"] == second.json()["id"]
    assert MediaAsset.objects.count() == 1


def test_post_with_uploaded_media(api, world):
    client = api()
    asset = client.post(url("media/"), {"file": upload()}, format="multipart").json()
    data = {"brand": world["brand"].pk, "accounts": [world["accounts"][0].pk], "text": "pic", "media": [asset["id"]]}
    assert client.post(url("posts/"), data, format="json").json()["media"] == [asset["id"]]


def test_campaigns(api, world):
    client = api()
    data = {"name": "Spring launch", "starts_on": "2026-03-01", "ends_on": "2026-03-31"}
    response = client.post(url("campaigns/"), data, format="json")
    assert response.status_code == 201, response.content
    campaign = response.json()
    assert client.get(url(f"campaigns/{campaign['id']}/")).json()["name"] == "Spring launch"
    # the page's rules: unique name, end after start
    assert "name" in client.post(url("campaigns/"), data, format="json").json()
    bad = client.post(url("campaigns/"), {"name": "B", "starts_on": "2026-03-05", "ends_on": "2026-03-01"})
    assert "ends_on" in bad.json()
    assert api("client").post(url("campaigns/"), {"name": "C"}, format="json").status_code == 403


def test_posting_slots_and_next_free_slot(api, world):
    client = api()
    brand = world["brand"].pk
    assert client.get(url(f"brands/{brand}/next-free-slot/")).json()["next_free_slot"] is None
    response = client.post(url(f"brands/{brand}/slots/"), {"weekday": 2, "time": "09:30"}, format="json")
    assert response.status_code == 201
    slot = response.json()
    assert client.post(url(f"brands/{brand}/slots/"), {"weekday": 2, "time": "09:30"}, format="json").json() == {
        "non_field_errors": ["That slot exists already."]
    }
    assert "weekday" in client.post(url(f"brands/{brand}/slots/"), {"weekday": 9, "time": "09:30"}).json()
    assert [s["id"] for s in client.get(url(f"brands/{brand}/slots/")).json()["results"]] == [slot["id"]]
    nxt = client.get(url(f"brands/{brand}/next-free-slot/")).json()
    local = dt.datetime.fromisoformat(nxt["local"])
    assert local.weekday() == 2 and (local.hour, local.minute) == (9, 30)
    # rights and tenancy
    assert api("client").post(url(f"brands/{brand}/slots/"), {"weekday": 1, "time": "10:00"}).status_code == 403
    assert client.get(url(f"brands/{world['other_brand'].pk}/slots/")).status_code == 404
    assert client.get(url(f"brands/{world['other_brand'].pk}/next-free-slot/")).status_code == 404
    assert client.delete(url(f"brands/{brand}/slots/{slot['id']}/")).status_code == 204
    assert client.get(url(f"brands/{brand}/slots/")).json()["results"] == []


def test_calendar_range(api, world):
    client = api()
    post = client.post(
        url("posts/"), {"brand": world["brand"].pk, "accounts": [world["accounts"][0].pk], "text": "cal"}
    ).json()
    when = timezone.now() + dt.timedelta(days=1)
    client.post(url(f"posts/{post['id']}/schedule/"), {"at": when.isoformat()}, format="json")
    start = (when - dt.timedelta(days=2)).date().isoformat()
    end = (when + dt.timedelta(days=2)).date().isoformat()
    data = client.get(url("calendar/"), {"start": start, "end": end}).json()
    assert data["time_zone"] == "UTC"
    assert any(str(post["id"]) in str(e.get("id")) for e in data["events"])
    response = client.get(url("calendar/"), {"start": start})
    assert response.status_code == 400 and response.json()["non_field_errors"]
    assert client.get(url("calendar/"), {"start": start, "end": end, "time_zone": "Mars/Base"}).status_code == 400
    assert client.get(url("calendar/", ws="other"), {"start": start, "end": end}).status_code == 404


def test_kpis(api, world):
    client = api()
    data = client.get(url("analytics/kpis/"), {"brand": world["brand"].pk, "period": "week", "week": "2026-W05"}).json()
    assert data["period"]["start"] == "2026-01-26" and data["previous_period"]["start"] == "2026-01-19"
    keys = {k["key"] for k in data["kpis"]}
    assert {"impressions", "engagements", "engagement_rate", "follower_growth"} <= keys
    assert client.get(url("analytics/kpis/"), {"week": "2026-W99"}).status_code == 400
    assert client.get(url("analytics/kpis/"), {"brand": world["other_brand"].pk}).status_code == 400
    assert client.get(url("analytics/kpis/"), {"brand": "x"}).status_code == 400
    assert client.get(url("analytics/kpis/", ws="other")).status_code == 404


def test_kpis_read_their_filters_as_the_dashboard_does(api, world):
    # given a program asking for figures with filters the dashboard would not use
    client = api()
    # when it names a network that does not exist, a brand of another workspace and week 99
    response = client.get(
        url("analytics/kpis/"), {"network": "myspace", "brand": world["other_brand"].pk, "week": "2026-W99"}
    )
    # then each is a field error, in the words the dashboard uses (where it shows a default instead)
    assert response.status_code == 400
    errors = response.json()
    assert errors["network"] == ["Unknown network 'myspace'."]
    assert errors["brand"] == ["No such brand in this workspace."]
    assert errors["period"] == ["Week 2026-W99 does not exist."]


@pytest.fixture
def inbox_item(world):
    from inbox.models import InboxItem

    return InboxItem.objects.create(
        workspace=world["ws"], account=world["accounts"][0], kind="comment", remote_id="c1",
        author_handle="@sam@example.org", text="Is it decaf too?", created_at=timezone.now(),
    )  # fmt: skip


def test_inbox_list_assign_reply_done(api, world, inbox_item, make_member, django_capture_on_commit_callbacks):
    client = api()
    items = client.get(url("inbox/"), {"status": "open"}).json()["results"]
    assert [i["id"] for i in items] == [inbox_item.pk]
    # assign to an editor; a client cannot answer the inbox, so cannot be assigned
    editor = make_member(world["ws"], "editor", username="ed")
    reader = make_member(world["ws"], "client", username="reader")
    assert client.post(url(f"inbox/{inbox_item.pk}/assign/"), {"assignee": editor.pk}).json()["assignee"] == editor.pk
    assert "assignee" in client.post(url(f"inbox/{inbox_item.pk}/assign/"), {"assignee": reader.pk}).json()
    assert (
        client.post(url(f"inbox/{inbox_item.pk}/assign/"), {"assignee": None}, format="json").json()["assignee"] is None
    )
    # reply (sent by a task after commit) and mark done
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url(f"inbox/{inbox_item.pk}/reply/"), {"text": "Yes!", "done": True}, format="json")
    assert response.status_code == 202 and response.json()["state"] == "queued"
    assert client.get(url(f"inbox/{inbox_item.pk}/")).json()["status"] == "done"
    assert "text" in client.post(url(f"inbox/{inbox_item.pk}/reply/"), {"text": ""}).json()
    assert client.post(url(f"inbox/{inbox_item.pk}/reopen/")).json()["status"] == "open"
    assert client.post(url(f"inbox/{inbox_item.pk}/done/")).json()["status"] == "done"
    # rights: a client reads but cannot answer or assign
    reader_api = api("client")
    assert reader_api.get(url("inbox/")).status_code == 200
    assert reader_api.post(url(f"inbox/{inbox_item.pk}/done/")).status_code == 403
    assert api("contributor").post(url(f"inbox/{inbox_item.pk}/assign/"), {"assignee": None}).status_code == 403
    # tenancy
    stranger = api(user=world["other_owner"], workspace=world["other"])
    assert stranger.get(url(f"inbox/{inbox_item.pk}/", ws="other")).status_code == 404
    assert stranger.post(url(f"inbox/{inbox_item.pk}/done/", ws="other")).status_code == 404


def test_rate_limit_429_with_retry_after(api, world, settings):
    # given a limit of 3 requests a minute
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/min"}}
    client = api()
    # when a token makes a fourth request
    codes = [client.get(url("brands/")).status_code for _ in range(3)]
    fourth = client.get(url("brands/"))
    # then it is told to wait
    assert codes == [200, 200, 200]
    assert fourth.status_code == 429
    # (the window slides: the wait may pass a minute; test_throttling.py retries after it)
    assert int(fourth["Retry-After"]) > 0
    # and another token is counted on its own
    assert api().get(url("brands/")).status_code == 200


def test_an_id_filter_with_a_number_that_cannot_be_an_id_matches_nothing(api, world):
    client = api()
    brand = world["brand"].pk
    # a whole number written as a decimal is still that id
    assert {a["handle"] for a in client.get(url("accounts/"), {"brand": f"{brand}.0"}).json()["results"]} == {
        "@acme",
        "@acme2",
    }
    # negative, fractional or past 64 bits: nothing (SQLite answered 500 to the last one)
    for value in ("-2.8e285", "1.5", "9" * 30):
        response = client.get(url("accounts/"), {"brand": value})
        assert response.status_code == 200 and response.json()["results"] == [], value
