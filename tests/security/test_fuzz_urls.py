"""Hostile input in every URL pattern: NUL bytes, lone surrogates, ids that are not numbers
or do not fit a database integer, impossible dates, long non-Latin text, in path arguments,
query strings and form/JSON fields, asked as a visitor and as the workspace's owner. Whatever
comes in, the answer is never a server error (5xx). Runs on PostgreSQL too, where a NUL in a
text parameter was a 500."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.security.test_url_rules import URLS, _build_world, _kwargs, _url
from tests.security.url_rules import rule_for

pytestmark = pytest.mark.django_db

OVERLONG = "9" * 40  # past a 64-bit id column
LONG_TEXT = "Z\u00fcrich \U0001f4a5 \u6771\u4eac " * 200

# Every parameter name a view of ours reads from a query string or a form, by hand or through
# a form (grep request.GET / request.POST / query_params / forms), by what it should hold.
ID_PARAMS = [
    "page", "brand", "brands", "account", "accounts", "campaign", "campaigns", "delivery", "id", "target",
    "asset", "delete", "assignee", "media", "weekday", "limit", "max_id", "since_id", "min_id", "cursor",
]  # fmt: skip
DATE_PARAMS = ["at", "date", "time", "start", "end", "week", "until", "scheduled_at", "when", "starts_on", "ends_on"]
TEXT_PARAMS = [
    "network", "networks", "status", "states", "state", "kind", "sentiment", "sort", "q", "period", "view",
    "colour", "format", "next", "code", "error", "what", "action", "time_zone", "text", "link", "comment",
    "alt_text", "upload_alt", "name", "title", "ordering", "hub.mode", "hub.verify_token", "hub.challenge",
    "word", "email", "role", "url", "events", "username", "password",
]  # fmt: skip

# Each round fills every parameter at once with a value hostile to what it should hold.
# Strings are sent UTF-8 encoded with surrogates passed through (ED A0 80 for U+D800).
ROUNDS: dict[str, dict[str, str]] = {
    "ids past 64 bits, month 13, long non-Latin text": {"id": OVERLONG, "date": "2026-13-45T99:99", "text": LONG_TEXT},
    "a non-ASCII digit, 30 February, a huge float": {"id": "\u00b2", "date": "2026-02-30", "text": "1e309"},
    "words for ids and dates": {"id": "abc", "date": OVERLONG, "text": "-1"},
    "a NUL byte, a lone surrogate": {"id": "1\x00", "date": "\ud800", "text": "\x00"},
}
# Values for one path argument at a time, each tried where its converter takes it.
PATH_VALUES = {
    "an id past 64 bits": OVERLONG,
    "a word": "abc",
    "a non-ASCII digit": "\u00b2",
    "an impossible date": "2026-13-45T99:99",
    "long non-Latin text": LONG_TEXT,
    "a NUL byte": "1\x00",
}


def _encode(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _fields(round_: dict[str, str]) -> dict[str, str]:
    return {
        **dict.fromkeys(ID_PARAMS, round_["id"]),
        **dict.fromkeys(DATE_PARAMS, round_["date"]),
        **dict.fromkeys(TEXT_PARAMS, round_["text"]),
    }


def _form(round_: dict[str, str]) -> str:
    return "&".join(f"{quote(name, safe='')}={_encode(value)}" for name, value in _fields(round_).items())


def _json(round_: dict[str, str]) -> str:
    # json.dumps escapes a lone surrogate as \ud800: what a hostile API client sends.
    return json.dumps(_fields(round_))


SENTINEL = "8642097531"  # matches every converter we use (int, slug, str, path, \d+, [^/.]+)


def _accepts(name, kwargs, key, value) -> bool:
    """Whether the path converter of ``key`` takes ``value`` (if not, the resolver answers
    404 before any view: nothing to learn)."""
    try:
        reverse(name, kwargs={**kwargs, key: value})
    except (NoReverseMatch, UnicodeEncodeError):
        return False
    return True


def _paths(name, keys, world, rule) -> list[tuple[str, str]]:
    """(what, path) with a hostile value in one path argument at a time."""
    if not name:
        return []
    found = []
    kwargs = _kwargs(keys, world["a"].slug, world["ids"], rule.pk)
    for key in keys:
        try:
            template = reverse(name, kwargs={**kwargs, key: SENTINEL})
        except NoReverseMatch:
            continue  # a converter that takes only fixed words (the admin's app_label)
        for what, value in PATH_VALUES.items():
            if _accepts(name, kwargs, key, value):
                found.append((f"path {key}: {what}", template.replace(SENTINEL, _encode(value))))
    return found


def _ask(client: Client, method: str, url: str, body: str = "", content_type: str = ""):
    # Each request runs in a transaction that is rolled back: one hostile POST (a delete)
    # does not change what the next one finds.
    with transaction.atomic():
        response = client.generic(method.upper(), url, body, content_type=content_type)
        transaction.set_rollback(True)
    return response


def _describe(response) -> str:
    if response.exc_info:
        kind, error, _ = response.exc_info
        return f"{response.status_code} {kind.__name__}: {str(error)[:200]}"
    return str(response.status_code)


class Actor:
    """A visitor or the workspace's owner, with a test client of their own."""

    def __init__(self, name: str, user=None):
        self.name, self.user = name, user
        self.client = Client(raise_request_exception=False)
        self.sign_in()

    def sign_in(self):
        # Again after a POST to logout (or to a login page) dropped the owner's session.
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        if self.user is not None and (cookie is None or not cookie.value):
            self.client.force_login(self.user)

    def ask(self, method: str, url: str, body: str = "", content_type: str = ""):
        self.sign_in()
        return _ask(self.client, method, url, body, content_type)

    def expected(self, rule):
        return rule.anonymous if self.user is None else rule.expected_for("owner")


