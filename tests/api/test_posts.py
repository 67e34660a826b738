"""Posts through the API: the composer's own actions (rights, approval, networks' rules,
legal moves), per-network problems as field errors, tenancy, idempotent create."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def body(world, **changes):
    data = {
        "brand": world["brand"].pk,
        "accounts": [a.pk for a in world["accounts"]],
        "text": "Our spring blend is here",
        "variants": {str(world["accounts"][1].pk): "Our spring blend is here #coffee"},
        "link": "https://acme.example/spring",
    }
    data.update(changes)
    return data


def create(client, world, **changes):
    response = client.post(url("posts/"), body(world, **changes), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_a_post_for_two_accounts(api, world):
    # when an owner writes a post for both accounts
    post = create(api(), world)
    # then it is a draft with one target per account, each with its text
    assert post["status"] == "draft"
    texts = {t["account"]: t["text"] for t in post["targets"]}
    assert texts == {
        world["accounts"][0].pk: "Our spring blend is here",
        world["accounts"][1].pk: "Our spring blend is here #coffee",
    }
    assert {t["state"] for t in post["targets"]} == {"draft"}


def test_create_refuses_bad_references_as_field_errors(api, world):
    client = api()
    # an account of another workspace, a brand of another workspace
    response = client.post(url("posts/"), body(world, accounts=[world["other_account"].pk]), format="json")
    assert response.status_code == 400 and "accounts" in response.json()
    response = client.post(url("posts/"), body(world, brand=world["other_brand"].pk), format="json")
    assert response.status_code == 400 and "brand" in response.json()
    response = client.post(url("posts/"), body(world, variants={"abc": "x"}), format="json")
    assert response.status_code == 400 and "variants" in response.json()
    response = client.post(url("posts/"), {"text": "no brand"}, format="json")
    assert set(response.json()) >= {"brand", "accounts"}


def test_a_client_cannot_write_posts(api, world):
    response = api("client").post(url("posts/"), body(world), format="json")
    assert response.status_code == 403


def test_read_list_filter_and_tenancy(api, world):
    client = api()
    post = create(client, world)
    # read one
    assert client.get(url(f"posts/{post['id']}/")).json()["id"] == post["id"]
    # filter by brand and status; unknown status is a 400
    assert [p["id"] for p in client.get(url("posts/"), {"status": "draft"}).json()["results"]] == [post["id"]]
    assert client.get(url("posts/"), {"status": "scheduled"}).json()["results"] == []
    assert client.get(url("posts/"), {"status": "nonsense"}).status_code == 400
    assert client.get(url("posts/"), {"account": world["accounts"][0].pk}).json()["results"][0]["id"] == post["id"]
    # another workspace's owner gets 404 for it, through their own workspace's URL too
    stranger = api(user=world["other_owner"], workspace=world["other"])
    assert stranger.get(url(f"posts/{post['id']}/", ws="other")).status_code == 404
    assert stranger.get(url(f"posts/{post['id']}/")).status_code == 404
    assert stranger.post(url(f"posts/{post['id']}/cancel/", ws="other")).status_code == 404


def test_cursor_pagination_and_ordering(api, world):
    client = api()
    ids = [create(client, world, text=f"post {i}")["id"] for i in range(5)]
    first = client.get(url("posts/"), {"page_size": 2, "ordering": "id"}).json()
    assert [p["id"] for p in first["results"]] == ids[:2]
    second = client.get(first["next"]).json()
    assert [p["id"] for p in second["results"]] == ids[2:4]
    newest = client.get(url("posts/"), {"page_size": 2, "ordering": "-id"}).json()
    assert [p["id"] for p in newest["results"]] == ids[::-1][:2]


def test_update_text_and_validation_errors_per_network(api, world):
    client = api()
    post = create(client, world, variants={})
    # when the text changes
    response = client.patch(url(f"posts/{post['id']}/"), {"text": "New words"}, format="json")
    assert response.status_code == 200
    assert {t["text"] for t in response.json()["targets"]} == {"New words"}
    # and then it is made too long for Mastodon and scheduled
    client.patch(url(f"posts/{post['id']}/"), {"text": "x" * 600}, format="json")
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = client.post(url(f"posts/{post['id']}/schedule/"), {"at": when}, format="json")
    # then the networks' problems come back as field errors naming the account
    assert response.status_code == 400
    errors = response.json()
    assert "text" in errors and any("@acme" in message for message in errors["text"])


def test_schedule_at_unschedule_cancel_duplicate(api, world):
    client = api()
    post = create(client, world)
    when = timezone.now() + dt.timedelta(days=2)
    # schedule at a time
    response = client.post(url(f"posts/{post['id']}/schedule/"), {"at": when.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "scheduled" and {t["state"] for t in data["targets"]} == {"scheduled"}
    # a time in the past is a field error
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client.post(url(f"posts/{post['id']}/schedule/"), {"at": past}, format="json")
    assert response.status_code == 400 and "when" in response.json()
    # neither or both choices: a 400
    assert client.post(url(f"posts/{post['id']}/schedule/"), {}, format="json").status_code == 400
    # unschedule
    data = client.post(url(f"posts/{post['id']}/unschedule/")).json()
    assert data["status"] == "draft"
    # unschedule again: refused in plain words
    response = client.post(url(f"posts/{post['id']}/unschedule/"))
    assert response.status_code == 400 and response.json()["non_field_errors"]
    # duplicate
    response = client.post(url(f"posts/{post['id']}/duplicate/"))
    assert response.status_code == 201 and response.json()["id"] != post["id"]
    # cancel
    data = client.post(url(f"posts/{post['id']}/cancel/")).json()
    assert data["status"] == "cancelled"


def test_schedule_into_the_next_free_slot_and_now(api, world):
    from posts.models import PostingSlot

    client = api()
    PostingSlot.objects.create(brand=world["brand"], weekday=0, time=dt.time(9, 0))
    expected = client.get(url(f"brands/{world['brand'].pk}/next-free-slot/")).json()["next_free_slot"]
    post = create(client, world)
    data = client.post(url(f"posts/{post['id']}/schedule/"), {"next_free_slot": True}, format="json").json()
    assert data["scheduled_at"] is not None
    assert dt.datetime.fromisoformat(data["scheduled_at"]) == dt.datetime.fromisoformat(expected)
    # the slot is taken now: the next one is a week later
    later = client.get(url(f"brands/{world['brand'].pk}/next-free-slot/")).json()["next_free_slot"]
    assert dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(expected) == dt.timedelta(days=7)
    other = create(client, world, text="right now")
    data = client.post(url(f"posts/{other['id']}/schedule/"), {"now": True}, format="json").json()
    assert data["status"] == "scheduled"


def test_contributor_post_waits_for_approval_and_a_client_approves(api, world):
    world["ws"].approval_policy = "contributors"
    world["ws"].save()
    writer = api("contributor")
    post = create(writer, world)
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    data = writer.post(url(f"posts/{post['id']}/schedule/"), {"at": when}, format="json").json()
    assert data["status"] == "pending_approval"
    # the contributor cannot approve
    assert writer.post(url(f"posts/{post['id']}/approve/"), {}, format="json").status_code == 403
    # a client can
    reviewer = api("client")
    data = reviewer.post(url(f"posts/{post['id']}/approve/"), {"comment": "ok"}, format="json").json()
    assert data["status"] == "scheduled" and data["approved_by"] == reviewer.user.pk


def test_request_changes_needs_a_comment(api, world):
    client = api()
    post = create(client, world)
    when = (timezone.now() + dt.timedelta(days=1)).isoformat()
    client.post(url(f"posts/{post['id']}/schedule/"), {"at": when}, format="json")
    response = client.post(url(f"posts/{post['id']}/request-changes/"), {}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    response = client.post(url(f"posts/{post['id']}/request-changes/"), {"comment": "Add a price"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "changes_requested"


def test_retry_a_failed_target_and_read_metrics(api, world):
    from analytics.models import PostMetricLatest
    from posts.models import PostTarget, TargetState

    client = api()
    post = create(client, world)
    target = PostTarget.objects.filter(post_id=post["id"]).first()
    # a target that is not failed cannot be retried
    response = client.post(url(f"posts/{post['id']}/targets/{target.pk}/retry/"))
    assert response.status_code == 400
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.FAILED, error_kind="permanent")
    data = client.post(url(f"posts/{post['id']}/targets/{target.pk}/retry/")).json()
    assert {t["id"]: t["state"] for t in data["targets"]}[target.pk] == "scheduled"
    # a target of another post is a 404
    other = create(client, world)
    assert client.post(url(f"posts/{other['id']}/targets/{target.pk}/retry/")).status_code == 404
    # metrics: the latest figures per target
    now = timezone.now()
    PostMetricLatest.objects.create(
        target=target, post_id=post["id"], workspace=world["ws"], brand=world["brand"], account=target.account,
        network="mastodon", published_at=now, captured_at=now, likes=5, comments=2, shares=1, engagements=8,
    )  # fmt: skip
    metrics = client.get(url(f"posts/{post['id']}/metrics/")).json()
    assert metrics == [
        {
            "target": target.pk,
            "account": target.account_id,
            "network": "mastodon",
            "published_at": metrics[0]["published_at"],
            "captured_at": metrics[0]["captured_at"],
            "impressions": None,
            "reach": None,
            "likes": 5,
            "comments": 2,
            "shares": 1,
            "saves": None,
            "clicks": None,
            "video_views": None,
            "engagements": 8,
        }
    ]


def test_idempotent_create(api, world):
    from posts.models import Post

    client = api()
    # when the same create is sent twice with one key
    first = client.post(url("posts/"), body(world), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = client.post(url("posts/"), body(world), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    # then one post exists and both answers are the same
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Post.objects.filter(workspace=world["ws"]).count() == 1
    # a different body under the same key is a conflict
    third = client.post(url("posts/"), body(world, text="other"), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert third.status_code == 409
    # another token may use the same key for its own create
    other = api()
    assert other.post(url("posts/"), body(world), format="json", HTTP_IDEMPOTENCY_KEY="abc-1").status_code == 201
    assert Post.objects.filter(workspace=world["ws"]).count() == 2


def test_a_refused_create_does_not_burn_the_key(api, world):
    client = api()
    bad = client.post(url("posts/"), body(world, brand=999999), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 400
    good = client.post(url("posts/"), body(world), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert good.status_code == 201


# --- a target whose outcome is unknown ------------------------------------------------------------


def unknown_target(client, world):
    """A post whose first account's target has an unknown outcome (the second is a draft)."""
    from posts.models import PostTarget, TargetState

    post = create(client, world)
    target = PostTarget.objects.filter(post_id=post["id"]).order_by("id").first()
    PostTarget.objects.filter(pk=target.pk).update(
        state=TargetState.UNKNOWN, error_kind="unknown", error_message="The worker stopped while publishing"
    )
    return post, target


