"""Create a workspace owned by an existing user, from a shell.

python manage.py create_workspace --owner maria --time-zone Europe/Berlin "Acme Coffee"
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from smm.first_run import create_workspace
from smm.forms import NewWorkspaceForm
from smm.management.commands.create_owner import form_errors


class Command(BaseCommand):
    help = "Create a workspace and make an existing user its owner."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Name of the new workspace")
        parser.add_argument("--owner", required=True, help="Username of its owner")
        parser.add_argument("--time-zone", default="UTC", help="The workspace's time zone (default: UTC)")

    def handle(self, *args, name, owner, time_zone, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"No user named {owner}. Create one with create_owner, or check the spelling.")
        form = NewWorkspaceForm({"name": name, "time_zone": time_zone})
        if not form.is_valid():
            raise CommandError("Nothing was created:\n" + form_errors(form))
        workspace = create_workspace(
            owner=user,
            name=form.cleaned_data["name"],
            time_zone=form.cleaned_data["time_zone"],
            how="from the command line",
        )
        url = settings.SITE_URL.rstrip("/") + workspace.get_absolute_url()
        self.stdout.write(f"Created {workspace.name}, owned by {user.get_username()}: {url}")
