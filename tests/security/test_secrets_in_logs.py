"""No token, password or key reaches the logs: every log record (DEBUG and up, requests
and urllib3 included) is captured while accounts connect, posts publish through the
engine with the real adapters, and tokens refresh, then searched for the secrets."""

import datetime as dt
import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

X_ACCESS = "x-access-SECRET-aaa111"
X_REFRESH = "x-refresh-SECRET-bbb222"
X_NEW_ACCESS = "x-access-SECRET-ccc333"
X_NEW_REFRESH = "x-refresh-SECRET-ddd444"
X_CLIENT_SECRET = "x-client-SECRET-eee555"
BSKY_PASSWORD = "abcd-efgh-ijkl-mnop"
BSKY_ACCESS = "bsky-access-SECRET-fff666"
BSKY_REFRESH = "bsky-refresh-SECRET-ggg777"
MASTO_TOKEN = "masto-token-SECRET-hhh888"
SECRETS = [
    X_ACCESS,
    X_REFRESH,
    X_NEW_ACCESS,
    X_NEW_REFRESH,
    X_CLIENT_SECRET,
    BSKY_PASSWORD,
    BSKY_ACCESS,
    BSKY_REFRESH,
    MASTO_TOKEN,
]


@pytest.fixture
def every_log(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("", "requests", "urllib3", "django", "django.request", "celery", "posts", "smm", "axes"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def assert_no_secret_in(caplog):
    logging.getLogger("smm").debug("capture check")
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert any(r.getMessage() == "capture check" for r in records), "the log capture is not working"
    assert len(records) > 1, "the code under test logged nothing at all"
    for record in records:
        text = record.getMessage() + " " + repr(record.args) + " " + repr(getattr(record, "__dict__", {}))
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} logged by {record.name}: {record.getMessage()[:200]}"
    for secret in SECRETS:
        assert secret not in caplog.text


@pytest.fixture
def owner_setup(make_workspace, make_member, make_brand, client, settings):
    settings.ALLOW_PRIVATE_OUTBOUND = True  # the replayed hosts need no DNS
    settings.PLATFORM_APPS = {
        **settings.PLATFORM_APPS,
        "x": {"client_id": "x-client", "client_secret": X_CLIENT_SECRET},
    }
    workspace = make_workspace("Acme")
    owner = make_member(workspace, "owner", username="olivia")
    brand = make_brand(workspace, "Acme Coffee")
    client.force_login(owner)
    return {"workspace": workspace, "brand": brand, "client": client}


def start_url(setup, network):
    return reverse(
        "connect_start", kwargs={"ws": setup["workspace"].slug, "brand_id": setup["brand"].pk, "network": network}
    )


@responses.activate
def test_connecting_accounts_logs_no_secret(owner_setup, every_log):
    client = owner_setup["client"]
    # X over OAuth 2 with PKCE
    started = client.post(start_url(owner_setup, "x"))
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    responses.post(
        "https://api.x.com/2/oauth2/token",
        json={"token_type": "bearer", "expires_in": 7200, "access_token": X_ACCESS, "refresh_token": X_REFRESH},
    )
    responses.get("https://api.x.com/2/users/me", json={"data": {"id": "1", "name": "Acme", "username": "acme"}})
    client.get("/connect/x/callback/", {"code": "the-code", "state": state}, follow=True)
    # Bluesky with an app password
    responses.post(
        "https://bsky.social/xrpc/com.atproto.server.createSession",
        json={"did": "did:plc:abc", "handle": "acme.bsky.social", "accessJwt": BSKY_ACCESS, "refreshJwt": BSKY_REFRESH},
    )
    responses.get(
        "https://bsky.social/xrpc/app.bsky.actor.getProfile", json={"did": "did:plc:abc", "handle": "acme.bsky.social"}
    )
    client.post(start_url(owner_setup, "bluesky"), {"identifier": "acme.bsky.social", "password": BSKY_PASSWORD})
    # and a wrong password, which is logged as a failure
    responses.post(
        "https://bsky.social/xrpc/com.atproto.server.createSession",
        status=401,
        json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )
    client.post(start_url(owner_setup, "bluesky"), {"identifier": "acme.bsky.social", "password": BSKY_PASSWORD})

    from smm.models import SocialAccount

    assert SocialAccount.objects.filter(network__in=["x", "bluesky"]).count() == 2
    assert_no_secret_in(every_log)


def queued_target(account):
    from posts.models import Post, PostTarget

    now = timezone.now()
    post = Post.objects.create(workspace=account.brand.workspace, brand=account.brand, text="Hello", scheduled_at=now)
    return PostTarget.objects.create(post=post, account=account, text="Hello world", state="queued", due_at=now)


@responses.activate
def test_publishing_and_refreshing_log_no_secret(owner_setup, make_account, every_log):
    from posts.tasks import publish_target  # the Celery task, with its logging
    from smm.operations import refresh_account

    brand = owner_setup["brand"]
    masto = make_account(
        brand, "mastodon", "@acme", base_url="https://mastodon.example", credentials={"access_token": MASTO_TOKEN}
    )
    x = make_account(
        brand,
        "x",
        "@acme_x",
        remote_id="1",
        credentials={"access_token": X_ACCESS, "refresh_token": X_REFRESH},
        token_expires_at=timezone.now() + dt.timedelta(days=1),
    )
    # Mastodon publishes at once
    responses.post(
        "https://mastodon.example/api/v1/statuses",
        json={"id": "110", "url": "https://mastodon.example/@acme/110", "created_at": timezone.now().isoformat()},
    )
    # X first says the token expired, the engine refreshes, then X accepts
    responses.post("https://api.x.com/2/tweets", status=401, json={"title": "Unauthorized", "status": 401})
    responses.post("https://api.x.com/2/tweets", status=201, json={"data": {"id": "555", "text": "Hello world"}})
    responses.post(
        "https://api.x.com/2/oauth2/token",
        json={"token_type": "bearer", "expires_in": 7200, "access_token": X_NEW_ACCESS, "refresh_token": X_NEW_REFRESH},
    )

    outcomes = [publish_target(queued_target(masto).pk), publish_target(queued_target(x).pk)]
    # and the proactive refresh of the operations check
    refresh_account(x)

    x.refresh_from_db()
    assert x.credentials["access_token"] == X_NEW_ACCESS
    assert any("/2/oauth2/token" in call.request.url for call in responses.calls)
    assert outcomes[0], outcomes
    assert_no_secret_in(every_log)
    # the secrets really went over the (replayed) wire: the search above means something
    sent = " ".join(str(call.request.headers) + str(call.request.body) for call in responses.calls)
    assert MASTO_TOKEN in sent and X_REFRESH in sent
    assert json.dumps(outcomes)
