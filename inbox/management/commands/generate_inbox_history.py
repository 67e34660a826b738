"""Seed past inbox conversations for the demo, so response rate and first-response time
have figures on the dashboards.

    manage.py generate_inbox_history --seed 42 [--days 120] [--workspace SLUG ...]

Items go only to the brands' history-only demo accounts (the paused ones
``generate_history`` creates, "Demo account: shows history only..."), never to a
connected account: none of it exists on a network, so nobody can answer it there by
mistake. Every item is done; most were answered by a member, after a delay that is
shorter on weekdays in working hours.
Runs once per account (its items carry ``source="history"``); ``--replace`` redoes it.
"""

from __future__ import annotations

import datetime as dt
import random
import time

import numpy as np
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inbox import priority
from inbox.models import InboxItem, InboxReply, Kind, Status
from smm.models import Membership, SocialAccount, Workspace
from smm.roles import Role

SOURCE = "history"
# How the history-only accounts' reasons start (and how they started before).
HISTORY_ONLY = ("Demo account: shows history only", "Demo history only")
# Items a day on an account, by network.
PER_DAY = {"instagram": 3.0, "linkedin": 1.2, "facebook": 2.0, "threads": 1.5}
ANSWERING_ROLES = (Role.OWNER, Role.MANAGER, Role.EDITOR)

# (text, chance it is answered, the answer)
MESSAGES = [
    ("Love this! Where can I buy it?", 0.9, "Thank you! It is in our shop and online."),
    ("Beautiful photo, well done team", 0.55, "Thank you so much!"),
    ("What are your opening hours on Sunday?", 0.95, "We are open 9 to 5 on Sundays. See you soon!"),
    (
        "My order still has not arrived after two weeks, this is terrible.",
        0.97,
        "So sorry! Please DM us your order number and we will sort it today.",
    ),  # noqa: E501
    ("Is this available in other sizes?", 0.9, "Yes: small, medium and large, all in stock."),
    ("The last delivery was broken, I want a refund.", 0.98, "We are sorry. A refund is on its way; check your inbox."),  # noqa: E501
    ("Great service at the shop today, thanks!", 0.6, "That made our day, thank you!"),
    ("Do you ship abroad?", 0.92, "We ship to the EU, the UK and the US."),
    ("Awful customer service on the phone.", 0.95, "We are sorry to hear that. Could you DM us so we can help?"),
    ("Congrats on the launch!", 0.5, "Thank you!"),
]
FIRST_NAMES = ["Sam", "Alex", "Maria", "Jonas", "Priya", "Tom", "Lea", "Yuki", "Omar", "Ines", "Noah", "Zoe"]


class Command(BaseCommand):
    help = "Seed answered past inbox conversations on the demo-history accounts (response KPIs)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--workspace", action="append", help="Workspace slug (default: all)")
        parser.add_argument("--replace", action="store_true", help="Delete this command's earlier items first")

    def handle(self, *args, **options):
        started = time.monotonic()
        now = timezone.now()
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"]:
            workspaces = workspaces.filter(slug__in=options["workspace"])
        created = 0
        for workspace in workspaces:
            members = list(
                Membership.objects.for_workspace(workspace)
                .filter(role__in=ANSWERING_ROLES)
                .order_by("user_id")
                .values_list("user_id", flat=True)
            )
            accounts = SocialAccount.objects.filter(
                Q(status_reason__startswith=HISTORY_ONLY[0]) | Q(status_reason__startswith=HISTORY_ONLY[1]),
                brand__workspace=workspace,
            ).select_related("brand")
            for account in accounts.order_by("pk"):
                existing = InboxItem.objects.filter(account=account, source=SOURCE)
                if existing.exists() and not options["replace"]:
                    continue
                with transaction.atomic():
                    existing.delete()
                    rng = random.Random(options["seed"] * 100_003 + account.pk)
                    created += self._account(account, members, rng, now, options["days"])
        self.stdout.write(
            self.style.SUCCESS(f"Inbox history: {created} conversations in {time.monotonic() - started:.1f} s")
        )

    def _account(self, account, members, rng: random.Random, now: dt.datetime, days: int) -> int:
        tz = account.brand.tz
        rate = PER_DAY.get(account.network, 1.0)
        items, answers = [], []
        explained = {}  # the same few messages again and again
        arrivals = np.random.default_rng(rng.getrandbits(32)).poisson(rate, size=days)
        for back, count in zip(range(days, 0, -1), arrivals, strict=True):
            day = (now - dt.timedelta(days=back)).astimezone(tz).date()
            for _ in range(int(count)):
                local = dt.datetime.combine(day, dt.time(rng.randint(7, 22), rng.randint(0, 59)), tzinfo=tz)
                created_at = local.astimezone(dt.UTC)
                text, answer_chance, answer = rng.choice(MESSAGES)
                name = rng.choice(FIRST_NAMES)
                responded = None
                if members and rng.random() < answer_chance:
                    responded = created_at + _delay(rng, local)
                    if responded > now:
                        responded = None
                remote_id = f"history-{account.pk}-{len(items)}"
                felt = explained.get(text) or explained.setdefault(text, priority.explain_sentiment(text))
                items.append(
                    InboxItem(
                        workspace_id=account.brand.workspace_id,
                        account=account,
                        kind=rng.choice([Kind.COMMENT, Kind.COMMENT, Kind.COMMENT, Kind.MENTION, Kind.DM]),
                        remote_id=remote_id,
                        thread_key=remote_id,
                        author_handle=f"@{name.lower()}{rng.randint(10, 999)}",
                        author_name=f"{name} {rng.choice('ABCDEFGHJKLMNPRSTW')}.",
                        text=text,
                        created_at=created_at,
                        sentiment=felt.compound,
                        sentiment_words=felt.words,
                        status=Status.DONE,
                        first_response_at=responded,
                        responded_by_id=rng.choice(members) if responded else None,
                        source=SOURCE,
                        ingested_at=created_at,
                        updated_at=responded or created_at,
                    )
                )
                answers.append(answer if responded else None)
        InboxItem.objects.bulk_create(items, batch_size=500)
        ids = dict(InboxItem.objects.filter(account=account, source=SOURCE).values_list("remote_id", "id"))
        InboxReply.objects.bulk_create(
            [
                InboxReply(
                    item_id=ids[item.remote_id],
                    author_id=item.responded_by_id,
                    text=answer,
                    state=InboxReply.State.SENT,
                    created_at=item.first_response_at,
                    sent_at=item.first_response_at,
                )
                for item, answer in zip(items, answers, strict=True)
                if answer
            ],
            batch_size=500,
        )
        return len(items)


def _delay(rng: random.Random, local: dt.datetime) -> dt.timedelta:
    """How long the team took: under an hour or two in working hours, longer otherwise."""
    working = local.weekday() < 5 and 9 <= local.hour < 18
    median_minutes = 45 if working else 240
    return dt.timedelta(minutes=max(2.0, rng.lognormvariate(0, 0.8) * median_minutes))
