"""The demo's past inbox conversations: on history-only accounts, done, mostly answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from inbox.kpis import response_kpis
from inbox.models import InboxItem, InboxReply
from smm.models import SocialAccount, Workspace

pytestmark = pytest.mark.django_db


def test_the_demo_gets_answered_conversations_for_its_response_figures():
    # given the demo with its metric history (which adds the history-only accounts)
    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("generate_history", seed=42, days=21, verbosity=0)

    # when the inbox history is generated (twice: the second run adds nothing)
    call_command("generate_inbox_history", seed=42, days=21, verbosity=0)
    count = InboxItem.objects.filter(source="history").count()
    call_command("generate_inbox_history", seed=42, days=21, verbosity=0)

    # then it is all on accounts that are not connected to any network, and all done
    history = InboxItem.objects.filter(source="history")
    assert history.count() == count > 0
    assert set(history.values_list("account__status", flat=True)) == {SocialAccount.Status.PAUSED}
    assert set(history.values_list("status", flat=True)) == {"done"}
    assert not history.filter(account__status=SocialAccount.Status.CONNECTED).exists()
    # and each answer is in the conversation, at the time the figures count
    answered = history.filter(first_response_at__isnull=False)
    assert answered.count() == InboxReply.objects.filter(item__source="history", state="sent").count()
    for item in answered[:20]:
        reply = item.replies.get()
        assert reply.sent_at == item.first_response_at > item.created_at
        assert reply.author_id == item.responded_by_id
    assert history.filter(first_response_at__gt=timezone.now()).count() == 0

    # and last week's response figures are real numbers, in a plausible range
    now = timezone.now()
    figures = response_kpis(Workspace.objects.get(slug="acme-coffee"), None, now - dt.timedelta(days=14), now)
    assert figures["received"] > 10
    assert 0.5 < figures["response_rate"] < 1
    assert 60 < figures["median_first_response_seconds"] < 12 * 3600
    assert {row["member"] for row in figures["by_member"]} <= {"demo", "eve"}
