# ruff: noqa: F811 (the API tests' fixtures are imported by name)
"""Parts and first comments through the API (field errors as JSON) and the live check (each
part counted as each network counts)."""

from __future__ import annotations

import pytest

from posts.validation import check_target
from tests.api.conftest import _fresh_throttle_counts, api, token_for, url, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def body(world, **changes):
    data = {"brand": world["brand"].pk, "accounts": [a.pk for a in world["accounts"]], "text": "First part"}
    data.update(changes)
    return data


def test_parts_are_stored_per_target_and_read_back(api, world):
    response = api().post(url("posts/"), body(world, parts=["Second part", "", "Third part"]), format="json")

    assert response.status_code == 201, response.content
    for target in response.json()["targets"]:
        assert target["parts"] == ["Second part", "Third part"]  # the empty one left out
        assert [row["state"] for row in target["thread"]] == ["waiting", "waiting", "waiting"]
        assert target["first_comment"] == "" and target["first_comment_status"] == ""


def test_a_part_over_the_networks_limit_refuses_scheduling_with_a_field_error(api, world):
    client = api()
    post = client.post(url("posts/"), body(world, parts=["x" * 501]), format="json").json()

    response = client.post(url(f"posts/{post['id']}/schedule/"), {"now": True}, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()["parts"]
    assert any("Part 2: This is 1 character over Mastodon's 500-character limit." in e for e in errors)


def test_a_first_comment_for_accounts_that_take_none_is_a_field_error(api, world):
    response = api().post(url("posts/"), body(world, first_comment="#coffee"), format="json")
    assert response.status_code == 400
    assert response.json()["first_comment"] == [
        "None of the post's accounts takes a first comment (Instagram, Facebook, LinkedIn)."
    ]


def test_parts_must_be_a_list_of_texts(api, world):
    response = api().post(url("posts/"), body(world, parts="not a list"), format="json")
    assert response.status_code == 400
    assert "parts" in response.json()


def test_patch_changes_the_parts(api, world):
    client = api()
    post = client.post(url("posts/"), body(world, parts=["Two"]), format="json").json()
    response = client.patch(url(f"posts/{post['id']}/"), {"parts": ["Two", "Three"]}, format="json")
    assert response.status_code == 200, response.content
    assert {tuple(t["parts"]) for t in response.json()["targets"]} == {("Two", "Three")}


def test_each_part_is_counted_as_each_network_counts(make_workspace, make_brand, make_account):
    brand = make_brand(make_workspace("Counting"))
    x = make_account(brand, "x", "@cafe")
    bluesky = make_account(brand, "bluesky", "@cafe.bsky.social")
    part = "See https://example.com/a/very/long/path/that/x/counts/as/twenty/three 👍🏽"

    x_check = check_target(x, "First", [], parts=[part, "y" * 281])
    sky_check = check_target(bluesky, "First", [], parts=[part])

    assert x_check.part_lengths[0] == 4 + 23 + 1 + 2  # a link is 23 on X, an emoji 2
    assert sky_check.part_lengths[0] == len(part) - len("👍🏽") + 1  # graphemes on Bluesky
    assert [p.message[:56] for p in x_check.problems if p.field == "parts"] == [
        "Part 3: This is 1 character over X's 280-character limit"
    ]
    assert sky_check.problems == []


def test_parts_are_not_checked_where_there_is_no_thread(make_workspace, make_brand, make_account):
    brand = make_brand(make_workspace("Counting"))
    linkedin = make_account(brand, "linkedin", "@cafe")
    check = check_target(linkedin, "First", [], parts=["y" * 5000], first_comment="z" * 1251)
    assert check.part_lengths == []
    assert [p.message for p in check.problems] == [
        "The first comment is 1 character over LinkedIn's 1,250-character limit for comments."
    ]


def test_one_account_may_have_parts_of_its_own(api, world):
    one, two = world["accounts"]
    response = api().post(
        url("posts/"),
        body(world, parts=["Two"], parts_by_account={str(two.pk): ["Two, longer", "Three"]}),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert {t["account"]: t["parts"] for t in response.json()["targets"]} == {
        one.pk: ["Two"],
        two.pk: ["Two, longer", "Three"],
    }
    # a PATCH of the text keeps both
    patched = api().patch(url(f"posts/{response.json()['id']}/"), {"text": "One!"}, format="json").json()
    assert {t["account"]: t["parts"] for t in patched["targets"]} == {one.pk: ["Two"], two.pk: ["Two, longer", "Three"]}


def test_parts_for_an_account_the_post_does_not_go_to(api, world):
    one, _two = world["accounts"]
    response = api().post(
        url("posts/"),
        body(world, accounts=[one.pk], parts_by_account={str(world["other_account"].pk): ["Two"]}),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["parts_by_account"] == {
        str(world["other_account"].pk): ["Parts for an account this post does not go to."]
    }
