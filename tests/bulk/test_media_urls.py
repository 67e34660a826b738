"""Images given by address: fetched once per import through the SSRF-guarded client, with
the media library's limits; stored only by a real run; refusals in words."""

from __future__ import annotations

import http.server

import pytest

from posts.models import MediaAsset, Post
from tests.bulk.conftest import png_bytes
from tests.bulk.test_import import future, messages_of
from tests.loopback_server import LoopbackServer

pytestmark = pytest.mark.django_db

PNG = png_bytes((120, 80), "teal")


class Images(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (the base class's name)
        Images.hits.append(self.path)
        if self.path.startswith("/cup.png"):
            self._send(200, "image/png", PNG)
        elif self.path == "/share":
            self._send(200, "text/html; charset=utf-8", b"<html>Sign in to view</html>")
        elif self.path == "/private":
            self._send(403, "text/html", b"no")
        elif self.path == "/notes.txt":
            self._send(200, "application/octet-stream", b"just some text, not an image")
        elif self.path == "/huge.jpg":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
        else:
            self._send(404, "text/plain", b"not here")

    def _send(self, status, kind, body):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def images():
    Images.hits = []
    with LoopbackServer(Images) as server:
        yield f"http://127.0.0.1:{server.port}"


def test_a_dry_run_fetches_and_checks_but_stores_nothing(world, run_import, images):
    before = MediaAsset.objects.count()
    job = run_import(f"accounts,text,media\n@northwind,Hi,{images}/cup.png\n", dry_run=True)
    assert job.ok_rows == 1
    assert MediaAsset.objects.count() == before


def test_a_real_run_stores_each_address_once_with_its_alt_text(world, run_import, images):
    text = (
        "accounts,text,media,alt_text,scheduled_at\n"
        f"@northwind,One,{images}/cup.png|spring.png,A teal cup,{future()}\n"
        f"bluesky,Two,{images}/cup.png,,{future(4)}\n"
    )
    job = run_import(text)
    assert job.imported_rows == 2
    assert Images.hits.count("/cup.png") == 1
    fetched = MediaAsset.objects.get(original_name="cup.png")
    assert (fetched.width, fetched.height, fetched.alt_text, fetched.mime_type) == (120, 80, "A teal cup", "image/png")
    one = Post.objects.get(text="One")
    assert list(one.media.order_by("postmedia__order")) == [fetched, world["asset"]]
    assert list(Post.objects.get(text="Two").media.all()) == [fetched]
    assert job.media_map == {f"{images}/cup.png": fetched.pk}


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/share", "is a web page, not an image: use the image's own address"),
        ("/private", "answered 403, not an image. It may need a login"),
        ("/gone.jpg", "answered 404, not an image."),
        ("/notes.txt", "This file is not an image we can use"),
        ("/huge.jpg", "is 50.0 MB; images can be up to 20.0 MB."),
    ],
)
def test_addresses_that_give_no_usable_image(world, run_import, images, path, words):
    job = run_import(f"accounts,text,media\n@northwind,Hi,{images}{path}\n")
    (message,) = job.rows.get(number=2).messages
    assert message["field"] == "media" and words in message["message"]
    assert Post.objects.count() == 0


def test_a_private_address_is_refused_where_production_refuses_it(world, run_import, images, settings):
    settings.ALLOW_PRIVATE_OUTBOUND = False
    job = run_import(f"accounts,text,media\n@northwind,Hi,{images}/cup.png\n")
    assert messages_of(job, 2) == ["127.0.0.1 is a private address: images are only fetched from public addresses."]
    assert Images.hits == []


def test_too_many_addresses_in_one_file(world, run_import, images, settings):
    settings.BULK_IMPORT_MAX_MEDIA_URLS = 1
    job = run_import(
        f"accounts,text,media\n@northwind,Hi,{images}/cup.png\n@northwind,Ho,{images}/cup.png?2\n", dry_run=True
    )
    assert job.rows.get(number=2).status == "ok"
    assert "already fetches 1 images by address" in messages_of(job, 3)[0]
