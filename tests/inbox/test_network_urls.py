"""Links from a network: only absolute http(s) URLs are stored (inbox items and replies,
an account's avatar, a published post's link) and linked on a page; anything else is
dropped, not repaired."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from inbox import actions
from inbox.models import InboxItem, InboxReply
from posts.models import Post, PostTarget, TargetState
from smm.network_urls import http_url
from smm.platforms.base import ConnectedAccount, PublishResult
from tests.inbox.conftest import network_item

UNSAFE = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\n\njavascript:alert(1)",
    "\x00javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "javascript://elsewhere.social/%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,<svg onload=alert(1)>",
    " data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "VBScript:MsgBox(1)",
    "\x0bvbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://files.example/a",
    "//elsewhere.social/@sam",
    "/@sam/1",
    "https://",
    "https:///path-without-host",
    "https://[::1",
    " https://elsewhere.social/@sam/1",
    "https://elsewhere.social/@sam/1\n",
]
SAFE = [
    "https://elsewhere.social/@sam/1",
    "http://example.com/a?b=c#d",
    "HTTPS://Example.COM/Path",
    "https://cdn.example/avatars/sam.png?size=96&v=2",
    "https://例え.jp/パス",
]


@pytest.mark.parametrize("url", UNSAFE)
def test_anything_but_an_absolute_http_url_is_dropped(url):
    assert http_url(url) == ""


@pytest.mark.parametrize("url", SAFE)
def test_http_urls_are_kept_as_they_are(url):
    assert http_url(url) == url


def test_a_url_too_long_to_store_is_dropped_not_cut():
    url = "https://elsewhere.social/" + "a" * 600
    assert http_url(url, max_length=500) == ""
    assert http_url(url, max_length=1000) == url


@pytest.mark.parametrize("value", [None, 42, ["https://x.example"]])
def test_what_is_not_text_is_dropped(value):
    assert http_url(value) == ""


# --- at ingest -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", UNSAFE[:17])
def test_an_inbox_item_keeps_no_unsafe_link_or_avatar(shop, add_items, url):
    # when a network hands us a mention whose link and avatar are scripts
    (item,) = add_items(shop["account"], network_item(url=url, author_avatar=url, text="hello"))

    # then the item is stored, without them
    assert (item.text, item.url, item.author_avatar) == ("hello", "", "")


@pytest.mark.django_db
def test_an_inbox_item_keeps_its_http_link_and_avatar(shop, add_items):
    (item,) = add_items(
        shop["account"],
        network_item(url="https://elsewhere.social/@sam/1", author_avatar="https://elsewhere.social/a.png"),
    )
    assert (item.url, item.author_avatar) == ("https://elsewhere.social/@sam/1", "https://elsewhere.social/a.png")


class AnsweringAdapter:
    idempotency = ""

    def __init__(self, url):
        self.url = url

    def reply(self, account, item, text):
        return PublishResult(remote_id="r-1", url=self.url, published_at=timezone.now())


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["javascript:alert(1)", " data:text/html,x", "VBScript:x"])
def test_a_sent_reply_keeps_no_unsafe_link(shop, add_items, url, use_adapter):
    (item,) = add_items(shop["account"], network_item())
    reply = InboxReply.objects.create(item=item, author=shop["owner"], text="Thanks!")

    use_adapter(AnsweringAdapter(url))
    assert actions.send_reply(reply.pk) == "sent"

    reply.refresh_from_db()
    assert (reply.state, reply.remote_id, reply.url) == ("sent", "r-1", "")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:image/png;base64,iVBO", " vbscript:x"])
def test_a_connected_accounts_avatar_must_be_an_http_url(shop, url):
    from smm.connections import save_connection

    request = RequestFactory().get("/")
    request.user = shop["owner"]
    connected = ConnectedAccount(remote_id="901", handle="@acme2", display_name="Acme", avatar_url=url, credentials={})

    account, _created = save_connection(request, shop["brand"], "mastodon", connected)

    assert account.avatar_url == ""


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "\tdata:text/html,x"])
def test_a_published_posts_link_must_be_an_http_url(shop, url):
    from posts.publishing import record_published

    post = Post.objects.create(
        workspace=shop["ws"], brand=shop["brand"], author=shop["owner"], text="Hi", scheduled_at=timezone.now()
    )
    target = PostTarget.objects.create(post=post, account=shop["account"], state=TargetState.PUBLISHING)

    assert record_published(target, PublishResult("42", url, timezone.now())) == "published"

    target.refresh_from_db()
    assert (target.state, target.remote_id, target.remote_url) == (TargetState.PUBLISHED, "42", "")


# --- at render -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", UNSAFE)
def test_the_filter_links_nothing_unsafe(url):
    template = Template(
        "{% load smm_tags %}"
        '{% with link=url|http_url %}{% if link %}<a href="{{ link }}">open</a>{% endif %}{% endwith %}'
    )
    html = template.render(Context({"url": url}))
    assert html == ""


@pytest.mark.django_db
def test_links_stored_before_the_rule_are_not_linked_on_the_item_page(client, shop, add_items):
    # given rows stored before ingest checked their links
    (item,) = add_items(shop["account"], network_item(text="Look at this"))
    post = Post.objects.create(
        workspace=shop["ws"], brand=shop["brand"], author=shop["owner"], text="Ours", scheduled_at=timezone.now()
    )
    target = PostTarget.objects.create(
        post=post, account=shop["account"], state=TargetState.PUBLISHED, remote_url=" javascript:alert('post')"
    )
    InboxItem.objects.filter(pk=item.pk).update(url="JavaScript:alert('item')", post_target=target)
    InboxReply.objects.create(
        item=item,
        author=shop["owner"],
        text="Thanks",
        state="sent",
        url="data:text/html,<script>alert('reply')</script>",
        sent_at=timezone.now() + dt.timedelta(seconds=1),
    )
    client.force_login(shop["owner"])

    # when the item is opened
    html = client.get(item.get_absolute_url()).content.decode()

    # then none of them is a link, and the page is still whole
    assert "Look at this" in html and "Thanks" in html and "Ours" in html
    assert not re.search(r"(?i)(href|src)\s*=\s*[\"']?\s*(javascript|data|vbscript):", html)
    assert "alert(" not in html


def test_every_template_links_network_urls_through_the_filter():
    # Fields that hold a URL a network gave us, wherever a template shows them; in the
    # inbox's templates any ".url" is an item's or a reply's.
    network_fields = re.compile(r"remote_url|avatar_url|author_avatar")
    inbox_fields = re.compile(r"\.url\b")
    attribute = re.compile(r"(?:href|src)\s*=\s*\"\{\{\s*([^}]*)\}\}\"")
    templates = pathlib.Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in templates.rglob("*.html"):
        in_inbox = path.parent.name == "inbox"
        for expression in attribute.findall(path.read_text()):
            shows_network_url = network_fields.search(expression) or (in_inbox and inbox_fields.search(expression))
            if shows_network_url and "http_url" not in expression:
                offenders.append(f"{path.relative_to(templates)}: {{{{ {expression.strip()} }}}}")
    # Links made with {% with link=...|http_url %} pass "link" here, which names no field.
    assert offenders == []


@pytest.mark.django_db
def test_links_stored_before_the_rule_are_dropped_by_the_migration(shop, add_items):
    from importlib import import_module

    from django.apps import apps

    from smm.models import SocialAccount

    migration = import_module("inbox.migrations.0005_reply_unknown_and_safe_links")
    # given rows stored before ingest checked their links
    add_items(shop["account"], network_item(text="bad"), network_item(text="good"))
    bad, good = InboxItem.objects.get(text="bad"), InboxItem.objects.get(text="good")
    InboxItem.objects.filter(pk=bad.pk).update(url=" javascript:alert(1)", author_avatar="data:image/png,x")
    InboxItem.objects.filter(pk=good.pk).update(url="https://elsewhere.social/@sam/2")
    SocialAccount.objects.filter(pk=shop["account"].pk).update(avatar_url="JavaScript:alert(1)")
    post = Post.objects.create(
        workspace=shop["ws"], brand=shop["brand"], author=shop["owner"], text="Ours", scheduled_at=timezone.now()
    )
    target = PostTarget.objects.create(
        post=post, account=shop["account"], state=TargetState.PUBLISHED, remote_url="vbscript:x"
    )

    # when the migration runs
    migration.drop_unsafe_links(apps, None)

    # then the unsafe ones are empty and the rest is untouched
    bad.refresh_from_db()
    good.refresh_from_db()
    target.refresh_from_db()
    assert (bad.url, bad.author_avatar) == ("", "")
    assert good.url == "https://elsewhere.social/@sam/2"
    assert SocialAccount.objects.get(pk=shop["account"].pk).avatar_url == ""
    assert target.remote_url == ""
