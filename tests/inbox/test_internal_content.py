"""A client sees the conversation, never the team's handling of it: notes, who has the
item, who answered, the priority keywords and the scores they give. Every inbox route
(pages and API, enumerated from the URL configuration so a new route is walked too) is
asked as a client of a workspace where all of that exists."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import actions
from inbox.models import INTERNAL_FIELDS, InboxItem, InboxKeyword, InboxReply
from smm.models_api import WebhookDelivery, WebhookEndpoint
from tests.inbox.conftest import network_item

pytestmark = pytest.mark.django_db

NOTE = "Internal: she threatened to sue us last spring, be careful"
ASSIGNEE = "zed-assignee"
REPLIER = "rita-replier"
KEYWORD = "lawsuit"
# Words that exist only in the team's handling of the item (the last one is the
# keyword's weight on the settings page).
SECRETS = [NOTE, ASSIGNEE, REPLIER, f"keyword: {KEYWORD}", "+40 points"]
# Bits of markup that show a score or a reason.
SCORE_MARKUP = ['class="prio"', 'data-testid="reason"', 'class="chip"']


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(monkeypatch):
    # Row ids repeat between tests on SQLite; the API's request counts in the cache must not.
    from api.throttling import PerTokenThrottle

    monkeypatch.setattr(PerTokenThrottle, "cache_format", f"t-{uuid.uuid4().hex}:%(scope)s:%(ident)s")


@pytest.fixture
def handled(shop, make_member, add_items):
    """An item the team has worked: keyword-scored, assigned, noted, answered."""
    ws, owner = shop["ws"], shop["owner"]
    assignee = make_member(ws, "editor", username=ASSIGNEE)
    replier = make_member(ws, "contributor", username=REPLIER)
    InboxKeyword.objects.create(workspace=ws, word=KEYWORD, weight=40)
    (item,) = add_items(shop["account"], network_item(text="This mug broke, I am thinking of a lawsuit now."))
    actions.assign(item, assignee, owner)
    actions.add_note(item, owner, NOTE)
    now = timezone.now()
    reply = InboxReply.objects.create(
        item=item, author=replier, text="So sorry, a new one is on its way.", state="sent", remote_id="r1", sent_at=now
    )
    InboxItem.objects.filter(pk=item.pk).update(first_response_at=now, responded_by=replier)
    client_user = make_member(ws, "client", username="cora-client")
    item.refresh_from_db()
    return {**shop, "item": item, "reply": reply, "assignee": assignee, "client_user": client_user}


def route_values(handled) -> dict:
    item = handled["item"]
    return {"ws": handled["ws"].slug, "item_id": item.pk, "pk": item.pk, "reply_id": handled["reply"].pk}


def inbox_routes() -> dict[str, set[str]]:
    """Every page route of the inbox app and the parameters it takes (it is mounted
    under /w/<ws>/)."""
    from inbox.urls import app_name, urlpatterns

    return {f"{app_name}:{p.name}": {"ws", *p.pattern.regex.groupindex} for p in urlpatterns}


def api_inbox_routes() -> dict[str, set[str]]:
    from api.urls import router

    return {p.name: set(p.pattern.regex.groupindex) for p in router.urls if p.name.startswith("api-inbox")}


def route_url(name: str, params: set[str], values: dict) -> str:
    unknown = params - set(values)
    if unknown:
        pytest.fail(f"{name} takes {sorted(unknown)}: tell this test which object to put there")
    return reverse(name, kwargs={param: values[param] for param in params})


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def internal_keys(data) -> set[str]:
    """Every key of a JSON document (at any depth) that names an internal field."""
    found: set[str] = set()
    if isinstance(data, dict):
        found |= set(data) & (INTERNAL_FIELDS | {"notes"})
        for value in data.values():
            found |= internal_keys(value)
    elif isinstance(data, list):
        for value in data:
            found |= internal_keys(value)
    return found


def assert_nothing_internal(body: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{where} shows {secret!r} to a client"
    for markup in SCORE_MARKUP:
        assert markup not in body, f"{where} shows a priority score or reason ({markup}) to a client"


def test_the_team_sees_what_the_client_must_not(client, handled):
    # The walk below would pass on an empty page: first make sure it is all there.
    client.force_login(handled["owner"])
    body = client.get(handled["item"].get_absolute_url()).content.decode()
    for secret in SECRETS[:-1]:
        assert secret in body
    for markup in SCORE_MARKUP:
        assert markup in body
    settings_page = client.get(reverse("inbox:settings", kwargs={"ws": handled["ws"].slug})).content.decode()
    assert SECRETS[-1] in settings_page


def test_every_inbox_page_shows_a_client_nothing_internal(client, handled):
    client.force_login(handled["client_user"])
    values = route_values(handled)
    routes = inbox_routes()
    assert {"inbox:list", "inbox:item", "inbox:thread", "inbox:note"} <= set(routes)
    for name, params in routes.items():
        url = route_url(name, params, values)
        for query in ("", "?status=all", "?status=mine", "?sort=priority", "?q=lawsuit"):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url + query, headers=headers)
                assert response.status_code in (200, 302, 403, 405), f"GET {url}{query}: {response.status_code}"
                assert_nothing_internal(body_of(response), f"GET {url}{query}")
        response = client.post(url, {"text": "hi", "status": "done", "assignee": "", "what": "keyword"})
        assert response.status_code in (403, 405), f"POST {url} let a client through ({response.status_code})"
        assert_nothing_internal(body_of(response), f"POST {url}")


def test_the_client_list_is_not_ordered_or_filtered_by_the_teams_triage(client, handled, add_items):
    # given a newer item that scores nothing
    (newer,) = add_items(handled["account"], network_item(text="Lovely mug", minutes_ago=1))
    client.force_login(handled["client_user"])

    # when the client asks for the priority order and for "assigned to me"
    by_priority = client.get(reverse("inbox:list", kwargs={"ws": handled["ws"].slug}), {"sort": "priority"})
    mine = client.get(reverse("inbox:list", kwargs={"ws": handled["ws"].slug}), {"status": "mine"})

    # then the list is the newest first, as without those
    assert [row.pk for row in by_priority.context["items"]] == [newer.pk, handled["item"].pk]
    assert [row.pk for row in mine.context["items"]] == [newer.pk, handled["item"].pk]


def test_every_inbox_api_endpoint_gives_a_client_nothing_internal(client, handled):
    client.force_login(handled["client_user"])
    values = route_values(handled)
    routes = api_inbox_routes()
    assert {"api-inbox-list", "api-inbox-detail", "api-inbox-assign", "api-inbox-reply"} <= set(routes)
    assignee = handled["assignee"].pk
    for name, params in routes.items():
        url = route_url(name, params, values)
        for query in ("", f"?assignee={assignee}", "?unassigned=false", "?ordering=-priority", "?status=open"):
            response = client.get(url + query)
            assert response.status_code in (200, 403, 405), f"GET {url}{query}: {response.status_code}"
            body = body_of(response)
            assert_nothing_internal(body, f"GET {url}{query}")
            assert not internal_keys(json.loads(body)), f"GET {url}{query} names internal fields"
        response = client.post(url, {"text": "hi", "assignee": assignee}, content_type="application/json")
        assert response.status_code in (403, 405), f"POST {url} let a client through ({response.status_code})"
        assert_nothing_internal(body_of(response), f"POST {url}")


def test_a_client_cannot_find_assigned_items_through_api_filters(client, handled, add_items):
    add_items(handled["account"], network_item(text="Lovely mug", minutes_ago=1))
    client.force_login(handled["client_user"])
    url = route_url("api-inbox-list", {"ws"}, route_values(handled))

    everything = [row["id"] for row in client.get(url).json()["results"]]
    assigned = [row["id"] for row in client.get(url, {"assignee": handled["assignee"].pk}).json()["results"]]
    unassigned = [row["id"] for row in client.get(url, {"unassigned": "true"}).json()["results"]]

    # the team's filters are ignored for a client: the same list each time
    assert len(everything) == 2
    assert assigned == everything
    assert unassigned == everything


def test_the_team_still_gets_the_internal_fields_from_the_api(client, handled):
    client.force_login(handled["owner"])
    url = route_url("api-inbox-detail", {"ws", "pk"}, route_values(handled))
    data = client.get(url).json()
    assert data["assignee"] == handled["assignee"].pk
    assert data["priority"] >= 40
    done = client.post(url + "done/").json()
    assert done["assignee"] == handled["assignee"].pk


def test_new_item_webhooks_carry_nothing_internal(shop, add_items):
    # given a webhook for new items and a keyword that scores them
    WebhookEndpoint.objects.create(workspace=shop["ws"], url="https://hooks.example/in", events=["inbox.item_created"])
    InboxKeyword.objects.create(workspace=shop["ws"], word=KEYWORD, weight=40)

    # when an item arrives
    add_items(shop["account"], network_item(text="A lawsuit is coming"))

    # then the delivery tells what arrived, not how the team scores it
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.payload["item"]["text"] == "A lawsuit is coming"
    assert not internal_keys(delivery.payload)
