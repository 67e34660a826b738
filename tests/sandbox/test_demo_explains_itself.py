"""The demo explains itself: its history-only Instagram and LinkedIn accounts say why they
are paused wherever they are shown and picked, and its inbox has saved replies."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from inbox.models import SavedReply
from smm.models import SocialAccount, Workspace

pytestmark = pytest.mark.django_db

INSTAGRAM_REASON = "Demo account: shows history only; the sandbox cannot publish to Instagram."
LINKEDIN_REASON = "Demo account: shows history only; the sandbox cannot publish to LinkedIn."


@pytest.fixture
def demo():
    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("generate_history", seed=42, days=3, scale=0.2, workspace=["acme-coffee"], verbosity=0)
    workspace = Workspace.objects.get(slug="acme-coffee")
    history_only = SocialAccount.objects.for_workspace(workspace).filter(network__in=["instagram", "linkedin"])
    return {"ws": workspace, "history_only": list(history_only)}


def test_history_only_accounts_are_paused_with_a_reason(demo):
    # two brands in Acme Coffee, each with one Instagram and one LinkedIn history account
    assert len(demo["history_only"]) == 4
    for account in demo["history_only"]:
        assert account.status == SocialAccount.Status.PAUSED
        expected = INSTAGRAM_REASON if account.network == "instagram" else LINKEDIN_REASON
        assert account.status_reason == expected


def test_a_rerun_of_the_seed_gives_an_older_demo_its_reasons(demo):
    # given a demo generated before the accounts had a readable reason
    SocialAccount.objects.filter(pk__in=[a.pk for a in demo["history_only"]]).update(
        status_reason="Demo history only: not connected to the network"
    )
    # when the demo is seeded again
    call_command("seed_demo", "--no-history", verbosity=0)
    # then each says why, by its network
    for account in SocialAccount.objects.filter(pk__in=[a.pk for a in demo["history_only"]]):
        assert account.status_reason in (INSTAGRAM_REASON, LINKEDIN_REASON)
        assert account.network_label in account.status_reason


def test_the_workspace_page_shows_why_an_account_is_paused(client, demo):
    client.force_login(demo["ws"].memberships.get(user__username="demo").user)
    page = client.get(demo["ws"].get_absolute_url()).content.decode()
    assert INSTAGRAM_REASON in page
    assert LINKEDIN_REASON in page


def test_the_composer_shows_history_only_accounts_disabled_with_their_reason(client, demo):
    client.force_login(demo["ws"].memberships.get(user__username="demo").user)
    response = client.get(reverse("posts:new", kwargs={"ws": demo["ws"].slug}))
    body = response.content.decode()
    for account in demo["history_only"]:
        # the checkbox cannot be ticked, and the reason is read right beside it
        assert re.search(rf'value="{account.pk}"\s+data-account="{account.pk}" disabled', body)
        assert f'id="why-{account.pk}" data-testid="cannot-publish"' in body
    assert body.count(INSTAGRAM_REASON) >= 2 and body.count(LINKEDIN_REASON) >= 2
    # the brand's sandbox accounts stay pickable
    mastodon = SocialAccount.objects.for_workspace(demo["ws"]).filter(network="mastodon").first()
    assert re.search(rf'value="{mastodon.pk}"\s+(checked )?data-account="{mastodon.pk}">', body)


def test_posting_to_a_history_only_account_is_refused_with_its_reason(client, demo):
    # given someone who sends the history-only Instagram account anyway (an old page, a script)
    owner = demo["ws"].memberships.get(user__username="demo").user
    instagram = next(a for a in demo["history_only"] if a.network == "instagram")
    mastodon = SocialAccount.objects.filter(brand=instagram.brand, network="mastodon").first()
    client.force_login(owner)
    url = reverse("posts:new", kwargs={"ws": demo["ws"].slug})
    before = instagram.brand.posts.count()

    response = client.post(
        url,
        {
            "brand": instagram.brand_id,
            "accounts": [instagram.pk, mastodon.pk],
            "text": "Our new roast is here",
            "action": "draft",
        },
    )

    # then the composer comes back with what was typed and the account's own reason
    assert response.status_code == 200
    errors = response.context["form"].errors["accounts"]
    assert errors == [f"{instagram} cannot be posted to: {INSTAGRAM_REASON}"]
    assert "Our new roast is here" in response.content.decode()
    assert instagram.brand.posts.count() == before


def test_saved_replies_are_seeded_once(demo):
    call_command("seed_demo", "--no-history", verbosity=0)
    for slug in ("northwind", "acme-coffee", "globex-outdoor"):
        titles = list(SavedReply.objects.filter(workspace__slug=slug).values_list("title", flat=True))
        assert 3 <= len(titles) <= 5
        assert len(titles) == len(set(titles))
    assert SavedReply.objects.count() == 3 * len(titles)


def test_a_seeded_saved_reply_reads_well_in_the_inbox(client, demo):
    from django.utils import timezone

    from inbox.models import InboxItem

    account = SocialAccount.objects.for_workspace(demo["ws"]).filter(network="mastodon").first()
    item = InboxItem.objects.create(
        workspace=demo["ws"],
        account=account,
        kind="comment",
        remote_id="c-1",
        author_name="Sam Rivera",
        author_handle="@sam",
        text="Where can I buy this?",
        created_at=timezone.now(),
    )
    client.force_login(demo["ws"].memberships.get(user__username="demo").user)
    body = client.get(item.get_absolute_url()).content.decode()
    assert "Where to buy" in body
    assert f"Hi Sam! You can find {account.brand.name} online" in body
