"""The sandbox speaks enough Mastodon for real clients: both instance descriptions, the
trailing-slash paths Mastodon's router accepts, and statuses that keep and give back
visibility, content warning, sensitive, language and polls (JSON and form bodies)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.models import SandboxStatus

pytestmark = pytest.mark.django_db


def test_a_status_keeps_and_returns_its_options(sandbox_account, api):
    # given
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")

    # when a client posts with every option Mastodon documents for POST /api/v1/statuses
    response = client.post_json(
        "/api/v1/statuses",
        {
            "status": "Which roast?",
            "visibility": "unlisted",
            "spoiler_text": "Roast talk",
            "language": "de",
            "poll": {"options": ["Light", "Dark"], "expires_in": 3600, "multiple": True},
        },
    )

    # then the answer and a later read both carry them, in Mastodon's shapes
    assert response.status_code == 200
    for body in (response.json(), client.get(f"/api/v1/statuses/{response.json()['id']}").json()):
        assert body["visibility"] == "unlisted"
        assert body["spoiler_text"] == "Roast talk"
        assert body["sensitive"] is True  # a content warning makes a status sensitive, as in Mastodon
        assert body["language"] == "de"
        poll = body["poll"]
        assert [o["title"] for o in poll["options"]] == ["Light", "Dark"]
        assert [o["votes_count"] for o in poll["options"]] == [0, 0]
        assert poll["multiple"] is True
        assert poll["expired"] is False
        assert poll["expires_at"].endswith("Z")
    status = SandboxStatus.objects.get()
    assert (status.poll_expires_at - status.created_at).total_seconds() == 3600


def test_form_encoded_poll_and_flags(sandbox_account, api):
    sandbox_account("acmecoffee")

    response = api("token-acmecoffee").post_form(
        "/api/v1/statuses",
        {
            "status": "Vote",
            "visibility": "private",
            "sensitive": "true",
            "poll[options][]": ["Yes", "No", "Maybe"],
            "poll[expires_in]": "300",
        },
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["visibility"], body["sensitive"], body["spoiler_text"]) == ("private", True, "")
    assert [o["title"] for o in body["poll"]["options"]] == ["Yes", "No", "Maybe"]
    assert body["poll"]["multiple"] is False


def test_a_plain_status_has_no_poll_and_no_warning(sandbox_account, api):
    sandbox_account("acmecoffee")

    body = api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "Plain"}).json()

    assert (body["poll"], body["spoiler_text"], body["sensitive"], body["language"]) == (None, "", False, None)


def test_a_followers_only_status_is_not_public(sandbox_account, api):
    sandbox_account("acmecoffee")
    sandbox_account("stranger")
    posted = api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "Hi", "visibility": "private"}).json()

    assert api("token-stranger").get(f"/api/v1/statuses/{posted['id']}").status_code == 404
    assert api("token-acmecoffee").get(f"/api/v1/statuses/{posted['id']}").status_code == 200


@pytest.mark.parametrize(
    ("poll", "words"),
    [
        ({"options": ["Only"], "expires_in": 3600}, "Validation failed: Poll must have more than one item"),
        ({"options": list("abcde"), "expires_in": 3600}, "Validation failed: Poll cannot contain more than 4 items"),
        ({"options": ["a" * 51, "b"], "expires_in": 3600}, "longer than 50 characters"),
        ({"options": ["a", "a"], "expires_in": 3600}, "Validation failed: Poll contains duplicate items"),
        ({"options": ["a", "b"], "expires_in": 60}, "Validation failed: Poll duration too short"),
        ({"options": ["a", "b"], "expires_in": 3_000_000}, "Validation failed: Poll duration too long"),
    ],
)
def test_bad_polls_are_422_in_mastodons_words(sandbox_account, api, poll, words):
    sandbox_account("acmecoffee")

    response = api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "Vote", "poll": poll})

    assert response.status_code == 422
    assert words in response.json()["error"]
    assert not SandboxStatus.objects.exists()


def test_a_poll_with_media_is_422(sandbox_account, api, png_bytes):
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")
    media = client.post_form(
        "/api/v2/media", {"file": SimpleUploadedFile("a.png", png_bytes, content_type="image/png")}
    ).json()

    response = client.post_json(
        "/api/v1/statuses",
        {"status": "Vote", "media_ids": [media["id"]], "poll": {"options": ["a", "b"], "expires_in": 3600}},
    )

    assert response.status_code == 422
    assert response.json() == {"error": "Cannot attach files to a post with a poll"}


def test_the_content_warning_counts_against_the_limit(sandbox_account, api):
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")

    fits = client.post_json("/api/v1/statuses", {"status": "a" * 490, "spoiler_text": "b" * 10})
    too_long = client.post_json("/api/v1/statuses", {"status": "a" * 490, "spoiler_text": "b" * 11})

    assert fits.status_code == 200
    assert too_long.status_code == 422
    assert too_long.json()["error"] == "Validation failed: Text character limit of 500 exceeded"


def test_an_unknown_language_falls_back_as_mastodon_does(sandbox_account, api):
    sandbox_account("acmecoffee")

    body = api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "Hi", "language": "klingon"}).json()

    assert body["language"] is None


def test_instance_v1_and_v2_describe_the_limits(sandbox_account, api):
    client = api("")

    v1 = client.get("/api/v1/instance")
    v2 = client.get("/api/v2/instance")

    assert v1.status_code == v2.status_code == 200
    one, two = v1.json(), v2.json()
    # v1: the older entity (uri, stats, thumbnail as a URL string, registrations as a boolean)
    assert one["uri"] == "testserver"
    assert set(one["stats"]) == {"user_count", "status_count", "domain_count"}
    assert isinstance(one["thumbnail"], str)
    assert one["registrations"] is False
    # v2: domain, thumbnail object, registrations object
    assert two["domain"] == "testserver"
    assert isinstance(two["thumbnail"], dict)
    assert two["registrations"]["enabled"] is False
    for body in (one, two):
        configuration = body["configuration"]
        assert configuration["statuses"] == {
            "max_characters": 500,
            "max_media_attachments": 4,
            "characters_reserved_per_url": 23,
        }
        assert configuration["media_attachments"]["image_size_limit"] == 16 * 1024 * 1024
        assert "image/png" in configuration["media_attachments"]["supported_mime_types"]
        assert configuration["polls"] == {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2629746,
        }


@pytest.mark.parametrize("path", ["/api/v1/instance/", "/api/v2/instance/", "/api/v1/accounts/verify_credentials/"])
def test_trailing_slash_paths_answer_as_without(sandbox_account, api, path):
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")

    assert client.get(path).json() == client.get(path.rstrip("/")).json()


def test_posting_and_reading_with_trailing_slashes(sandbox_account, api):
    sandbox_account("acmecoffee")
    client = api("token-acmecoffee")

    posted = client.post_json("/api/v1/statuses/", {"status": "Slash"})
    read = client.get(f"/api/v1/statuses/{posted.json()['id']}/")

    assert posted.status_code == read.status_code == 200
    assert read.json()["content"] == "<p>Slash</p>"


def test_the_sandbox_pages_show_the_warning_the_poll_and_keep_quiet_posts_off_the_timeline(
    sandbox_account, api, client
):
    # given: a status with a content warning and a poll, and a quiet public one
    sandbox_account("acmecoffee")
    api_client = api("token-acmecoffee")
    loud = api_client.post_json(
        "/api/v1/statuses",
        {
            "status": "Which roast?",
            "spoiler_text": "Roast talk",
            "poll": {"options": ["Light", "Dark"], "expires_in": 86400},
        },
    ).json()
    api_client.post_json("/api/v1/statuses", {"status": "Only on my profile", "visibility": "unlisted"})

    # when
    page = client.get(f"/sandbox/@acmecoffee/{loud['id']}").content.decode()
    timeline = client.get("/sandbox/").content.decode()
    profile = client.get("/sandbox/@acmecoffee").content.decode()

    # then
    assert 'data-testid="content-warning"' in page and "Roast talk" in page
    assert 'data-testid="poll"' in page and "Light" in page and "Dark" in page
    assert "Which roast?" in timeline
    assert "Only on my profile" not in timeline
    assert "Only on my profile" in profile


def test_a_poll_without_text_is_refused_as_mastodon_does(sandbox_account, api):
    sandbox_account("acmecoffee")

    response = api("token-acmecoffee").post_json(
        "/api/v1/statuses", {"status": "", "poll": {"options": ["a", "b"], "expires_in": 3600}}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "Validation failed: Text can't be blank"