FORM = "application/x-www-form-urlencoded"


def _reaches_the_view(response) -> bool:
    sent_to_login = response.status_code == 302 and "/login/" in response.get("Location", "")
    return not sent_to_login and response.status_code not in (401, 403, 405)


def _requests(actor: Actor, name, route, keys, world, rule):
    """(what, method, url, body, content type) of the hostile requests for one URL pattern.
    Where the actor never reaches the view (sent to log in, refused, not staff), none: the
    guard in front of every view is the same code for every URL."""
    if actor.expected(rule) in ("login", 302, 401, 403):
        return
    base = _url(name, route, keys, world["a"].slug, world["ids"], rule.pk).split("?")[0]
    for method in ("get", "post"):
        # The rule names the method the view is for; the other one is asked once to learn.
        if method != rule.method and not _reaches_the_view(actor.ask(method, base, "", FORM)):
            continue
        for what, round_ in ROUNDS.items():
            if method == "get":
                yield f"query: {what}", "get", f"{base}?{_form(round_)}", "", ""
            else:
                yield f"form: {what}", "post", base, _form(round_), FORM
                if route.startswith("api/"):
                    yield f"JSON: {what}", "post", base, _json(round_), "application/json"
        if method == "get":
            for what, path in _paths(name, keys, world, rule):
                yield what, "get", path, "", ""


def test_no_url_answers_hostile_input_with_a_server_error(make_workspace, make_member, make_brand, make_account):
    # given every URL pattern, a workspace with one object of each kind, a visitor and the owner
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    actors = (Actor("visitor"), Actor("owner", world["users"]["owner"]))
    failures = []

    # when hostile values go into each path argument, every query parameter, every form
    # field (and every JSON field of the API), as each actor
    for name, route, keys in URLS:
        rule = rule_for(name, route)
        assert rule is not None, f"no rule for {name or route} in tests/security/url_rules.py"
        for actor in actors:
            for what, method, url, body, content_type in _requests(actor, name, route, keys, world, rule):
                response = actor.ask(method, url, body, content_type)
                if response.status_code >= 500:
                    shown = url if len(url) < 100 else url[:100] + "…"
                    failures.append(f"{actor.name}: {method.upper()} {what} ({shown}) gave {_describe(response)}")

    # then no answer is a server error
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)


def test_the_three_known_cases_are_client_errors(make_workspace, make_member, make_brand, make_account):
    # given a workspace with a webhook endpoint, and its owner signed in
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    visitor, owner = Actor("visitor"), Actor("owner", world["users"]["owner"])
    slug, ids = world["a"].slug, world["ids"]
    redeliver = reverse("api_webhook_action", kwargs={"ws": slug, "endpoint_id": ids["endpoint_id"]})

    # when an invitation token is a NUL byte, the composer is asked for the 45th of month 13,
    # and a webhook delivery id is not a number
    invitation = visitor.client.get("/invitations/%00/")
    composer = owner.client.get(reverse("posts:new", kwargs={"ws": slug}) + "?at=2026-13-45T99:99")
    delivery = owner.client.post(redeliver, {"action": "redeliver", "delivery": "abc"})

    # then each is the visitor's mistake, said as such on a page, not a server error
    assert invitation.status_code == 400
    assert "could not be read" in invitation.content.decode()
    assert composer.status_code == 400
    assert "“2026-13-45T99:99” is not a date and time" in composer.content.decode()
    assert delivery.status_code == 404


def test_the_api_answers_unreadable_input_in_json(make_workspace, make_member, make_brand, make_account):
    # given the owner signed in to the API
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    owner = Actor("owner", world["users"]["owner"]).client
    slug = world["a"].slug

    # when a query parameter carries a NUL byte, and a JSON body a lone surrogate
    query = owner.get(reverse("api-calendar", kwargs={"ws": slug}) + "?start=%00")
    body = owner.generic(
        "POST",
        reverse("api-campaign-list", kwargs={"ws": slug}),
        '{"name": "Spring \\ud800"}',
        content_type="application/json",
    )

    # then both are a 400 in JSON that says what is wrong
    for response in (query, body):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert "could not be read" in response.json()["detail"]


