"""Seed the demo: an agency with two client workspaces, brands, members and sandbox accounts.

Idempotent: running it again leaves one copy of everything. The accounts are connected
to the sandbox network served by this same app, through the real Mastodon adapter.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

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

    @transaction.atomic
    def handle(self, *args, **options):
        sandbox_url = (options["base_url"] or settings.SITE_URL).rstrip("/") + "/sandbox"
        User = get_user_model()
        demo = self._user(User, "demo", "demo@example.com", staff=True, time_zone="Europe/London")
        client = self._user(User, "acme-client", "client@acme.example", time_zone="America/New_York")
        editor = self._user(User, "eve", "eve@northwind.example", time_zone="Europe/London")

        for spec in WORKSPACES:
            workspace, _ = Workspace.objects.update_or_create(
                slug=spec["slug"], defaults={"name": spec["name"], "time_zone": spec["time_zone"]}
            )
            Membership.objects.update_or_create(workspace=workspace, user=demo, defaults={"role": Role.OWNER})
            Membership.objects.update_or_create(workspace=workspace, user=editor, defaults={"role": Role.EDITOR})
            if spec["slug"] == "acme-coffee":
                Membership.objects.update_or_create(workspace=workspace, user=client, defaults={"role": Role.CLIENT})
            for name, tz, colour, handles in spec["brands"]:
                brand, _ = Brand.objects.update_or_create(
                    workspace=workspace, name=name, defaults={"time_zone": tz, "colour": colour}
                )
                for handle in handles:
                    self._account(brand, handle, sandbox_url)
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
        account = SocialAccount.objects.filter(brand=brand, network="mastodon", handle=f"@{handle}").first()
        if account is None:
            account = SocialAccount(
                brand=brand,
                network="mastodon",
                handle=f"@{handle}",
                remote_id=handle,
                display_name=handle.replace("_", " ").title(),
                base_url=sandbox_url,
                credentials={"access_token": secrets.token_urlsafe(32)},
            )
        account.base_url = sandbox_url
        account.save()
        return account
