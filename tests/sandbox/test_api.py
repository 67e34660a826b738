"""The sandbox's Mastodon API: statuses with Idempotency-Key, media, accounts, notifications,
instance limits, and errors in Mastodon's shapes."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from sandbox.models import SandboxNotification, SandboxStatus

pytestmark = pytest.mark.django_db


def test_posting_a_status_answers_in_mastodons_shape(sandbox_account, api):
    # given an account on the sandbox
    account = sandbox_account("acmecoffee")

    # when it posts a status with a link and a hashtag
    response = api("token-acmecoffee").post_json(
        "/api/v1/statuses", {"status": "Fresh roast today #coffee https://acme.example/beans", "visibility": "public"}
    )

    # then the answer is a Mastodon Status
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(SandboxStatus.objects.get().pk)
    assert body["url"] == f"http://testserver/sandbox/@acmecoffee/{body['id']}"
    assert body["uri"].startswith("http://testserver/sandbox/users/acmecoffee/statuses/")
    assert body["created_at"].endswith("Z")
    assert body["content"].startswith("<p>Fresh roast today ")
    assert 'href="https://acme.example/beans"' in body["content"]
    assert body["tags"] == [{"name": "coffee", "url": "http://testserver/sandbox/tags/coffee"}]
    assert body["account"]["id"] == str(account.pk)
    assert body["account"]["username"] == "acmecoffee"
    assert (body["favourites_count"], body["reblogs_count"], body["replies_count"]) == (0, 0, 0)
    assert body["visibility"] == "public"
    assert response["X-RateLimit-Limit"] == "300"


def test_form_encoded_status_with_media_ids(sandbox_account, api, png_bytes):
    # given an uploaded image
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")
    upload = client.post_form(
        "/api/v2/media",
        {"file": SimpleUploadedFile("beans.png", png_bytes, content_type="image/png"), "description": "Beans"},
    )
    assert upload.status_code == 200
    media = upload.json()
    assert media["type"] == "image"
    assert media["description"] == "Beans"
    assert media["meta"]["original"]["width"] == 8
    assert client.get(f"/api/v1/media/{media['id']}").status_code == 200

    # when a status is posted form-encoded with media_ids[]
    response = client.post_form("/api/v1/statuses", {"status": "Look", "media_ids[]": [media["id"]]})

    # then the image is attached
    assert response.status_code == 200
    attachments = response.json()["media_attachments"]
    assert [a["id"] for a in attachments] == [media["id"]]
    assert attachments[0]["url"].startswith("http://testserver/media/sandbox/")


def test_same_idempotency_key_returns_the_first_status(sandbox_account, api):
    # given a status posted with an Idempotency-Key
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")
    first = client.post_json("/api/v1/statuses", {"status": "Once"}, headers={"Idempotency-Key": "k-1"})

    # when the same key is sent again (a retry after a lost answer)
    again = client.post_json("/api/v1/statuses", {"status": "Once"}, headers={"Idempotency-Key": "k-1"})
    other = client.post_json("/api/v1/statuses", {"status": "Twice"}, headers={"Idempotency-Key": "k-2"})

    # then the first status comes back and only two exist
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["id"] != first.json()["id"]
    assert SandboxStatus.objects.count() == 2


def test_idempotency_keys_are_per_account_and_expire_after_an_hour(sandbox_account, api):
    from datetime import timedelta

    from sandbox.models import SandboxIdempotency

    # given two accounts using the same key
    sandbox_account("one")
    sandbox_account("two")
    a = api("token-one").post_json("/api/v1/statuses", {"status": "A"}, headers={"Idempotency-Key": "same"})
    b = api("token-two").post_json("/api/v1/statuses", {"status": "B"}, headers={"Idempotency-Key": "same"})
    assert a.json()["id"] != b.json()["id"]

    # when the key is over an hour old
    claim = SandboxIdempotency.objects.get(account__username="one")
    claim.created_at -= timedelta(hours=1, minutes=1)
    claim.save()
    c = api("token-one").post_json("/api/v1/statuses", {"status": "A"}, headers={"Idempotency-Key": "same"})

    # then it creates a new status
    assert c.json()["id"] not in (a.json()["id"], b.json()["id"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the test server shares one in-memory SQLite connection across threads; CI runs this on PostgreSQL",
)
def test_concurrent_requests_with_the_same_key_store_one_status(sandbox_account, live_server):
    import requests

    # given an account and eight requests with the same key, released together
    sandbox_account("racer")
    barrier = threading.Barrier(8)
    answers = []

    def send():
        barrier.wait(timeout=10)
        response = requests.post(
            f"{live_server.url}/sandbox/api/v1/statuses",
            json={"status": "Only once"},
            headers={"Authorization": "Bearer token-racer", "Idempotency-Key": "race-1"},
            timeout=30,
        )
        answers.append(response)

    threads = [threading.Thread(target=send) for _ in range(8)]

    # when they race
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every answer names the one stored status
    assert [r.status_code for r in answers] == [200] * 8
    assert len({r.json()["id"] for r in answers}) == 1
    assert SandboxStatus.objects.filter(text="Only once").count() == 1


def test_bad_token_is_401_in_mastodons_words(sandbox_account, api):
    sandbox_account("acmecoffee")
    for token in ("wrong", ""):
        response = api(token).post_json("/api/v1/statuses", {"status": "Hi"})
        assert response.status_code == 401
        assert response.json() == {"error": "The access token is invalid"}


def test_too_long_status_is_422(sandbox_account, api):
    # given 501 characters (a URL would count as 23, this is plain text)
    sandbox_account("acmecoffee")
    response = api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "x" * 501})
    assert response.status_code == 422
    assert response.json() == {"error": "Validation failed: Text character limit of 500 exceeded"}
    # exactly at the limit is fine
    assert api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "x" * 500}).status_code == 200
    assert SandboxStatus.objects.count() == 1


def test_empty_status_and_unknown_reply_target(sandbox_account, api):
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")
    assert client.post_json("/api/v1/statuses", {"status": "  "}).json() == {
        "error": "Validation failed: Text can't be blank"
    }
    missing = client.post_json("/api/v1/statuses", {"status": "hi", "in_reply_to_id": "999999"})
    assert missing.status_code == 404
    assert missing.json() == {"error": "Record not found"}


def test_status_lookup_shows_counts(sandbox_account, api):
    from sandbox.actions import interact

    # given a status favourited by someone else
    sandbox_account("acmecoffee")
    fan = sandbox_account("fan")
    created = api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "Hello"}).json()
    interact(fan, SandboxStatus.objects.get(pk=created["id"]), "favourite")

    # when it is looked up
    body = api("token-acmecoffee").get(f"/api/v1/statuses/{created['id']}").json()

    # then the counts show the favourite
    assert body["favourites_count"] == 1
    assert api("token-acmecoffee").get("/api/v1/statuses/424242").status_code == 404


def test_reply_with_mention_creates_a_mention_notification(sandbox_account, api):
    # given a brand's status
    brand = sandbox_account("acmecoffee")
    sandbox_account("customer")
    status = api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "New blend"}).json()

    # when a customer replies
    reply = api("token-customer").post_json(
        "/api/v1/statuses", {"status": "@acmecoffee love it", "in_reply_to_id": status["id"]}
    )

    # then the brand has one mention notification pointing at the reply
    assert reply.json()["in_reply_to_id"] == status["id"]
    assert reply.json()["in_reply_to_account_id"] == str(brand.pk)
    notifications = api("token-acmecoffee").get("/api/v1/notifications", {"types[]": "mention"}).json()
    assert len(notifications) == 1
    assert notifications[0]["type"] == "mention"
    assert notifications[0]["status"]["id"] == reply.json()["id"]
    assert notifications[0]["account"]["acct"] == "customer"
    assert SandboxStatus.objects.get(pk=status["id"]).replies_count == 1


def test_notifications_paging(sandbox_account, api):
    # given five mentions
    sandbox_account("acmecoffee")
    sandbox_account("customer")
    for n in range(5):
        api("token-customer").post_json("/api/v1/statuses", {"status": f"@acmecoffee question {n}"})
    ids = list(SandboxNotification.objects.order_by("id").values_list("id", flat=True))
    client = api("token-acmecoffee")

    # when paging newest first two at a time
    first = client.get("/api/v1/notifications", {"limit": 2})
    older = client.get("/api/v1/notifications", {"limit": 2, "max_id": first.json()[-1]["id"]})
    # and reading forward from a cursor with min_id, and everything newer with since_id
    after = client.get("/api/v1/notifications", {"limit": 2, "min_id": ids[0]})
    since = client.get("/api/v1/notifications", {"since_id": ids[2]})

    # then pages are contiguous and newest first
    assert [n["id"] for n in first.json()] == [str(ids[4]), str(ids[3])]
    assert [n["id"] for n in older.json()] == [str(ids[2]), str(ids[1])]
    assert [n["id"] for n in after.json()] == [str(ids[2]), str(ids[1])]
    assert [n["id"] for n in since.json()] == [str(ids[4]), str(ids[3])]
    assert 'rel="next"' in first["Link"]
    # and a type filter leaves others out
    assert client.get("/api/v1/notifications", {"types[]": "favourite"}).json() == []


def test_accounts_and_instance(sandbox_account, api):
    account = sandbox_account("acmecoffee", followers_count=42)
    client = api("token-acmecoffee")
    client.post_json("/api/v1/statuses", {"status": "one"})
    me = client.get("/api/v1/accounts/verify_credentials").json()
    assert me["id"] == str(account.pk)
    assert me["followers_count"] == 42
    assert me["statuses_count"] == 1
    assert "source" in me
    assert client.get(f"/api/v1/accounts/{account.pk}").json()["username"] == "acmecoffee"
    statuses = client.get(f"/api/v1/accounts/{account.pk}/statuses").json()
    assert [s["content"] for s in statuses] == ["<p>one</p>"]
    instance = client.get("/api/v2/instance").json()
    assert instance["configuration"]["statuses"]["max_characters"] == 500
    assert instance["configuration"]["statuses"]["max_media_attachments"] == 4
    assert instance["configuration"]["statuses"]["characters_reserved_per_url"] == 23