def target_of(data, target):
    return next(t for t in data["targets"] if t["id"] == target.pk)


def test_an_unknown_outcome_is_on_the_network_with_its_link(api, world):
    from smm.models import AuditEvent

    client = api()
    post, target = unknown_target(client, world)
    link = "https://social.example/@acme/113512345678901234"
    # when the owner says the post is there, with its link
    response = client.post(url(f"posts/{post['id']}/targets/{target.pk}/on-network/"), {"url": link}, format="json")
    # then the target is published with the id read from the link
    assert response.status_code == 200, response.content
    shown = target_of(response.json(), target)
    assert shown["state"] == "published"
    assert (shown["remote_url"], shown["remote_id"]) == (link, "113512345678901234")
    event = AuditEvent.objects.get(verb="post.marked_published")
    assert event.actor == world["owner"] and event.data["url"] == link
    # and without a link it works too (on another post)
    other, other_target = unknown_target(client, world)
    response = client.post(url(f"posts/{other['id']}/targets/{other_target.pk}/on-network/"), {}, format="json")
    assert target_of(response.json(), other_target)["state"] == "published"


def test_a_bad_link_is_a_field_error(api, world):
    client = api()
    post, target = unknown_target(client, world)
    response = client.post(
        url(f"posts/{post['id']}/targets/{target.pk}/on-network/"), {"url": "javascript:alert(1)"}, format="json"
    )
    assert response.status_code == 400
    assert "web address" in response.json()["url"][0]


