"""A Jetstream stand-in for the tests: a websocket server on 127.0.0.1 (random port) that
replays its events from the cursor the client asks for, as Jetstream does."""

from __future__ import annotations

import json
import socket
import threading
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve


def post(n: int, text: str, *, did: str = "", langs=None, time_us: int | None = None) -> dict:
    return {
        "did": did or f"did:plc:author{n % 7}",
        "time_us": time_us or 1_760_000_000_000_000 + n * 1000,
        "kind": "commit",
        "commit": {
            "rev": f"rev{n}",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"3k{n:08d}",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "langs": langs if langs is not None else ["en"],
                "createdAt": "2025-10-09T08:00:00.000Z",
            },
            "cid": f"bafy{n}",
        },
    }


class FakeJetstream:
    def __init__(self, events: list, *, drop_after: int | None = None):
        # each event: a dict (sent as JSON) or (time_us, raw text) for a malformed one
        self.events = [(e["time_us"], json.dumps(e)) if isinstance(e, dict) else e for e in events]
        self.drop_after = drop_after  # the first connection is cut after this many events
        self.queries: list[dict] = []
        self.server = serve(self._handle, "127.0.0.1", 0, compression=None)
        self.port = self.server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/subscribe"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self._thread.join(timeout=5)

    def _handle(self, websocket):
        query = {k: v[0] for k, v in parse_qs(urlsplit(websocket.request.path).query).items()}
        self.queries.append(query)
        first = len(self.queries) == 1
        cursor = int(query.get("cursor", 0))
        sent = 0
        try:
            for time_us, raw in self.events:
                if time_us < cursor:
                    continue
                websocket.send(raw)
                sent += 1
                if first and self.drop_after and sent >= self.drop_after:
                    websocket.socket.shutdown(socket.SHUT_RDWR)  # an abrupt cut, no closing handshake
                    return
            websocket.recv()  # stay open (live tail) until the client leaves
        except ConnectionClosed:
            pass
