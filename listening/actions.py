"""State changes of the listening app: a mention sent to the inbox to be answered."""

from __future__ import annotations

from django.db import transaction

from inbox.ingest import ingest
from inbox.models import InboxItem
from listening.models import Mention
from smm.models import SocialAccount, record_event
from smm.platforms.base import InboxItem as NetworkItem


class ListeningError(Exception):
    """A refusal, in words for the person who asked."""


def answering_account(mention: Mention) -> SocialAccount | None:
    """The brand's connected account on the mention's network: the one that can answer it."""
    return (
        SocialAccount.objects.filter(
            brand_id=mention.monitor.brand_id, network=mention.source, status=SocialAccount.Status.CONNECTED
        )
        .order_by("pk")
        .first()
    )


def send_to_inbox(mention: Mention, by) -> InboxItem:
    """The mention as an inbox item of the brand's account on its network (scored the
    inbox's way); sending it again finds the same item."""
    account = answering_account(mention)
    if account is None:
        raise ListeningError(
            f"{mention.monitor.brand.name} has no connected {mention.get_source_display()} account to answer "
            f"from. Connect one on the brand's page, then send the mention again."
        )
    item = NetworkItem(
        remote_id=mention.remote_id,
        kind="mention",
        text=mention.text,
        created_at=mention.created_at,
        author_handle=mention.author_handle or mention.author_id,
        author_followers=mention.author_followers,
        url=mention.url,
    )
    with transaction.atomic():
        ingest(account, [item], source="listening")
        found = InboxItem.objects.get(account=account, remote_id=mention.remote_id[:191])
        Mention.objects.filter(pk=mention.pk).update(inbox_item_id=found.pk)
        record_event(mention.workspace, by, "mention.sent_to_inbox", found, f"Mention {mention.pk} sent to the inbox")
    mention.inbox_item_id = found.pk
    return found