def test_send_again_needs_a_confirmation_that_says_what_may_happen(api, world):
    from smm.models import AuditEvent

    client = api()
    post, target = unknown_target(client, world)
    path = url(f"posts/{post['id']}/targets/{target.pk}/send-again/")
    # without the confirmation: refused, saying it may appear twice
    response = client.post(path, {}, format="json")
    assert response.status_code == 400
    assert "appear twice" in response.json()["confirm"][0]
    response = client.post(path, {"confirm": False}, format="json")
    assert response.status_code == 400 and "confirm" in response.json()
    # with it: back in line to be sent now
    response = client.post(path, {"confirm": True}, format="json")
    assert response.status_code == 200, response.content
    assert target_of(response.json(), target)["state"] == "scheduled"
    assert AuditEvent.objects.get(verb="post.sent_again").actor == world["owner"]
    # sending it again once more is refused: it is no longer of unknown outcome
    response = client.post(path, {"confirm": True}, format="json")
    assert response.status_code == 400
    assert "not been sent" in response.json()["non_field_errors"][0]


def test_retry_is_refused_for_an_unknown_outcome(api, world):
    from posts.models import PostTarget, TargetState

    client = api()
    post, target = unknown_target(client, world)
    response = client.post(url(f"posts/{post['id']}/targets/{target.pk}/retry/"))
    assert response.status_code == 400
    message = response.json()["non_field_errors"][0]
    assert "could not confirm" in message and "send it again" in message
    assert PostTarget.objects.get(pk=target.pk).state == TargetState.UNKNOWN


