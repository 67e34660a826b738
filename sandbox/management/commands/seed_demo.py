"""Seed the demo: an agency with two client workspaces, brands, members and sandbox accounts.

Idempotent: running it again leaves one copy of everything. Each demo SocialAccount has
a matching SandboxAccount whose token is the account's stored access token, so the
real Mastodon adapter publishes to the sandbox over HTTP. ``--no-history`` skips the
few past posts (with simulated likes and replies) that make the demo look lived in.

Each workspace also gets a plan for the coming week, made through the same actions the
composer uses: posting slots, scheduled posts (one due a few minutes after seeding, so
the running worker is seen publishing it), a draft, and in Acme Coffee an editor's post
waiting for the client's approval, and a few saved replies for the inbox. Northwind also gets
a short generated video (made with PyAV at seed time) and a video post due a few minutes in.

The Instagram and LinkedIn accounts that ``generate_history`` adds are history only (the
sandbox speaks only Mastodon's API): a re-run gives older ones the reason they show.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import tempfile

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from analytics.management.commands.generate_history import EXTRA_NETWORKS, history_only_reason
from inbox.models import SavedReply
from posts import actions as post_actions
from posts.models import MediaAsset, Post, PostingSlot, PostStatus, Snippet
from posts.uploads import store_video_file
from posts.video import make_clip
from sandbox.actions import NewStatus, post_status
from sandbox.models import SandboxAccount, SandboxStatus, SandboxToken
from sandbox.simulator import audience, simulate
from smm.models import Brand, Membership, SocialAccount, Workspace, profile_for
from smm.roles import Role

DEMO_PASSWORD = "demo-smm-2026"

WORKSPACES = [
    {
        "name": "Northwind Agency",
        "slug": "northwind",
        "time_zone": "Europe/London",
        "brands": [("Northwind Studio", "Europe/London", "#4f46e5", ["northwind"])],
    },
    {
        "name": "Acme Coffee",
        "slug": "acme-coffee",
        "time_zone": "America/New_York",
        # editors' posts wait for approval: the client has one to approve
        "approval_policy": Workspace.ApprovalPolicy.CONTRIBUTORS_EDITORS,
        "brands": [
            ("Acme Coffee", "America/New_York", "#b45309", ["acmecoffee", "acme_roasters"]),
            ("Acme Cold Brew", "America/Los_Angeles", "#0891b2", ["acmecoldbrew"]),
        ],
    },
    {
        "name": "Globex Outdoor",
        "slug": "globex-outdoor",
        "time_zone": "Europe/Berlin",
        "brands": [
            ("Globex Trails", "Europe/Berlin", "#15803d", ["globextrails", "globex_de"]),
            ("Globex Kids", "Europe/Berlin", "#db2777", ["globexkids"]),
        ],
    },
]


class Command(BaseCommand):
    help = "Create the demo workspaces, users, brands and sandbox accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=None, help="Where the sandbox network is served")
        parser.add_argument("--no-history", action="store_true", help="Do not seed past sandbox posts")

    @transaction.atomic
    def handle(self, *args, **options):
        sandbox_url = (options["base_url"] or settings.SITE_URL).rstrip("/") + "/sandbox"
        User = get_user_model()
        demo = self._user(User, "demo", "demo@example.com", staff=True, time_zone="Europe/London")
        client = self._user(User, "acme-client", "client@acme.example", time_zone="America/New_York")
        editor = self._user(User, "eve", "eve@northwind.example", time_zone="Europe/London")

        audience()
        seeded = []
        for spec in WORKSPACES:
            workspace, _ = Workspace.objects.update_or_create(
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "time_zone": spec["time_zone"],
                    "approval_policy": spec.get("approval_policy", Workspace.ApprovalPolicy.CONTRIBUTORS),
                },
            )
            Membership.objects.update_or_create(workspace=workspace, user=demo, defaults={"role": Role.OWNER})
            Membership.objects.update_or_create(workspace=workspace, user=editor, defaults={"role": Role.EDITOR})
            if spec["slug"] == "acme-coffee":
                Membership.objects.update_or_create(workspace=workspace, user=client, defaults={"role": Role.CLIENT})
            for name, tz, colour, handles in spec["brands"]:
                brand, _ = Brand.objects.update_or_create(
                    workspace=workspace, name=name, defaults={"time_zone": tz, "colour": colour}
                )
                for kind, snippet_name, body in SNIPPETS:
                    Snippet.objects.get_or_create(
                        brand=brand, name=snippet_name, defaults={"kind": kind, "body": body.format(brand=name)}
                    )
                for handle in handles:
                    account = self._account(brand, handle, sandbox_url)
                    if not options["no_history"]:
                        seeded += self._history(account, name)
            self._plan(workspace, owner=demo, editor=editor)
            if spec["slug"] == "northwind":
                _video(workspace, owner=demo)
            if spec["slug"] == "acme-coffee":
                _campaign_money(workspace, owner=demo)
                _repeating(workspace, owner=demo)
                _monitors(workspace)
            for title, text in SAVED_REPLIES:
                SavedReply.objects.get_or_create(workspace=workspace, title=title, defaults={"text": text})
        self._explain_history_only_accounts()
        if seeded:
            # Replay a few hours of audience so the seeded posts have likes and replies.
            now = timezone.now()
            for minutes in range(6 * 60, 0, -2):
                simulate(seed=2026, now=now - dt.timedelta(minutes=minutes))
        profile = profile_for(demo)
        profile.last_workspace = Workspace.objects.get(slug="northwind")
        profile.save()
        self.stdout.write(self.style.SUCCESS(f"Demo ready: log in as demo / {DEMO_PASSWORD}"))

    def _user(self, User, username, email, *, staff=False, time_zone="UTC"):
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = staff
        user.save()
        profile = profile_for(user)
        profile.time_zone = time_zone
        profile.save()
        return user

    def _account(self, brand, handle, sandbox_url):
        sandbox_account, _ = SandboxAccount.objects.get_or_create(
            username=handle,
            defaults={
                "display_name": brand.name if "_" not in handle else handle.replace("_", " ").title(),
                "note": f"Official account of {brand.name} (demo).",
                "followers_count": 1200 + 37 * len(handle) * 11,
                "following_count": 180,
            },
        )
        account = SocialAccount.objects.filter(brand=brand, network="mastodon", handle=f"@{handle}").first()
        if account is None:
            account = SocialAccount(
                brand=brand,
                network="mastodon",
                handle=f"@{handle}",
                display_name=sandbox_account.display_name,
                credentials={"access_token": secrets.token_urlsafe(32)},
            )
        token = (account.credentials or {}).get("access_token")
        if not token:
            token = secrets.token_urlsafe(32)
            account.credentials = {**(account.credentials or {}), "access_token": token}
        account.remote_id = str(sandbox_account.pk)
        account.base_url = sandbox_url
        account.save()
        SandboxToken.objects.get_or_create(token=token, defaults={"account": sandbox_account})
        return account

    def _explain_history_only_accounts(self) -> None:
        """The history-only accounts of an earlier demo say why they are paused."""
        for network, _followers in EXTRA_NETWORKS:
            SocialAccount.objects.filter(
                network=network, remote_id__startswith=f"demo-{network}-", status=SocialAccount.Status.PAUSED
            ).exclude(status_reason=history_only_reason(network)).update(status_reason=history_only_reason(network))

    def _history(self, account, brand_name) -> list[SandboxStatus]:
        sandbox_account = SandboxAccount.objects.get(pk=int(account.remote_id))
        if sandbox_account.statuses.exists():
            return []
        now = timezone.now()
        texts = [
            (dt.timedelta(hours=5, minutes=40), f"Good morning from {brand_name}! What are you up to this week? ☀️"),
            (
                dt.timedelta(hours=3, minutes=10),
                f"New this season at {brand_name}: see what's new https://example.com/new #new",
            ),
            (
                dt.timedelta(hours=1, minutes=25),
                "Thank you for 1,000 followers 🎉 Tell us what you would like to see next.",
            ),
        ]
        return [post_status(sandbox_account, NewStatus(text=text), now=now - ago)[0] for ago, text in texts]

    def _plan(self, workspace, *, owner, editor) -> None:
        """The coming week of a workspace, once: slots, scheduled posts, a draft, an approval."""
        if Post.objects.filter(workspace=workspace).exclude(status=PostStatus.PUBLISHED).exists():
            return
        now = timezone.now()
        for index, brand in enumerate(workspace.brands.order_by("name")):
            for weekday, hour, minute in SLOTS:
                PostingSlot.objects.get_or_create(brand=brand, weekday=weekday, time=dt.time(hour, minute))
            accounts = _sandbox_accounts(brand)
            if not accounts:
                continue
            for day, (hour, text) in enumerate(PLAN, start=1):
                local = (now.astimezone(brand.tz) + dt.timedelta(days=day + index)).replace(
                    hour=hour, minute=0 if index == 0 else 30, second=0, microsecond=0
                )
                post = post_actions.create_post(workspace, brand, owner, text.format(brand=brand.name), accounts)
                post_actions.schedule_post(post, local.astimezone(dt.UTC), owner)
            if index == 0:
                soon = post_actions.create_post(
                    workspace,
                    brand,
                    owner,
                    f"Fresh from {brand.name}: this one was scheduled for a few minutes "
                    "after the demo started. Watch it appear on the sandbox timeline!",
                    accounts[:1],
                )
                post_actions.schedule_post(soon, now + dt.timedelta(minutes=3), owner)
                post_actions.create_post(
                    workspace,
                    brand,
                    editor,
                    f"Draft: behind the scenes at {brand.name}. Add a photo before scheduling.",
                    accounts,
                )
        if workspace.approval_policy == Workspace.ApprovalPolicy.CONTRIBUTORS_EDITORS:
            brand = workspace.brands.order_by("name").first()
            accounts = _sandbox_accounts(brand)
            waiting = post_actions.create_post(
                workspace,
                brand,
                editor,
                f"Our holiday blend is back at {brand.name}. Who is in? ☕",
                accounts,
            )
            local = (now.astimezone(brand.tz) + dt.timedelta(days=4)).replace(
                hour=11, minute=0, second=0, microsecond=0
            )
            post_actions.schedule_post(waiting, local.astimezone(dt.UTC), editor)


def _video(workspace, *, owner) -> None:
    """A short clip made here with PyAV (no video is kept in git) in the media library, and a
    video post scheduled a few minutes after seeding to the brand's sandbox accounts: the
    worker uploads it, waits while the sandbox "processes" it, and it plays on the sandbox
    timeline. Once."""
    if MediaAsset.objects.filter(workspace=workspace, kind=MediaAsset.Kind.VIDEO).exists():
        return
    brand = workspace.brands.order_by("name").first()
    accounts = _sandbox_accounts(brand) if brand else []
    if not accounts:
        return
    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(os.path.join(folder, "studio-tour.mp4"), seconds=6, width=540, height=960, label=brand.name)
        asset = store_video_file(
            workspace, clip, name="Studio tour.mp4", user=owner, alt_text=f"A short tour of {brand.name}"
        )
    post = post_actions.create_post(
        workspace,
        brand,
        owner,
        f"Take a 6-second tour of {brand.name} 🎬 (a video post: uploaded, processed, then published)",
        accounts[:1],
        media=[asset],
    )
    post_actions.schedule_post(post, timezone.now() + dt.timedelta(minutes=6), owner)


def _repeating(workspace, *, owner) -> None:
    """A weekly repeating post (Tuesdays and Fridays at 08:30, the brand's time), once, so the
    series page and its planned posts show in the calendar."""
    from recurring import actions as series_actions
    from recurring.models import Series
    from recurring.rules import Recurrence

    if Series.objects.filter(workspace=workspace).exists():
        return
    brand = workspace.brands.order_by("name").first()
    accounts = _sandbox_accounts(brand)
    if brand is None or not accounts:
        return
    rule = Recurrence(
        "weekly", timezone.now().astimezone(brand.tz).date(), dt.time(8, 30), brand.time_zone, days=["TU", "FR"]
    )
    content = {
        "text": f"Brew tip of the week from {brand.name}: grind just before you brew, and taste the difference.",
        "accounts": accounts[:1],
        "link": "",
        "media": [],
        "campaign": None,
    }
    series_actions.create_series(workspace, brand, owner, content, rule)


def _monitors(workspace) -> None:
    """Listening for the first brand and one competitor, once: with make run, the sandbox's
    Jetstream stand-in posts audience chatter about these terms, and the listening page fills."""
    from listening.models import Monitor

    brand = workspace.brands.order_by("name").first()
    if brand is None:
        return
    Monitor.objects.get_or_create(
        brand=brand,
        name=brand.name,
        defaults={
            "workspace": workspace,
            "kind": Monitor.Kind.BRAND,
            "terms": [brand.name, "cold brew"],
            "hashtags": ["acmecoffee"],
            "exclusions": ["giveaway"],
        },
    )
    Monitor.objects.get_or_create(
        brand=brand,
        name="Bean There (competitor)",
        defaults={"workspace": workspace, "kind": Monitor.Kind.COMPETITOR, "terms": ["Bean There"]},
    )
    _competitor(workspace, brand)


def _competitor(workspace, brand) -> None:
    """Bean There's public account on the sandbox, watched as a competitor: a few public posts
    there (the snapshot task reads them like any Mastodon server's) and a month of earlier
    daily snapshots, made up like the rest of the demo's history, so the comparison has a line."""
    from urllib.parse import urlsplit

    from listening.models import Competitor, CompetitorSnapshot

    account = _sandbox_accounts(brand)[:1]
    if not account:
        return
    server = urlsplit(account[0].base_url).netloc
    rival, created = SandboxAccount.objects.get_or_create(
        username="beanthere",
        defaults={
            "display_name": "Bean There Coffee",
            "note": "Coffee, but there. (A demo competitor.)",
            "followers_count": 3400,
            "following_count": 210,
        },
    )
    if created:
        now = timezone.now()
        for hours, text in ((30, "Our winter menu is here ❄️"), (55, "Free refills all week"), (80, "New shop open")):
            post_status(rival, NewStatus(text=text), now=now - dt.timedelta(hours=hours))
    competitor, created = Competitor.objects.get_or_create(
        brand=brand,
        network=Competitor.Network.MASTODON,
        handle=f"beanthere@{server}",
        defaults={"workspace": workspace, "name": "Bean There"},
    )
    if not created:
        return
    rng = random.Random(2026)
    today = timezone.now().date()
    followers = 3400 - 30 * 18
    for days_ago in range(30, 0, -1):
        followers += rng.randint(5, 32)
        CompetitorSnapshot.objects.get_or_create(
            competitor=competitor,
            date=today - dt.timedelta(days=days_ago),
            defaults={
                "followers": followers,
                "posts_count": 140 + (30 - days_ago) // 2,
                "posts_7d": rng.randint(2, 6),
                "avg_engagement": round(rng.uniform(6, 14), 1),
                "posts_read": 20,
            },
        )


def _campaign_money(workspace, *, owner) -> None:
    """One campaign with real figures on its page (links/roi.py): tracked links on its own
    posts only (a campaign-level link setting: the workspace's other posts publish as
    written), two weeks of clicks, conversions credited by click id and by utm_campaign,
    spend against a budget. Once: a re-run finds the conversions and adds nothing."""
    from analytics.models import PostMetricLatest
    from links import roi
    from links.models import Click, Conversion, Spend, TrackedLink, UtmPreset, new_click_id
    from posts.models import Campaign, PostTarget, TargetState

    campaign, _ = Campaign.objects.get_or_create(
        workspace=workspace, name="Holiday Blend 2026", defaults={"colour": "#b45309", "budget": 1500}
    )
    UtmPreset.objects.get_or_create(
        workspace=workspace, campaign=campaign, defaults={"add_utm": True, "short_links": True}
    )
    if Conversion.objects.filter(workspace=workspace).exists():
        return
    rng = random.Random(2026)
    now = timezone.now()
    start = now - dt.timedelta(days=14)
    brand = workspace.brands.order_by("name").first()
    accounts = list(brand.accounts.order_by("network", "handle"))[:2]
    post = Post.objects.create(
        workspace=workspace,
        brand=brand,
        author=owner,
        campaign=campaign,
        text="The Holiday Blend is back: cinnamon, orange peel and our darkest roast. https://example.com/holiday",
        link="https://example.com/holiday",
        status=PostStatus.PUBLISHED,
    )
    clicks = []
    for index, account in enumerate(accounts):
        target = PostTarget.objects.create(
            post=post, account=account, state=TargetState.PUBLISHED, published_at=start + dt.timedelta(hours=index)
        )
        PostMetricLatest.objects.create(
            target=target, post=post, workspace=workspace, brand=brand, account=account, network=account.network,
            published_at=target.published_at, captured_at=now, impressions=[5200, 2300][index % 2],
        )  # fmt: skip
        link = TrackedLink.objects.create(
            workspace=workspace, brand=brand, target=target, original_url="https://example.com/holiday",
            destination=f"https://example.com/holiday?utm_source={account.network}&utm_medium=social"
            "&utm_campaign=holiday-blend-2026",
        )  # fmt: skip
        for _ in range([180, 70][index % 2]):
            at = start + dt.timedelta(minutes=rng.randrange(14 * 24 * 60))
            clicks.append(Click(link=link, at=at, click_id=new_click_id(), visitor=f"v{rng.randrange(140)}",
                                device=rng.choice(["mobile", "mobile", "desktop", "tablet"])))  # fmt: skip
    Click.objects.bulk_create(clicks)
    buyers = rng.sample(clicks, 9)
    for number, click in enumerate(buyers, start=1):
        roi.record_conversion(
            workspace,
            {"order_id": f"HB-{1000 + number}", "click_id": click.click_id,
             "value": rng.choice(["24.00", "36.00", "48.00", "72.00"]),
             "occurred_at": (click.at + dt.timedelta(minutes=rng.randrange(5, 600))).isoformat()},
        )  # fmt: skip
    roi.record_conversion(
        workspace,
        {"order_id": "HB-2001", "utm_campaign": "holiday-blend-2026", "value": "96.00", "occurred_at": now.isoformat()},
    )
    for days_ago, amount, note in (
        (13, "150.00", "Boosted post"),
        (9, "120.00", "Boosted post"),
        (4, "80.00", "Photos"),
    ):
        Spend.objects.create(workspace=workspace, campaign=campaign, date=(now - dt.timedelta(days=days_ago)).date(),
                             amount=amount, note=note)  # fmt: skip


def _sandbox_accounts(brand) -> list[SocialAccount]:
    """The brand's accounts the demo can really publish to (its sandbox Mastodon ones)."""
    return list(brand.accounts.filter(network="mastodon", status=SocialAccount.Status.CONNECTED))


# The inbox's saved replies of every demo workspace (placeholders: inbox.models.SavedReply).
SAVED_REPLIES = [
    (
        "Thanks for the kind words",
        "Thank you so much, {first_name}! That made our day. The whole {brand} team says hi 💛",
    ),
    (
        "Sorry, let's fix it (DM)",
        "We're so sorry about this, {first_name}. Could you send us a direct message with your order "
        "number? We'll put it right as quickly as we can.",
    ),
    (
        "Where to buy",
        "Hi {first_name}! You can find {brand} online at https://example.com/shop and in our partner "
        "stores; the store finder on our site shows the nearest one.",
    ),
    (
        "Looking into it",
        "Thanks for flagging this, {first_name}. We're looking into it now and will come back to you here today.",
    ),
]
# Every demo brand's hashtag groups and snippets (the composer's Insert menu).
SNIPPETS = [
    ("hashtags", "Everyday", "#smallbusiness #community #behindthescenes"),
    ("hashtags", "Launches", "#new #launch #comingsoon"),
    ("text", "Sign-off", "Thanks for reading! The {brand} team"),
    ("text", "Visit us", "Find out more at https://example.com and tell us what you think."),
]

# Weekly posting slots of every demo brand (weekday, hour, minute in the brand's zone).
SLOTS = [(0, 9, 0), (1, 12, 30), (2, 9, 0), (3, 12, 30), (4, 9, 0), (5, 11, 0)]
# The coming days' posts (local hour, text).
PLAN = [
    (9, "Good morning from {brand}: what are you working on today?"),
    (12, "Quick tip from {brand}: small habits make big days. Share yours below."),
    (17, "The {brand} community meetup is next week. Reply if you are coming!"),
    (10, "Behind the scenes at {brand}: meet the team that makes it happen."),
    (15, "Plans for the weekend? {brand} has a few ideas. #weekend"),
]
