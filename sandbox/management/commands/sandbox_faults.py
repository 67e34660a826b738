"""Show, set or clear the sandbox's runtime faults for a running server.

manage.py sandbox_faults                          # show
manage.py sandbox_faults '{"rate_429": 0.1, "latency_ms": 50, "seed": 7}'
manage.py sandbox_faults --clear
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from sandbox.faults import FaultError, clean
from sandbox.models import SandboxFaults


class Command(BaseCommand):
    help = "Show, set (JSON object) or clear the sandbox network's runtime faults."

    def add_arguments(self, parser):
        parser.add_argument("faults", nargs="?", help='JSON object, e.g. {"rate_503": 0.05}')
        parser.add_argument("--clear", action="store_true", help="Switch every runtime fault off")

    def handle(self, *args, **options):
        if options["clear"]:
            SandboxFaults.store({})
        elif options["faults"]:
            try:
                SandboxFaults.store(clean(json.loads(options["faults"])))
            except (ValueError, FaultError) as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(SandboxFaults.current(), sort_keys=True))
