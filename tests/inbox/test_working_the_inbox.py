"""Working the inbox: list and filters, conversation, replies through the adapter,
assignment, done, snooze, notes, saved replies, rights and tenancy."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inbox import actions
from inbox.models import InboxItem, InboxNote, InboxReply, SavedReply
from posts.models import Post, PostTarget
from tests.inbox.conftest import MASTODON, network_item

pytestmark = pytest.mark.django_db

STATUSES = f"{MASTODON}/api/v1/statuses"


def url(name, ws, **kwargs):
    return reverse(f"inbox:{name}", kwargs={"ws": ws.slug, **kwargs})


@pytest.fixture
def items(shop, add_items):
    return add_items(
        shop["account"],
        network_item("1", text="Thanks for the lovely latte!", minutes_ago=30, author_name="Ann Lee"),
        network_item("2", text="My order arrived broken. This is terrible, I want my money back.", minutes_ago=20),
        network_item("3", text="What time do you open on Sunday?", kind="dm", minutes_ago=10),
    )


def by_remote(remote_id):
    return InboxItem.objects.get(remote_id=remote_id)


def test_list_shows_open_items_highest_priority_first_with_reasons(client, shop, items):
    client.force_login(shop["owner"])

    response = client.get(url("list", shop["ws"]))

    assert response.status_code == 200
    rows = list(response.context["items"])
    assert rows[0].remote_id == "2"  # the negative one
    body = response.content.decode()
    assert "negative sentiment (-0." in body
    assert body.index("My order arrived broken") < body.index("lovely latte")


def test_list_can_show_newest_first(client, shop, items):
    client.force_login(shop["owner"])
    response = client.get(url("list", shop["ws"]), {"sort": "newest"})
    assert [row.remote_id for row in response.context["items"]] == ["3", "2", "1"]


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"kind": "dm"}, ["3"]),
        ({"sentiment": "negative"}, ["2"]),
        ({"sentiment": "positive"}, ["1"]),
        ({"q": "sunday"}, ["3"]),
        ({"q": "ann lee"}, ["1"]),
        ({"network": "bluesky"}, []),
        ({"status": "done"}, []),
    ],
)
def test_filters(client, shop, items, params, expected):
    client.force_login(shop["owner"])
    response = client.get(url("list", shop["ws"]), {"sort": "newest", **params})
    assert sorted(row.remote_id for row in response.context["items"]) == sorted(expected)


def test_filter_by_brand_and_account(client, shop, items, make_brand, make_account, add_items):
    other_brand = make_brand(shop["ws"], "Acme Cold Brew")
    other = make_account(other_brand, "bluesky", "@coldbrew.example", remote_id="did:plc:cold")
    add_items(other, network_item("b1", text="Cold brew question"))
    client.force_login(shop["owner"])

    by_brand = client.get(url("list", shop["ws"]), {"brand": other_brand.pk})
    by_account = client.get(url("list", shop["ws"]), {"account": shop["account"].pk})
    by_network = client.get(url("list", shop["ws"]), {"network": "bluesky"})

    assert [row.remote_id for row in by_brand.context["items"]] == ["b1"]
    assert sorted(row.remote_id for row in by_account.context["items"]) == ["1", "2", "3"]
    assert [row.remote_id for row in by_network.context["items"]] == ["b1"]


def test_assigned_to_me_snoozed_and_done(client, shop, items, make_member):
    editor = make_member(shop["ws"], "editor", username="eve")
    actions.assign(by_remote("1"), editor, shop["owner"])
    actions.set_status(by_remote("2"), "snoozed", editor, snoozed_until=timezone.now() + dt.timedelta(hours=2))
    actions.set_status(by_remote("3"), "done", editor)
    client.force_login(editor)

    def remote_ids(status):
        return [row.remote_id for row in client.get(url("list", shop["ws"]), {"status": status}).context["items"]]

    assert remote_ids("mine") == ["1"]
    assert remote_ids("snoozed") == ["2"]
    assert remote_ids("done") == ["3"]
    assert remote_ids("open") == ["1"]


def test_a_snooze_that_ran_out_is_open_again(client, shop, items):
    item = by_remote("2")
    InboxItem.objects.filter(pk=item.pk).update(status="snoozed", snoozed_until=timezone.now() - dt.timedelta(1))
    client.force_login(shop["owner"])

    response = client.get(url("list", shop["ws"]))

    assert "2" in [row.remote_id for row in response.context["items"]]
    assert by_remote("2").status == "open"


def test_the_live_fragment_shows_a_new_arrival(client, shop, items, add_items):
    client.force_login(shop["owner"])
    add_items(shop["account"], network_item("9", text="Just arrived: is the cafe dog-friendly?", minutes_ago=0))

    response = client.get(url("items", shop["ws"]), {"sort": "newest"})

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "is the cafe dog-friendly?" in response.content.decode()


def test_conversation_shows_the_thread_and_our_post(client, shop, add_items):
    post = Post.objects.create(workspace=shop["ws"], brand=shop["brand"], text="Spring blend")
    PostTarget.objects.create(post=post, account=shop["account"], remote_id="4000", text="Our spring blend is here")
    first, *_ = add_items(
        shop["account"],
        network_item("4001", text="Is it decaf?", kind="reply", post_remote_id="4000", parent_remote_id="4000"),
    )
    add_items(shop["account"], network_item("4002", text="Asking too!", parent_remote_id="4001", minutes_ago=1))
    client.force_login(shop["owner"])

    response = client.get(url("item", shop["ws"], item_id=first.pk))

    body = response.content.decode()
    assert "Our spring blend is here" in body
    assert "Is it decaf?" in body and "Asking too!" in body


def test_reply_goes_out_through_the_adapter_and_appears_in_the_thread(
    client, shop, items, network, eager_celery, django_capture_on_commit_callbacks
):
    # given the instance accepts the reply
    network.post(
        STATUSES,
        json={
            "id": "5001",
            "created_at": "2026-03-02T12:00:00.000Z",
            "url": "https://social.example/@acme/5001",
            "content": "<p>reply</p>",
        },
    )
    item = by_remote("2")
    client.force_login(shop["owner"])

    # when the owner replies from the conversation
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("reply", shop["ws"], item_id=item.pk), {"text": "So sorry! We will refund you."})

    # then the network received an answer to that very status, with the author mentioned
    assert response.status_code == 302
    sent = json.loads(network.calls[0].request.body)
    assert sent["in_reply_to_id"] == "2"
    assert sent["status"] == "@sam@elsewhere.social So sorry! We will refund you."
    assert network.calls[0].request.headers["Idempotency-Key"]
    # and the reply shows as sent in the thread, the item counts as answered by the owner
    reply = InboxReply.objects.get()
    assert (reply.state, reply.remote_id) == ("sent", "5001")
    item.refresh_from_db()
    assert item.first_response_at is not None and item.responded_by == shop["owner"]
    page = client.get(url("item", shop["ws"], item_id=item.pk)).content.decode()
    assert "So sorry! We will refund you." in page and "sent" in page


def test_the_reply_task_running_twice_posts_once(shop, items, network):
    network.post(
        STATUSES, json={"id": "5001", "created_at": "2026-03-02T12:00:00.000Z", "url": "https://social.example/5001"}
    )
    reply = InboxReply.objects.create(item=by_remote("2"), author=shop["owner"], text="Sorry!")

    assert actions.send_reply(reply.pk) == "sent"
    assert actions.send_reply(reply.pk) == "not claimed"

    assert len(network.calls) == 1


def test_a_refused_reply_is_shown_as_failed_with_the_reason(shop, items, network):
    network.post(STATUSES, status=422, json={"error": "Validation failed: Text character limit of 500 exceeded"})
    reply = InboxReply.objects.create(item=by_remote("2"), author=shop["owner"], text="x" * 600)

    actions.send_reply(reply.pk)

    reply.refresh_from_db()
    assert reply.state == "failed"
    assert "character limit" in reply.error_message
    assert by_remote("2").first_response_at is None


def test_a_client_cannot_reply(client, shop, items, make_member):
    customer = make_member(shop["ws"], "client", username="clara")
    client.force_login(customer)

    page = client.get(url("item", shop["ws"], item_id=by_remote("2").pk))
    response = client.post(url("reply", shop["ws"], item_id=by_remote("2").pk), {"text": "hi"})

    assert page.status_code == 200
    assert "can read the inbox but not answer from it" in page.content.decode()
    assert 'data-testid="reply-form"' not in page.content.decode()
    assert response.status_code == 403
    assert InboxReply.objects.count() == 0


def test_a_contributor_can_reply_but_not_assign_or_edit_keywords(client, shop, items, make_member):
    contributor = make_member(shop["ws"], "contributor", username="carl")
    client.force_login(contributor)

    assert client.post(url("assign", shop["ws"], item_id=by_remote("2").pk), {"assignee": ""}).status_code == 403
    assert client.get(url("settings", shop["ws"])).status_code == 403
    assert client.post(url("note", shop["ws"], item_id=by_remote("2").pk), {"text": "on it"}).status_code == 302


def test_another_workspaces_item_is_not_found(client, two_workspaces, add_items):
    item, *_ = add_items(two_workspaces["account_a"], network_item("x1", text="secret"))
    client.force_login(two_workspaces["owner_b"])
    ws_b = two_workspaces["b"]

    assert client.get(url("item", ws_b, item_id=item.pk)).status_code == 404
    assert client.post(url("reply", ws_b, item_id=item.pk), {"text": "hi"}).status_code == 404
    assert client.post(url("status", ws_b, item_id=item.pk), {"status": "done"}).status_code == 404
    assert "secret" not in client.get(url("list", ws_b)).content.decode()
    # and B's owner cannot reach A's inbox at all
    assert client.get(url("list", two_workspaces["a"])).status_code == 404


def test_assign_done_snooze_and_note(client, shop, items, make_member):
    editor = make_member(shop["ws"], "editor", username="eve")
    item = by_remote("2")
    client.force_login(shop["owner"])

    client.post(url("assign", shop["ws"], item_id=item.pk), {"assignee": editor.pk})
    client.post(url("note", shop["ws"], item_id=item.pk), {"text": "Customer called too."})
    until = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(url("status", shop["ws"], item_id=item.pk), {"status": "snoozed", "until": until})
    item.refresh_from_db()
    assert (item.assignee, item.status) == (editor, "snoozed")
    assert InboxNote.objects.get().text == "Customer called too."

    client.post(url("status", shop["ws"], item_id=item.pk), {"status": "done"})
    item.refresh_from_db()
    assert (item.status, item.snoozed_until) == ("done", None)


def test_snoozing_into_the_past_is_refused(client, shop, items):
    client.force_login(shop["owner"])
    item = by_remote("2")

    response = client.post(
        url("status", shop["ws"], item_id=item.pk), {"status": "snoozed", "until": "2020-01-01T10:00"}, follow=True
    )

    assert "Choose a time in the future" in response.content.decode()
    assert by_remote("2").status == "open"


def test_cannot_assign_someone_outside_the_workspace(client, shop, items, make_user):
    stranger = make_user(username="stranger")
    client.force_login(shop["owner"])
    response = client.post(url("assign", shop["ws"], item_id=by_remote("2").pk), {"assignee": stranger.pk})
    assert response.status_code == 400
    assert by_remote("2").assignee is None


def test_only_a_member_who_may_answer_the_inbox_can_be_assigned(shop, items, make_member, make_user):
    # given a client of the workspace and a stranger: neither can answer its inbox
    reader = make_member(shop["ws"], "client", username="reader")
    stranger = make_user(username="stranger")
    item = by_remote("2")
    # when the inbox's assign action is asked to give them the item, directly (as any caller would)
    for person in (reader, stranger, stranger.pk):
        with pytest.raises(ValidationError) as refused:
            actions.assign(item, person, shop["owner"])
        # then it refuses, in the words the pages and the API show, and the item stays unassigned
        assert refused.value.message_dict == {"assignee": ["That person cannot answer this workspace's inbox."]}
    assert by_remote("2").assignee is None
    # while an editor, by account or id, can be
    editor = make_member(shop["ws"], "editor", username="eve")
    assert actions.assign(item, editor.pk, shop["owner"]) == editor
    assert by_remote("2").assignee == editor


def test_saved_reply_placeholders(shop, items):
    saved = SavedReply.objects.create(
        workspace=shop["ws"],
        title="Sorry",
        text="Hi {first_name}, sorry about that! {handle}, {brand} will make it right. {0.__class__} {unknown}",
    )
    assert saved.render(by_remote("2")) == (
        "Hi Sam, sorry about that! @sam@elsewhere.social, Acme Coffee will make it right. {0.__class__} {unknown}"
    )


def test_first_name_falls_back_to_the_handle(shop, add_items):
    item, *_ = add_items(shop["account"], network_item("h1", author_name="", author_handle="@kim@mastodon.social"))
    assert item.first_name == "kim"


def test_authors_known_only_by_a_number_or_urn_are_shown_in_words(client, shop, make_account, add_items):
    # given comments from networks that give an id, not a handle, and an Instagram username
    linkedin = make_account(shop["brand"], "linkedin", "Acme Company", remote_id="urn:li:organization:5")
    page = make_account(shop["brand"], "facebook", "Acme Page", remote_id="555")
    instagram = make_account(shop["brand"], "instagram", "acme.coffee", remote_id="1784")
    [member] = add_items(linkedin, network_item("urn:li:comment:1", author_handle="urn:li:person:AbC1", author_name=""))
    [fan] = add_items(page, network_item("555_1_2", author_handle="100089", author_name="Pat Doe"))
    [gram] = add_items(instagram, network_item("1800", author_handle="pat.doe", author_name=""))
    client.force_login(shop["owner"])

    # when the inbox is listed and the LinkedIn comment opened
    listing = client.get(url("list", shop["ws"])).content.decode()
    opened = client.get(url("item", shop["ws"], item_id=member.pk)).content.decode()

    # then people read a name, a handle, or the network, never an internal id
    assert (member.author_label, fan.author_label, gram.author_label) == ("Someone on LinkedIn", "Pat Doe", "@pat.doe")
    assert "Someone on LinkedIn" in listing and "Pat Doe" in listing and "@pat.doe" in listing
    assert "urn:li:person" not in listing and "100089" not in listing
    assert "<h1>Someone on LinkedIn</h1>" in opened and "urn:li:person" not in opened
    # and a saved reply's {first_name} and {handle} still read well
    saved = SavedReply(workspace=shop["ws"], title="Hi", text="Hi {first_name} ({handle})")
    assert [saved.render(item) for item in (member, fan, gram)] == [
        "Hi there ()",
        "Hi Pat (Pat Doe)",
        "Hi pat.doe (@pat.doe)",
    ]


def test_saved_replies_are_offered_rendered_for_the_item(client, shop, items):
    SavedReply.objects.create(workspace=shop["ws"], title="Thanks", text="Thanks {first_name}!")
    client.force_login(shop["owner"])
    body = client.get(url("item", shop["ws"], item_id=by_remote("1").pk)).content.decode()
    assert 'data-text="Thanks Ann!"' in body


def test_keywords_and_saved_replies_are_managed_in_settings(client, shop):
    client.force_login(shop["owner"])
    client.post(url("settings", shop["ws"]), {"what": "keyword", "word": " Lawsuit ", "weight": 40})
    client.post(url("settings", shop["ws"]), {"what": "saved_reply", "title": "Hello", "text": "Hi {first_name}"})
    again = client.post(url("settings", shop["ws"]), {"what": "keyword", "word": "lawsuit", "weight": 10})

    assert list(shop["ws"].inbox_keywords.values_list("word", "weight")) == [("lawsuit", 40)]
    assert shop["ws"].saved_replies.get().text == "Hi {first_name}"
    assert "already a keyword" in again.content.decode()


def test_keyboard_script_is_a_static_file_not_inline(client, shop, items):
    client.force_login(shop["owner"])
    body = client.get(url("list", shop["ws"])).content.decode()
    assert "js/inbox.js" in body
    assert "<script>" not in body


def test_malformed_ids_are_refused_plainly(client, shop, items):
    client.force_login(shop["owner"])
    assert client.post(url("assign", shop["ws"], item_id=by_remote("2").pk), {"assignee": "abc"}).status_code == 400
    # an id that cannot be one names nothing, like an unknown one (smm/request_input.py)
    assert client.post(url("settings", shop["ws"]), {"what": "delete_keyword", "id": "x"}).status_code == 404


def test_another_workspaces_saved_reply_cannot_be_removed(client, two_workspaces):
    saved = SavedReply.objects.create(workspace=two_workspaces["a"], title="Hi", text="Hi")
    client.force_login(two_workspaces["owner_b"])
    response = client.post(url("settings", two_workspaces["b"]), {"what": "delete_saved_reply", "id": saved.pk})
    assert response.status_code == 404
    assert SavedReply.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize(
    ("handle", "label"),
    [("@12345", "@12345"), ("12345", ""), ("@", ""), ("", ""), ("urn:li:person:AbC1", ""), ("pat.doe", "@pat.doe")],
)
def test_a_handle_is_shown_only_when_it_is_one(handle, label):
    # an X username may be all digits; a bare number is a Facebook or Instagram id
    assert InboxItem(author_handle=handle).handle_label == label
