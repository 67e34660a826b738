"""Check the installation from outside Celery and email the owners about what is wrong.

The same alerts normally go out from a beat task on a worker, which cannot happen when
every worker (or beat itself) is down. Run this from the host's scheduler as well, e.g.
cron every five minutes::

    */5 * * * *  cd /app && python manage.py check_operations --quiet

Each incident is emailed once (the same keys as the beat task, in the shared cache).
Exit status 1 while anything is wrong, so the scheduler's own alerting can act on it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from smm import operations


class Command(BaseCommand):
    help = "Check workers, the dispatcher, late posts and expiring tokens; email owners once per incident."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing when all is well")

    def handle(self, *args, quiet=False, **options):
        sent = operations.run_alerts()
        report = operations.status()
        emailed = []
        if sent["overdue"]:
            emailed.append(f"{sent['overdue']} late post target(s)")
        if sent["dead_queues"]:
            emailed.append(f"no worker on {', '.join(sent['dead_queues'])}")
        if sent["dispatcher_stopped"]:
            emailed.append("the dispatcher stopped")
        if sent["tokens"]:
            emailed.append(f"{sent['tokens']} expiring connection(s)")
        if emailed:
            self.stdout.write(f"Emailed the owners about: {'; '.join(emailed)}.")
        if report["healthy"]:
            if not quiet:
                self.stdout.write("All clear: workers, dispatcher and posts are on time.")
                for warning in report["warnings"]:
                    self.stdout.write(f"- warning: {warning}")
            return
        for incident in report["incidents"]:
            self.stdout.write(f"- {incident}")
        for warning in report["warnings"]:
            self.stdout.write(f"- warning: {warning}")
        raise CommandError(f"{len(report['incidents'])} problem(s) found.", returncode=1)
