"""The Jetstream consumer against a local websocket server: it stores the monitors'
mentions once, saves its cursor, survives malformed events and cut connections, and a
consumer killed mid-stream resumes without a gap or a duplicate."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from listening.jetstream import REWIND_US, Consumer, parse, subscribe_url
from listening.models import Mention, Monitor, StreamCursor
from tests.listening.fake_jetstream import FakeJetstream, post

pytestmark = pytest.mark.django_db(transaction=True)


class Killed(BaseException):
    """How a test kills the consumer between two saves (like SIGKILL: no final save)."""


def run(consumer: Consumer, *, timeout: float = 20) -> BaseException | None:
    """Run the consumer in a thread (as the command does) until it stops; its error, if any."""
    outcome: list = []

    def target():
        try:
            consumer.run()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        consumer.stop.set()
        thread.join(5)
        pytest.fail("the consumer did not stop in time")
    return outcome[0] if outcome else None


def stop_after(consumer_box: list, count: int):
    def on_event(n):
        if n >= count:
            consumer_box[0].stop.set()

    return on_event


@pytest.fixture
def monitors(make_workspace, make_brand):
    ws = make_workspace("Acme")
    other = make_workspace("Other")
    brand = make_brand(ws, "Acme Coffee")
    rival = make_brand(other, "Rival Co")
    return {
        "acme": Monitor.objects.create(workspace=ws, brand=brand, name="Acme", terms=["acme"]),
        "rival": Monitor.objects.create(workspace=other, brand=rival, name="Rival", terms=["rival"], languages=["en"]),
    }


def test_parse_reads_jetstream_posts_and_refuses_what_is_not():
    event = parse(
        '{"did":"did:plc:x","time_us":5,"kind":"commit","commit":{"operation":"create",'
        '"collection":"app.bsky.feed.post","rkey":"r1","record":{"text":"hi","langs":["en"]}}}'
    )
    assert (event.kind, event.rkey, event.text, event.langs) == ("post", "r1", "hi", ["en"])
    assert (
        parse(
            '{"did":"did:plc:x","time_us":6,"kind":"commit","commit":{"operation":"delete",'
            '"collection":"app.bsky.feed.post","rkey":"r1"}}'
        ).kind
        == "other"
    )
    assert parse('{"did":"did:plc:x","time_us":7,"kind":"identity","identity":{"handle":"x.bsky.social"}}').handle == (
        "x.bsky.social"
    )
    for bad in [
        "not json",
        "[1]",
        '{"time_us": 1}',
        '{"did":"did:plc:x","time_us":"1"}',
        '{"did":"did:plc:x","time_us":1,"kind":"commit","commit":{"operation":"create",'
        '"collection":"app.bsky.feed.post","rkey":"r","record":{"text":5}}}',
    ]:
        with pytest.raises(ValueError):
            parse(bad)


def test_subscribe_url_asks_for_posts_from_a_few_seconds_before_the_cursor():
    assert subscribe_url("wss://js.example/subscribe", None) == (
        "wss://js.example/subscribe?wantedCollections=app.bsky.feed.post"
    )
    assert subscribe_url("wss://js.example/subscribe?compress=false", 10_000_000) == (
        "wss://js.example/subscribe?compress=false&wantedCollections=app.bsky.feed.post&cursor=5000000"
    )


def test_the_consumer_stores_each_monitors_mentions_once_and_counts_what_it_skipped(monitors):
    # given: a stream with matches for both workspaces, noise, a delete, an identity and malformed events
    events = [
        {
            "did": "did:plc:author1",
            "time_us": 1_760_000_000_000_000,
            "kind": "identity",
            "identity": {"did": "did:plc:author1", "handle": "maya.bsky.social"},
        },
        post(1, "I love ACME coffee, great service!"),
        post(2, "nothing to see here"),
        (1_760_000_000_003_000, "{broken json"),
        post(4, "The rival shop was awful", langs=["en"]),
        post(5, "rival aber auf Deutsch", langs=["de"]),
        (1_760_000_000_006_000, '{"did": "did:plc:x", "time_us": 1760000000006000, "kind": "commit"}'),
        post(7, "acme and rival, side by side"),
        post(1, "I love ACME coffee, great service!"),  # delivered twice (at least once)
    ]
    with FakeJetstream(events) as stream:
        box: list = []
        consumer = Consumer(stream.url, flush_seconds=0.05, on_event=stop_after(box, len(events)))
        box.append(consumer)
        assert run(consumer) is None

    # then: Jetstream was asked for posts only
    assert stream.queries[0] == {"wantedCollections": "app.bsky.feed.post"}
    acme = Mention.objects.filter(monitor=monitors["acme"]).order_by("seen_at")
    rival = Mention.objects.filter(monitor=monitors["rival"]).order_by("seen_at")
    assert [m.text for m in acme] == ["I love ACME coffee, great service!", "acme and rival, side by side"]
    assert [m.text for m in rival] == ["The rival shop was awful", "acme and rival, side by side"]
    # each mention in its monitor's workspace, with the author, link, language and the inbox's sentiment
    first = acme[0]
    assert (
        first.workspace_id == monitors["acme"].workspace_id and rival[0].workspace_id == monitors["rival"].workspace_id
    )
    assert first.remote_id == "at://did:plc:author1/app.bsky.feed.post/3k00000001"
    assert first.author_handle == "maya.bsky.social"
    assert first.url == "https://bsky.app/profile/maya.bsky.social/post/3k00000001"
    assert first.lang == "en" and first.matched == ["acme"]
    assert first.sentiment > 0.5 and {w["word"] for w in first.sentiment_words} >= {"love", "great"}
    assert rival[0].sentiment < 0
    # and the cursor row: where it got to and what it counted
    row = StreamCursor.objects.get(name="jetstream")
    assert row.cursor == 1_760_000_000_007_000  # the latest time_us seen (the repeat was older)
    assert (row.events, row.malformed, row.disconnects) == (len(events), 2, 0)


def test_a_consumer_killed_mid_stream_resumes_without_gap_or_duplicate(monitors):
    # given: 1,000 posts, one in three mentions acme
    events = [post(n, f"post {n} about acme" if n % 3 == 0 else f"post {n}") for n in range(1, 1001)]
    expected = {f"3k{n:08d}" for n in range(1, 1001) if n % 3 == 0}
    with FakeJetstream(events) as stream:
        # when: the consumer dies after 600 events, between two saves
        def die(n):
            if n >= 600:
                raise Killed

        first = Consumer(stream.url, flush_seconds=0.01, on_event=die)
        assert isinstance(run(first), Killed)
        saved = StreamCursor.objects.get(name="jetstream").cursor
        stored_before = Mention.objects.count()
        assert 0 < saved < events[599]["time_us"]  # something was saved, the last events were not
        assert stored_before < len([n for n in range(1, 601) if n % 3 == 0])

        # and a new consumer starts
        box: list = []
        second = Consumer(stream.url, flush_seconds=0.5, on_event=stop_after(box, 10_000))
        box.append(second)

        def until_done(n):
            if second.cursor == events[-1]["time_us"]:
                second.stop.set()

        second.on_event = until_done
        assert run(second) is None

    # then: it asked from a little before the saved cursor, and every mention is there once
    assert int(stream.queries[1]["cursor"]) == saved - REWIND_US
    got = list(Mention.objects.filter(monitor=monitors["acme"]).values_list("remote_id", flat=True))
    assert len(got) == len(set(got)) == len(expected)
    assert {uri.rsplit("/", 1)[1] for uri in got} == expected


def test_a_cut_connection_is_counted_and_resumed_from_the_cursor(monitors):
    events = [post(n, f"acme {n}") for n in range(1, 201)]
    with FakeJetstream(events, drop_after=80) as stream:
        consumer = Consumer(stream.url, flush_seconds=0.01, backoff_first=0.05)

        def until_done(n):
            if consumer.cursor == events[-1]["time_us"]:
                consumer.stop.set()

        consumer.on_event = until_done
        started = time.monotonic()
        assert run(consumer) is None
    assert time.monotonic() - started < 15
    assert len(stream.queries) == 2 and "cursor" in stream.queries[1]
    assert Mention.objects.count() == 200  # the replayed overlap added nothing
    assert StreamCursor.objects.get(name="jetstream").disconnects == 1


def test_an_unreachable_stream_is_retried_with_growing_waits(monitors, monkeypatch):
    # given: nothing listens on the port
    import socket

    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    waits: list[float] = []
    consumer = Consumer(f"ws://127.0.0.1:{port}/subscribe", backoff_first=0.01, backoff_max=0.08)

    def wait(delay):
        waits.append(delay)
        if len(waits) >= 5:
            consumer.stop.set()
        return consumer.stop.is_set()

    monkeypatch.setattr(consumer.stop, "wait", wait)
    assert run(consumer) is None
    # then: each wait about doubles (with jitter), up to the cap
    assert waits[1] > waits[0] * 1.3 and waits[2] > waits[1] * 1.3
    assert max(waits) <= 0.08 * 1.2
    assert StreamCursor.objects.get(name="jetstream").disconnects == 5
