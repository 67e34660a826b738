"""Every URL pattern (Django's resolver, walked recursively, DRF routes included) asked as
a visitor, as a member of another workspace, and as each role: the answer must match the
rule in tests/security/url_rules.py. A URL without a rule fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.security.url_rules import ROLES, ROUTE_SAMPLES, rule_for

pytestmark = pytest.mark.django_db


def walk(patterns, prefix: str = "", namespace: str | None = None, keys: tuple = ()):
    """(name, route, kwarg names) of every URL pattern, through nested includes."""
    for pattern in patterns:
        own = tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner, keys + own)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, prefix + str(pattern.pattern), keys + own


def all_urls():
    seen = set()
    for name, route, keys in walk(get_resolver().url_patterns):
        if (name, route) not in seen:
            seen.add((name, route))
            yield name, route, keys


URLS = list(all_urls())


def test_every_url_has_a_rule():
    # given every URL pattern the project serves
    # then each one has an access rule (add yours to tests/security/url_rules.py)
    missing = [f"{name or '(unnamed)'}  /{route}" for name, route, _ in URLS if rule_for(name, route) is None]
    assert not missing, "URLs without an access rule:\n  " + "\n  ".join(missing)


# --- a world with two workspaces and one member of each role -----------------------------


def _build_world(make_workspace, make_member, make_brand, make_account):
    from smm.models import Invitation, Membership

    ws_a = make_workspace("Alpha")
    ws_b = make_workspace("Beta")
    users = {role: make_member(ws_a, role, username=f"a-{role}") for role in ROLES}
    outsider = make_member(ws_b, "owner", username="b-owner")
    brand = make_brand(ws_a, "Alpha Brand")
    account = make_account(brand, handle="@alpha")
    make_account(make_brand(ws_b, "Beta Brand"), handle="@beta")
    ids = {
        "brand_id": brand.pk,
        "account_id": account.pk,
        "membership_id": Membership.objects.get(workspace=ws_a, user=users["client"]).pk,
        "invitation_id": Invitation.objects.create(
            workspace=ws_a, email="new@example.com", role="editor", invited_by=users["owner"]
        ).pk,
    }
    ids.update(_app_objects(ws_a, brand, account, users["owner"]))
    return {"a": ws_a, "b": ws_b, "users": users, "outsider": outsider, "ids": ids}


def _app_objects(workspace, brand, account, owner) -> dict:
    """Objects of the apps built on the core, each only if its app has the model."""
    ids: dict = {}
    now = timezone.now()
    try:
        from posts.models import Campaign, MediaAsset, Notification, Post, PostingSlot, PostTarget

        post = Post.objects.create(workspace=workspace, brand=brand, author=owner, text="Hello")
        ids["target_id"] = PostTarget.objects.create(post=post, account=account, text="Hello").pk
        ids["post_id"] = post.pk
        ids["campaign_id"] = Campaign.objects.create(workspace=workspace, name="Spring").pk
        ids["media_id"] = MediaAsset.objects.create(
            workspace=workspace, file="media/x.png", mime_type="image/png", width=1, height=1
        ).pk
        ids["slot_id"] = PostingSlot.objects.create(brand=brand, weekday=0, time=dt.time(9, 0)).pk
        from posts.models import MediaUpload

        ids["upload_id"] = MediaUpload.objects.create(workspace=workspace, user=owner, length=10).uuid
        ids["notification_id"] = Notification.objects.create(
            workspace=workspace, user=owner, text="A post could not be published", url=post.get_absolute_url()
        ).pk
        from posts.models import BulkImport

        ids["job_id"] = BulkImport.objects.create(
            workspace=workspace, brand=brand, uploaded_by=owner, file_name="a.csv", content="accounts,text\n@alpha,Hi\n"
        ).pk
    except ImportError:
        pass
    try:
        from content_calendar.models import CalendarNote

        ids["note_id"] = CalendarNote.objects.create(
            workspace=workspace, title="Launch", starts_on=now.date(), ends_on=now.date()
        ).pk
    except ImportError:
        pass
    try:
        from analytics.models import ReportSubscription

        ids["subscription_id"] = ReportSubscription.objects.create(workspace=workspace, user=owner).pk
    except ImportError:
        pass
    try:
        from inbox.models import InboxItem, InboxReply

        item = InboxItem.objects.create(
            workspace=workspace, account=account, kind="comment", remote_id="r1", text="Nice!", created_at=now
        )
        ids["item_id"] = item.pk
        ids["reply_id"] = InboxReply.objects.create(item=item, author=owner, text="Thanks", state="failed").pk
    except ImportError:
        pass
    try:
        from recurring.models import Series

        ids["series_id"] = Series.objects.create(
            workspace=workspace,
            brand=brand,
            rule="FREQ=DAILY",
            starts_on=dt.date(2099, 1, 1),
            at=dt.time(9, 0),
            time_zone="UTC",
            window_start=now,
        ).pk
    except ImportError:
        pass
    try:
        from links.models import TrackedLink

        ids["link_id"] = TrackedLink.objects.create(
            workspace=workspace, brand=brand, original_url="https://example.com/", destination="https://example.com/"
        ).pk
    except ImportError:
        pass
    try:
        from listening.models import Mention, Monitor, SpikeAlert

        monitor = Monitor.objects.create(workspace=workspace, brand=brand, name="Alpha", terms=["alpha"])
        ids["monitor_id"] = monitor.pk
        ids["mention_id"] = Mention.objects.create(
            workspace=workspace,
            monitor=monitor,
            source="bluesky",
            remote_id="at://did:plc:a/app.bsky.feed.post/1",
            text="alpha",
            created_at=now,
            seen_at=now,
        ).pk
        ids["alert_id"] = SpikeAlert.objects.create(
            workspace=workspace,
            monitor=monitor,
            series="volume",
            window_minutes=10,
            bucket_start=now,
            count=9,
            baseline_mean=1,
            baseline_stddev=1,
            threshold=4,
        ).pk
    except ImportError:
        pass
    try:
        from smm.models_api import ApiToken, WebhookEndpoint

        ids["token_id"] = ApiToken.objects.create(
            workspace=workspace, user=owner, name="BI", role="manager", prefix="smm_x", token_hash="0" * 64
        ).pk
        ids["endpoint_id"] = WebhookEndpoint.objects.create(
            workspace=workspace, url="https://example.com/hook", events=["post.published"]
        ).pk
    except ImportError:
        pass
    return ids


# Non-object kwargs: values that reach the view.
PLAIN_KWARGS = {
    "network": "mastodon",
    "name": "duplicate",
    "token": "not-a-real-token",
    "uidb64": "MQ",
    "username": "nobody-here",
    "status_id": 999999,
    "path": "nothing-here.txt",
    "app_label": "smm",
    "model_name": "brand",
    "object_id": "1",
    "id": "1",
    "content_type_id": 1,
    "url": "x",
    "format": "json",
    "pk": 999999,
    "code": "noSuchCode",
    "language": "en",
}


def _kwargs(keys, slug: str, ids: dict, pk: str | None) -> dict:
    kwargs = {}
    for key in keys:
        if key == "ws":
            kwargs[key] = slug
        elif key == "pk" and pk:
            kwargs[key] = ids[pk]
        elif key in ids:
            kwargs[key] = ids[key]
        elif key in PLAIN_KWARGS:
            kwargs[key] = PLAIN_KWARGS[key]
        else:
            pytest.fail(f"No value for URL kwarg {key!r}: add an object builder or a plain value to this test")
    return kwargs


def _url(name, route, keys, slug, ids, pk=None) -> str:
    from django.urls import reverse

    kwargs = _kwargs(keys, slug, ids, pk)
    if name:
        return reverse(name, kwargs=kwargs)
    # unnamed: a sample path, or the route's groups filled by hand
    if route in ROUTE_SAMPLES:
        return ROUTE_SAMPLES[route]
    path = route.lstrip("^").rstrip("$")
    for key, value in kwargs.items():
        path = path.replace(f"(?P<{key}>.*)", str(value))
    return "/" + path


def _ask(client: Client, rule, url: str):
    # Each request runs in a transaction that is rolled back, so one actor's POST (a
    # delete, a pause) does not change what the next actor finds.
    with transaction.atomic():
        if rule.method == "post":
            response = client.post(url, rule.data or {})
        elif rule.method == "delete":
            response = client.delete(url)
        else:
            response = client.get(url)
        transaction.set_rollback(True)
    return response


def _matches(response, expected) -> bool:
    status = response.status_code
    if expected == "login":
        return status == 302 and "/login/" in response.get("Location", "")
    if expected == "ok":
        if status == 302 and "/login/" in response.get("Location", ""):
            return False
        return 200 <= status < 400 or status in (400, 409, 422)
    return status == expected


def _describe(response) -> str:
    where = response.get("Location", "")
    return f"{response.status_code}{' -> ' + where if where else ''}"


@pytest.mark.parametrize(("name", "route", "keys"), URLS, ids=[name or route for name, route, _ in URLS])
def test_url_answers_each_actor_as_its_rule_says(
    name, route, keys, make_workspace, make_member, make_brand, make_account
):
    # given a URL's rule and a world with two workspaces and a member of each role
    rule = rule_for(name, route)
    if rule is None:
        pytest.fail(f"No access rule for {name or route}: add one to tests/security/url_rules.py")
    world = _build_world(make_workspace, make_member, make_brand, make_account)
    url = _url(name, route, keys, world["a"].slug, world["ids"], rule.pk)
    failures = []

    def check(actor: str, client: Client, target: str, expected):
        response = _ask(client, rule, target)
        if not _matches(response, expected):
            failures.append(f"{actor}: {rule.method.upper()} {target} gave {_describe(response)}, expected {expected}")

    # when a visitor asks
    check("anonymous", Client(), url, rule.anonymous)
    # when a member of another workspace asks
    outsider = Client()
    outsider.force_login(world["outsider"])
    check("member of another workspace", outsider, url, rule.outsider)
    # when each role of this workspace asks
    for role in ROLES:
        client = Client()
        client.force_login(world["users"][role])
        check(role, client, url, rule.expected_for(role))
    # when the other workspace's owner uses their own workspace in the URL with this one's ids
    object_keys = [key for key in keys if (key.endswith("_id") and key in world["ids"]) or (key == "pk" and rule.pk)]
    if "ws" in keys and object_keys and rule.cross_tenant_ids:
        foreign = _url(name, route, keys, world["b"].slug, world["ids"], rule.pk)
        check("other workspace's owner with this workspace's ids", outsider, foreign, 404)

    # then every answer is the expected one
    assert not failures, "\n".join(failures)


def test_the_walk_reaches_nested_and_top_level_urls():
    # a guard for the walker itself: it found top-level, workspace and app URLs
    names = {name for name, _, _ in URLS}
    assert {"workspace", "login", "healthz", "posts:list"} <= names
