"""Run the Bluesky Jetstream consumer until stopped (SIGTERM or Ctrl-C save the cursor)."""

from __future__ import annotations

import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from listening.jetstream import Consumer


class Command(BaseCommand):
    help = "Listen to Bluesky's Jetstream for the workspaces' monitors (a long-running process)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="Jetstream endpoint (default: settings.JETSTREAM_URL)")
        parser.add_argument("--name", default="jetstream", help="Name of the saved cursor (one per consumer)")

    def handle(self, *args, url=None, name="jetstream", **options):
        logging.basicConfig(level=settings.LOG_LEVEL) if not logging.getLogger().handlers else None
        consumer = Consumer(url or settings.JETSTREAM_URL, name=name)

        def stop(*_):
            consumer.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        totals = consumer.run()
        self.stdout.write(
            f"Stopped at cursor {consumer.cursor}: {totals.events} events, {totals.mentions} mentions, "
            f"{totals.malformed} malformed, {totals.disconnects} disconnects."
        )