def test_an_id_past_64_bits_in_the_address_is_not_found(make_workspace, make_member, make_brand, make_account):
    # given the owner signed in
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    owner = Actor("owner", world["users"]["owner"]).client
    slug, reply_id = world["a"].slug, world["ids"]["reply_id"]

    # when a page and an API route are asked for an id that no 64-bit column can hold
    page = owner.post(f"/w/{slug}/inbox/{OVERLONG}/replies/{reply_id}/retry/")
    api = owner.get(f"/api/v1/workspaces/{slug}/posts/{OVERLONG}/")

    # then both are "not found", the API's in JSON (SQLite raised OverflowError on the first)
    assert page.status_code == 404
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}


def test_a_form_sent_where_json_is_read_is_not_a_server_error(make_workspace, make_member, make_brand, make_account):
    # given the owner signed in, and two endpoints that read the raw body (a calendar drag,
    # the Meta webhook's signature)
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    owner = Actor("owner", world["users"]["owner"]).client
    drag = reverse("calendar:reschedule", kwargs={"ws": world["a"].slug, "post_id": world["ids"]["post_id"]})

    # when each is sent a multipart form instead
    answers = [owner.post(url, {"start": "2026-03-02T09:00:00"}) for url in (drag, reverse("hooks_meta"))]

    # then each answers as a client error, not a server error
    assert [response.status_code // 100 for response in answers] == [4, 4]


def test_a_post_variant_keyed_by_a_non_ascii_digit_is_a_field_error(
    make_workspace, make_member, make_brand, make_account
):
    # given the owner signed in to the API
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    owner = Actor("owner", world["users"]["owner"]).client

    # when a post's per-account variants are keyed by "²" (str.isdigit() says yes, int() no)
    response = owner.post(
        reverse("api-post-list", kwargs={"ws": world["a"].slug}),
        {"brand": world["ids"]["brand_id"], "accounts": [world["ids"]["account_id"]], "text": "Hi",
         "variants": {"\u00b2": "Hello"}},
        content_type="application/json",
    )  # fmt: skip

    # then the API names the field
    assert response.status_code == 400
    assert "variants" in response.json()


def test_an_emoji_in_json_is_not_taken_for_a_lone_surrogate(make_workspace, make_member, make_brand, make_account):
    # given the owner signed in to the API
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    owner = Actor("owner", world["users"]["owner"]).client

    # when a campaign's name carries an emoji escaped as a surrogate pair (as JSON encoders do)
    response = owner.generic(
        "POST",
        reverse("api-campaign-list", kwargs={"ws": world["a"].slug}),
        '{"name": "Spring \\ud83c\\udf38"}',
        content_type="application/json",
    )

    # then it is created, emoji included
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Spring \U0001f338"


def test_a_username_longer_than_any_is_a_form_error_at_login(client, make_user):
    # given an installation with a user
    make_user()

    # when someone signs in with a 3000-character username
    response = client.post("/login/", {"username": "x" * 3000, "password": "whatever-it-is"})

    # then the login page says the sign-in did not work, as for any wrong name (the name never
    # reaches the lockout's table, which holds 255 characters: a 500 on PostgreSQL)
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


# The views that read dates, ids and numbers from their query string, asked with any text.
PARSING_VIEWS = [
    "posts:new",
    "posts:list",
    "calendar:events",
    "calendar:view",
    "analytics:dashboard",
    "inbox:list",
    "api-calendar",
    "api-kpis",
    "api-post-list",
]
# Printable text, control characters, lone surrogates, and the characters dates and ids
# are made of, so that near-misses ("2026-02-30", "12\x00") come up often.
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789-:T+.,/% \x00"),
        st.characters(),
        st.characters(categories=["Cs", "Cc"]),
    ),
    max_size=30,
)


@pytest.fixture
def parsing_world(make_workspace, make_member, make_brand, make_account):
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    return {"slug": world["a"].slug, "owner": Actor("owner", world["users"]["owner"])}


@given(value=ANY_TEXT)
@hypothesis_settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_text_in_the_parameters_of_parsing_views_is_not_a_server_error(value, parsing_world):
    # given the owner signed in; when any text at all is every query parameter of a view
    # that parses dates and ids; then the answer is a page or a client error, never a 5xx
    round_ = {"id": value, "date": value, "text": value}
    failures = []
    for name in PARSING_VIEWS:
        url = reverse(name, kwargs={"ws": parsing_world["slug"]}) + "?" + _form(round_)
        response = parsing_world["owner"].ask("get", url)
        if response.status_code >= 500:
            failures.append(f"GET {name} with {value!r} gave {_describe(response)}")
    assert not failures, "\n".join(failures)
