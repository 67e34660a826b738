"""Converting from the media library and the composer's checks: who may, in which
workspace, what the page shows while converting, when ready and when it failed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from posts import transcode, validation
from posts.models import MediaAsset
from posts.video import make_clip
from smm.models import Membership
from tests.video.test_transcode import video_asset
from tests.video.test_transcode_content import PICKY

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
VOID = {"input", "img", "br", "hr", "meta", "link", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""


class _Finder(HTMLParser):
    def __init__(self, name, value):
        super().__init__()
        self.name, self.value = name, value
        self.found: list[Element] = []
        self.open: list[tuple[Element, int]] = []  # (element, depth of its tag)
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if self.name in attrs and (self.value is None or attrs[self.name] == self.value):
            element = Element(tag, attrs)
            self.found.append(element)
            if tag not in VOID:
                self.open.append((element, self.depth))
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        self.depth -= 1
        while self.open and self.open[-1][1] >= self.depth:
            self.open.pop()

    def handle_data(self, data):
        for element, _ in self.open:
            element.text += data


def find_all(html: str, selector: str) -> list[Element]:
    """Elements matching ``[name]`` or ``[name="value"]``, with their text."""
    match = re.fullmatch(r'\[([\w-]+)(?:="([^"]*)")?\]', selector)
    finder = _Finder(match.group(1), match.group(2))
    finder.feed(html)
    return finder.found


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(transcode, "send", calls.append)
    return calls


@pytest.fixture
def shop(make_workspace, make_member, make_brand, make_account, tmp_path):
    ws = make_workspace("Acme")
    users = {role: make_member(ws, role, username=role) for role in ("owner", "editor", "client")}
    brand = make_brand(ws, "Acme Coffee")
    account = make_account(brand, "mastodon", "@acme@social.example", base_url="https://social.example")
    make_clip(tmp_path / "clip.webm", seconds=1, width=160, height=90, codec="vp9")
    video = video_asset(ws, tmp_path / "clip.webm")
    return {"ws": ws, "brand": brand, "account": account, "video": video, **users}


def convert_url(shop, asset=None):
    return reverse("posts:media_convert", kwargs={"ws": shop["ws"].slug, "media_id": (asset or shop["video"]).pk})


def state_url(shop, asset=None):
    return reverse("posts:media_conversion", kwargs={"ws": shop["ws"].slug, "media_id": (asset or shop["video"]).pk})


def test_an_editor_converts_a_video_and_sees_it_wait_then_progress_then_ready(client, shop, sent):
    client.force_login(shop["editor"])
    response = client.post(convert_url(shop), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Waiting to be converted" in body and "data-live" in body and "every 2s" in body
    conversion = shop["video"].conversions.get()
    assert sent == [conversion.pk] and conversion.uploaded_by == shop["editor"]
    # asked again (a second click, another tab): the same conversion, not a second one
    assert client.post(convert_url(shop), **HTMX).status_code == 200
    assert shop["video"].conversions.count() == 1 and sent == [conversion.pk]

    MediaAsset.objects.filter(pk=conversion.pk).update(processing="running", processing_progress=42)
    body = client.get(state_url(shop), **HTMX).content.decode()
    assert "Converting for every network… 42%" in body and 'value="42"' in body and "data-live" in body

    MediaAsset.objects.filter(pk=conversion.pk).update(processing="queued")  # the worker's turn, here
    transcode.run(conversion.pk)
    body = client.get(state_url(shop), **HTMX).content.decode()
    assert "Converted copy ready: “clip (converted).mp4”" in body
    assert "data-live" not in body  # polling stops


def test_a_failed_conversion_says_why_and_offers_to_try_again(client, shop, sent):
    client.force_login(shop["editor"])
    conversion = transcode.start(shop["video"])
    MediaAsset.objects.filter(pk=conversion.pk).update(
        processing="failed", processing_error="The video could not be converted: part of it could not be read."
    )
    body = client.get(state_url(shop)).content.decode()
    assert "part of it could not be read" in body and "Try again" in body and "data-live" not in body
    client.post(convert_url(shop), **HTMX)
    conversion.refresh_from_db()
    assert conversion.processing == "queued" and sent[-1] == conversion.pk


def test_without_htmx_the_button_goes_back_to_the_library_with_a_message(client, shop, sent):
    client.force_login(shop["owner"])
    response = client.post(convert_url(shop), follow=True)
    assert response.redirect_chain[-1][0].endswith(reverse("posts:media", kwargs={"ws": shop["ws"].slug}))
    assert "Converting “clip.webm” for every network" in response.content.decode()


def test_who_may_convert_and_in_which_workspace(client, shop, sent, make_workspace, make_member):
    client.force_login(shop["client"])  # may look, not upload
    assert client.post(convert_url(shop), **HTMX).status_code == 403
    assert client.get(state_url(shop), **HTMX).status_code == 200
    assert not shop["video"].conversions.exists()
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    client.force_login(stranger)
    # another workspace's video: not found, under either workspace's address
    assert client.post(convert_url(shop), **HTMX).status_code == 404
    url = reverse("posts:media_convert", kwargs={"ws": other.slug, "media_id": shop["video"].pk})
    assert client.post(url, **HTMX).status_code == 404
    assert client.get(state_url(shop)).status_code == 404
    assert not shop["video"].conversions.exists() and sent == []


def test_an_image_cannot_be_converted(client, shop, sent):
    image = MediaAsset.objects.create(workspace=shop["ws"], kind="image", mime_type="image/png")
    client.force_login(shop["editor"])
    response = client.post(convert_url(shop, image), **HTMX)
    assert response.status_code == 400 and response.content == b"Only a video can be converted."
    assert sent == []


def test_the_library_offers_the_conversion_on_a_video_and_marks_the_copy(client, shop, sent):
    client.force_login(shop["editor"])
    body = client.get(reverse("posts:media", kwargs={"ws": shop["ws"].slug})).content.decode()
    buttons = find_all(body, '[data-testid="convert"]')
    assert [b.text.strip() for b in buttons] == ["Convert for every network"]
    conversion = transcode.start(shop["video"])
    response = client.get(reverse("posts:media", kwargs={"ws": shop["ws"].slug}))
    assert response.status_code == 200  # the copy on its way has no file yet
    assert [c.text.strip() for c in find_all(response.content.decode(), '[data-testid="converted-from"]')] == [
        "Converted copy of “clip.webm” · Waiting to be converted"
    ]
    transcode.run(conversion.pk)
    body = client.get(reverse("posts:media", kwargs={"ws": shop["ws"].slug})).content.decode()
    assert "Converted copy ready" in body
    assert [c.text.strip() for c in find_all(body, '[data-testid="converted-from"]')] == [
        "Converted copy of “clip.webm”"
    ]
    client.force_login(shop["client"])
    body = client.get(reverse("posts:media", kwargs={"ws": shop["ws"].slug})).content.decode()
    assert not find_all(body, '[data-testid="convert"]')


@pytest.fixture
def picky_checks(monkeypatch):
    """The composer checks the account with rules that refuse VP9 and more than 30 fps."""
    real = validation.limited_adapter

    def limited_adapter(account):
        adapter = real(account)
        adapter.video_rules = PICKY
        judge = adapter.validate

        def validate(content):
            found = list(judge(content))
            codes = {p.code for p in found}
            return found + [p for p in adapter.video_problems(content) if p.code not in codes]

        adapter.validate = validate
        return adapter

    monkeypatch.setattr(validation, "limited_adapter", limited_adapter)


def check(client, shop, asset):
    response = client.post(
        reverse("posts:check", kwargs={"ws": shop["ws"].slug}),
        {"brand": shop["brand"].pk, "accounts": [shop["account"].pk], "media": [asset.pk], "text": "A clip"},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_composer_offers_convert_it_only_for_what_a_conversion_cures(client, shop, sent, picky_checks):
    client.force_login(shop["editor"])
    body = check(client, shop, shop["video"])
    assert "VP9" in body
    assert [b.text.strip() for b in find_all(body, '[data-testid="convert"]')] == ["Convert it"]
    assert "js/convert.js" in body
    # too long as well: converting does not cure that, so no button
    MediaAsset.objects.filter(pk=shop["video"].pk).update(duration_ms=45_000)
    body = check(client, shop, shop["video"])
    assert not find_all(body, '[data-testid="convert"]')


def test_the_composer_swaps_in_the_copy_once_ready(client, shop, sent, picky_checks):
    client.force_login(shop["editor"])
    url = convert_url(shop) + "?composer=1"
    body = client.post(url, **HTMX).content.decode()
    assert "composer=1" in body  # the poll keeps the composer's form of the fragment
    conversion = shop["video"].conversions.get()
    transcode.run(conversion.pk)
    body = check(client, shop, shop["video"])
    marker = find_all(body, "[data-convert-swap]")
    assert len(marker) == 1
    assert (marker[0].attrs["data-from"], marker[0].attrs["data-to"]) == (str(shop["video"].pk), str(conversion.pk))
    # with the copy chosen the network takes it: nothing to convert
    body = check(client, shop, conversion)
    assert not find_all(body, '[data-testid="conversion"]') and "VP9" not in body
    assert Membership.objects.filter(workspace=shop["ws"]).count() == 3
