"""Network options per target through the posts API: stored and returned per target,
checked by each network's rules with field errors as JSON."""

from __future__ import annotations

import pytest

from posts.models import MediaAsset
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def body(world, **changes):
    data = {
        "brand": world["brand"].pk,
        "accounts": [a.pk for a in world["accounts"]],
        "text": "Which roast?",
    }
    data.update(changes)
    return data


def test_options_are_stored_and_returned_per_target(api, world):
    one, two = world["accounts"]
    options = {
        str(one.pk): {
            "visibility": "unlisted",
            "spoiler_text": "Roast talk",
            "poll": {"options": ["Light", "Dark"], "duration_minutes": 60},
        }
    }

    response = api().post(url("posts/"), body(world, options=options), format="json")

    assert response.status_code == 201, response.content
    by_account = {t["account"]: t["options"] for t in response.json()["targets"]}
    assert by_account == {
        one.pk: {
            "visibility": "unlisted",
            "spoiler_text": "Roast talk",
            "poll": {"options": ["Light", "Dark"], "duration_minutes": 60},
        },
        two.pk: {},
    }


def test_bad_options_are_field_errors_naming_the_account(api, world):
    one, two = world["accounts"]
    options = {
        str(one.pk): {"visibility": "everyone"},
        str(two.pk): {"poll": {"options": ["Only one"]}},
    }

    response = api().post(url("posts/"), body(world, options=options), format="json")

    assert response.status_code == 400
    errors = response.json()["options"]
    assert "Mastodon does not know “everyone” as a visibility" in errors[str(one.pk)][0]
    assert errors[str(two.pk)] == ["A poll needs at least two answers."]


def test_a_poll_with_images_is_refused(api, world):
    asset = MediaAsset.objects.create(
        workspace=world["ws"], file="media/a.png", mime_type="image/png", size=10, alt_text="A cup"
    )
    one = world["accounts"][0]
    options = {str(one.pk): {"poll": {"options": ["A", "B"], "duration_minutes": 60}}}

    response = api().post(url("posts/"), body(world, media=[asset.pk], options=options), format="json")

    assert response.status_code == 400
    assert "does not take a poll and images" in response.json()["options"][str(one.pk)][0]


def test_options_for_an_account_the_post_does_not_go_to(api, world):
    response = api().post(
        url("posts/"), body(world, options={str(world["other_account"].pk): {"visibility": "private"}}), format="json"
    )
    assert response.status_code == 400
    assert response.json()["options"] == {
        str(world["other_account"].pk): ["Options for an account this post does not go to."]
    }
    response = api().post(url("posts/"), body(world, options={"abc": {}}), format="json")
    assert response.status_code == 400 and "options" in response.json()


def test_patch_changes_one_accounts_options(api, world):
    one, two = world["accounts"]
    client = api()
    post = client.post(url("posts/"), body(world), format="json").json()

    response = client.patch(
        url(f"posts/{post['id']}/"), {"options": {str(two.pk): {"visibility": "private"}}}, format="json"
    )
    bad = client.patch(url(f"posts/{post['id']}/"), {"options": {str(two.pk): {"language": "x1"}}}, format="json")

    assert response.status_code == 200
    assert {t["account"]: t["options"] for t in response.json()["targets"]} == {
        one.pk: {},
        two.pk: {"visibility": "private"},
    }
    assert bad.status_code == 400 and str(two.pk) in bad.json()["options"]


def test_options_a_network_does_not_take_are_named(api, world):
    one = world["accounts"][0]

    response = api().post(
        url("posts/"), body(world, options={str(one.pk): {"reply": "nobody", "visibility": "private"}}), format="json"
    )

    assert response.status_code == 400
    assert response.json()["options"][str(one.pk)] == [
        "Mastodon does not take reply (its options: visibility, spoiler_text, sensitive, language, poll)."
    ]