@pytest.mark.parametrize("role", ["editor", "contributor", "client"])
def test_only_owners_and_managers_settle_an_unknown_outcome(api, world, role):
    from posts.models import PostTarget, TargetState

    post, target = unknown_target(api(), world)
    client = api(role)
    response = client.post(url(f"posts/{post['id']}/targets/{target.pk}/on-network/"), {}, format="json")
    assert response.status_code == 403 and "detail" in response.json()
    response = client.post(url(f"posts/{post['id']}/targets/{target.pk}/send-again/"), {"confirm": True}, format="json")
    assert response.status_code == 403
    assert PostTarget.objects.get(pk=target.pk).state == TargetState.UNKNOWN
    # a manager may
    manager = api("manager")
    response = manager.post(url(f"posts/{post['id']}/targets/{target.pk}/on-network/"), {}, format="json")
    assert response.status_code == 200


def test_another_workspaces_unknown_target_is_404(api, world):
    post, target = unknown_target(api(), world)
    stranger = api(user=world["other_owner"], workspace=world["other"])
    for ws in ("acme", "other"):
        for action, data in (("on-network", {}), ("send-again", {"confirm": True})):
            path = url(f"posts/{post['id']}/targets/{target.pk}/{action}/", ws=ws)
            assert stranger.post(path, data, format="json").status_code == 404
    # and a target of another post of the same workspace is a 404 too
    client = api()
    other = create(client, world)
    path = url(f"posts/{other['id']}/targets/{target.pk}/on-network/")
    assert client.post(path, {}, format="json").status_code == 404


def test_publish_now_for_a_paused_brand_answers_held(api, world):
    # given a paused brand (the crisis switch)
    world["brand"].paused = True
    world["brand"].save(update_fields=["paused"])
    client = api()
    post = create(client, world)
    # when it is published "now" through the API
    data = client.post(url(f"posts/{post['id']}/schedule/"), {"now": True}, format="json").json()
    # then the answer says it is held, not only "scheduled"
    assert (data["status"], data["held"]) == ("scheduled", True)
    assert client.get(url(f"posts/{post['id']}/")).json()["held"] is True
    # and once the brand is resumed it is no longer held
    world["brand"].paused = False
    world["brand"].save(update_fields=["paused"])
    assert client.get(url(f"posts/{post['id']}/")).json()["held"] is False
