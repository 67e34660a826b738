"""Meta webhooks: the subscription handshake, signed deliveries, refusals, replays."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest

from inbox.models import InboxItem

pytestmark = pytest.mark.django_db

SECRET = "meta-app-secret"


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.META_APP_SECRET = SECRET
    settings.META_WEBHOOK_VERIFY_TOKEN = "verify-me"


@pytest.fixture
def instagram(shop, make_account):
    return make_account(shop["brand"], "instagram", "acme.coffee", remote_id="17841400000000001")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def instagram_comment_body(comment_id="18000000000000001", text="This is broken and I want a refund") -> bytes:
    return json.dumps(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": "17841400000000001",
                    "time": 1772445600,
                    "changes": [
                        {
                            "field": "comments",
                            "value": {
                                "id": comment_id,
                                "text": text,
                                "from": {"id": "991", "username": "pat.doe"},
                                "media": {"id": "17900000000000009", "media_product_type": "FEED"},
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def post(client, body: bytes, signature: str | None):
    headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
    return client.post("/hooks/meta/", body, content_type="application/json", headers=headers)


def test_handshake_echoes_the_challenge_for_our_token(client):
    response = client.get(
        "/hooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_with_a_wrong_token_or_mode_is_refused(client, params):
    response = client.get("/hooks/meta/", params)
    assert response.status_code == 403
    assert response.content != b"1"


def test_handshake_is_refused_when_no_token_is_configured(client, settings):
    settings.META_WEBHOOK_VERIFY_TOKEN = ""
    response = client.get("/hooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert response.status_code == 403


def test_a_signed_comment_lands_in_the_accounts_inbox(client, instagram):
    body = instagram_comment_body()

    response = post(client, body, sign(body))

    assert response.status_code == 200
    item = InboxItem.objects.get()
    assert item.account == instagram
    assert item.kind == "comment"
    assert item.author_handle == "pat.doe"
    assert item.text == "This is broken and I want a refund"
    assert item.source == "webhook"


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,  # wrong digest
        sign(b"another body"),  # signature of something else
        sign(instagram_comment_body(), "not-our-secret"),  # someone else's secret
        "sha1=abc",  # wrong scheme
        "",
        None,  # missing header
    ],
)
def test_a_bad_or_missing_signature_is_refused_logged_and_not_stored(client, instagram, signature, caplog):
    body = instagram_comment_body()

    with caplog.at_level(logging.WARNING, logger="inbox.webhooks"):
        response = post(client, body, signature)

    assert response.status_code == 403
    assert InboxItem.objects.count() == 0
    assert any("Meta webhook refused" in record.getMessage() for record in caplog.records)


def test_a_tampered_body_with_the_original_signature_is_refused(client, instagram):
    body = instagram_comment_body()
    signature = sign(body)

    response = post(client, body.replace(b"refund", b"r3fund"), signature)

    assert response.status_code == 403
    assert InboxItem.objects.count() == 0


def test_a_replayed_delivery_is_stored_once(client, instagram):
    body = instagram_comment_body()

    first = post(client, body, sign(body))
    again = post(client, body, sign(body))

    assert first.status_code == again.status_code == 200
    assert InboxItem.objects.count() == 1


def test_a_delivery_for_an_unknown_account_is_accepted_and_ignored(client, shop):
    body = instagram_comment_body()

    response = post(client, body, sign(body))

    assert response.status_code == 200
    assert InboxItem.objects.count() == 0


def test_facebook_mentions_and_the_pages_own_comments(client, shop, make_account):
    page = make_account(shop["brand"], "facebook", "Acme Page", remote_id="555")
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "555",
                    "time": 1772445600,
                    "changes": [
                        {
                            "field": "mention",
                            "value": {"item": "post", "verb": "add", "post_id": "777_1", "message": "Thanks @Acme!"},
                        },
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": "add",
                                "comment_id": "555_1_2",
                                "post_id": "555_1",
                                "message": "Our own answer",
                                "from": {"id": "555", "name": "Acme Page"},
                            },
                        },
                    ],
                }
            ],
        }
    ).encode()

    response = post(client, body, sign(body))

    assert response.status_code == 200
    assert list(InboxItem.objects.filter(account=page).values_list("kind", "text")) == [("mention", "Thanks @Acme!")]
