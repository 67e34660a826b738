"""Serve the sandbox network as a Jetstream-like websocket stream (for listen_jetstream).

manage.py sandbox_jetstream --port 8765                # ws://127.0.0.1:8765/subscribe
manage.py sandbox_jetstream --chatter-per-minute 6     # plus audience posts about the monitors' terms
"""

from __future__ import annotations

import random
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from sandbox.jetstream import chatter, serve_connection
from sandbox.timelines import hashtag_chatter


class Command(BaseCommand):
    help = "Serve the sandbox's public statuses as a Jetstream-like websocket stream on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.SANDBOX_JETSTREAM_PORT)
        parser.add_argument(
            "--chatter-per-minute", type=float, default=0.0, help="Audience posts about monitored terms"
        )
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, host, port, chatter_per_minute, seed, **options):
        from websockets.sync.server import serve

        stop = threading.Event()
        server = serve(lambda websocket: serve_connection(websocket, stop), host, port, compression=None)

        closing: list[threading.Thread] = []

        def shutdown(*_):
            stop.set()
            closer = threading.Thread(target=server.shutdown, daemon=True)
            closing.append(closer)
            closer.start()

        signal.signal(signal.SIGTERM, shutdown)
        signal.signal(signal.SIGINT, shutdown)
        if chatter_per_minute > 0:
            threading.Thread(target=self._chatter, args=(stop, chatter_per_minute, seed), daemon=True).start()
        self.stdout.write(f"Sandbox Jetstream on ws://{host}:{port}/subscribe", self.style.SUCCESS)
        server.serve_forever()
        # Let the shutdown close its connections before the interpreter goes (it printed a
        # "cannot schedule new futures after interpreter shutdown" traceback on Ctrl-C).
        for closer in closing:
            closer.join(timeout=5)

    def _chatter(self, stop: threading.Event, per_minute: float, seed: int | None) -> None:
        rng = random.Random(seed)
        while not stop.wait(rng.expovariate(per_minute / 60.0)):
            try:
                chatter(rng)
                if rng.random() < 0.3:  # and now and then a post with a monitored hashtag (Mastodon tag timelines)
                    hashtag_chatter(rng)
            except Exception:  # noqa: BLE001 - the demo's chatter never stops the stream
                self.stderr.write("sandbox chatter failed once")
            finally:
                close_old_connections()
