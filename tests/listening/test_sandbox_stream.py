"""The sandbox's Jetstream-like stream read by the real consumer: the whole listening path
runs on this machine (sandbox statuses -> websocket -> consumer -> mentions)."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection
from websockets.sync.server import serve

from listening.jetstream import Consumer
from listening.models import Mention, Monitor, StreamCursor
from sandbox.jetstream import chatter, did_of, serve_connection
from sandbox.models import SandboxAccount, SandboxStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_stream():
    stop = threading.Event()

    def handler(websocket):
        try:
            serve_connection(websocket, stop)
        finally:
            connection.close()

    server = serve(handler, "127.0.0.1", 0, compression=None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/subscribe"
    stop.set()
    server.shutdown()
    thread.join(5)


def test_sandbox_statuses_reach_the_monitors_through_the_stream(sandbox_stream, make_workspace, make_brand):
    # given: a monitor, and public and private sandbox statuses
    ws = make_workspace("Acme")
    monitor = Monitor.objects.create(workspace=ws, brand=make_brand(ws, "Acme Coffee"), name="Acme", terms=["acme"])
    maya = SandboxAccount.objects.create(username="maya_brews")
    public = SandboxStatus.objects.create(account=maya, text="Acme coffee is the best!", language="en")
    SandboxStatus.objects.create(account=maya, text="acme secret", visibility=SandboxStatus.Visibility.DIRECT)
    SandboxStatus.objects.create(account=maya, text="unrelated", language="en")
    StreamCursor.objects.create(name="jetstream", cursor=1)  # replay the sandbox from its start

    # when: the consumer reads until it has seen the last status
    consumer = Consumer(sandbox_stream, flush_seconds=0.05)
    last = SandboxStatus.objects.order_by("-pk").first()

    def until_done(n):
        if consumer.cursor and consumer.cursor >= int(last.created_at.timestamp() * 1_000_000):
            consumer.stop.set()

    consumer.on_event = until_done
    thread = threading.Thread(target=lambda: (consumer.run(), connection.close()))
    thread.start()
    thread.join(20)
    assert not thread.is_alive()

    # then: the public post is a mention with the sandbox author's handle; the direct one is not
    mention = Mention.objects.get(monitor=monitor)
    assert mention.text == "Acme coffee is the best!"
    assert mention.remote_id == f"at://{did_of(maya.pk)}/app.bsky.feed.post/sbx{public.pk}"
    assert mention.author_handle == "maya_brews.sandbox.localhost"
    assert mention.sentiment > 0


def test_chatter_talks_about_the_monitors_terms(make_workspace, make_brand):
    ws = make_workspace("Acme")
    Monitor.objects.create(workspace=ws, brand=make_brand(ws, "Acme Coffee"), name="Acme", terms=["Acme Coffee"])
    rng = random.Random(4)
    posts = [chatter(rng) for _ in range(20)]
    assert all("Acme Coffee" in status.text for status in posts)
    assert any(status.text.startswith(("Really", "Acme Coffee got", "Is Acme")) for status in posts)
